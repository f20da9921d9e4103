//! Sales call scripts. Every edit is a new version: a new row with `version + 1` whose
//! `parent_script_id` is the version it was made from, so the history stays readable.

use super::generation::Generation;
use super::kinds::ScriptType;
use super::patch::{nullable, set, set_list, set_nullable};
use super::validate::{Checks, MAX_TEXT};
use crate::error::AppResult;
use crate::ids::{ClientId, OrgId, ProductId, ScriptId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The writable content of a script version, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScriptFields {
    /// The product it sells (of the same organization).
    pub product_id: Option<ProductId>,
    /// The client it addresses (of the same organization).
    pub client_id: Option<ClientId>,
    /// Name (1–255 characters).
    #[schema(example = "Globex cold call")]
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// What the script is for.
    pub script_type: ScriptType,
    /// The script itself.
    #[schema(example = "Hi Dana, this is Sam from Acme…")]
    pub content: String,
    /// Key talking points.
    pub key_talking_points: Vec<String>,
    /// Objection → response.
    #[schema(example = json!({"too expensive": "Most teams recover the cost in a quarter."}))]
    pub objection_handlers: BTreeMap<String, String>,
    /// Questions to ask.
    pub discovery_questions: Vec<String>,
    /// Closing techniques.
    pub closing_techniques: Vec<String>,
}

/// A script as sent: every field optional; on create `name` and `content` are required. A
/// `PATCH` creates the next version. Unknown fields are refused.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Globex cold call", "script_type": "cold_call",
    "content": "Hi Dana, this is Sam from Acme…", "key_talking_points": ["saves 5 h a week"],
    "objection_handlers": {"too expensive": "Most teams recover the cost in a quarter."}}))]
pub struct ScriptInput {
    /// Product; `null` detaches it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<Option<ProductId>>,
    /// Client; `null` detaches it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub client_id: Option<Option<ClientId>>,
    /// Name.
    pub name: Option<String>,
    /// Description; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    /// One of `cold_call`, `follow_up`, `demo`, `closing`, `general` (default).
    pub script_type: Option<String>,
    /// The script.
    pub content: Option<String>,
    /// Key talking points; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub key_talking_points: Option<Option<Vec<String>>>,
    /// Objection handlers; `null` empties them.
    #[serde(default, deserialize_with = "nullable")]
    pub objection_handlers: Option<Option<BTreeMap<String, String>>>,
    /// Discovery questions; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub discovery_questions: Option<Option<Vec<String>>>,
    /// Closing techniques; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub closing_techniques: Option<Option<Vec<String>>>,
}

impl ScriptFields {
    /// Applies `input` onto these fields (empty ones for a new script) and validates the
    /// result. Whether the product and client belong to the organization is checked by the
    /// service, which can see them.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    pub fn apply(mut self, input: ScriptInput) -> AppResult<Self> {
        let mut checks = Checks::default();
        set_nullable(&mut self.product_id, input.product_id);
        set_nullable(&mut self.client_id, input.client_id);
        set(&mut self.name, input.name);
        set_nullable(&mut self.description, input.description);
        if let Some(kind) = input.script_type
            && let Some(kind) = checks.variant("script_type", &kind, ScriptType::ALL)
        {
            self.script_type = kind;
        }
        set(&mut self.content, input.content);
        set_list(&mut self.key_talking_points, input.key_talking_points);
        if let Some(handlers) = input.objection_handlers {
            self.objection_handlers = handlers.unwrap_or_default();
        }
        set_list(&mut self.discovery_questions, input.discovery_questions);
        set_list(&mut self.closing_techniques, input.closing_techniques);

        checks.required("name", &mut self.name, 255);
        checks.optional("description", &mut self.description, MAX_TEXT);
        checks.required("content", &mut self.content, MAX_TEXT);
        checks.list("key_talking_points", &mut self.key_talking_points);
        checks.text_map("objection_handlers", &mut self.objection_handlers);
        checks.list("discovery_questions", &mut self.discovery_questions);
        checks.list("closing_techniques", &mut self.closing_techniques);
        checks.finish()?;
        Ok(self)
    }
}

/// One stored version of a sales script.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesScript {
    /// Its id (each version has its own).
    pub id: ScriptId,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its content.
    #[serde(flatten)]
    pub fields: ScriptFields,
    /// How it was written, when an AI wrote it.
    #[serde(flatten)]
    pub generation: Generation,
    /// Version number, from 1.
    pub version: i32,
    /// The version this one was made from.
    pub parent_script_id: Option<ScriptId>,
    /// False once deleted (soft).
    pub is_active: bool,
    /// When this version was created.
    pub created_at: DateTime<Utc>,
    /// When this version was last changed (only archiving changes a version).
    pub updated_at: DateTime<Utc>,
}

/// Filters of the script list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScriptFilter {
    /// Only active (`true`) or only deleted (`false`) versions.
    pub is_active: Option<bool>,
    /// Only scripts for this product.
    #[param(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<ProductId>,
    /// Only scripts for this client.
    #[param(value_type = Option<String>, format = Uuid)]
    pub client_id: Option<ClientId>,
    /// Only scripts of this type.
    pub script_type: Option<ScriptType>,
    /// Only the latest version of each script (versions nothing was made from).
    pub latest_only: Option<bool>,
}

impl ScriptFilter {
    /// The fields the script list sorts by.
    pub const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "version"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    #[test]
    fn new_scripts_need_name_and_content_and_a_known_type() {
        let input: ScriptInput = serde_json::from_value(json!({"script_type": "pitch"}))
            .unwrap_or_else(|e| panic!("{e}"));
        let Err(AppError::Validation { fields, .. }) = ScriptFields::default().apply(input) else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["script_type", "name", "content"]);
    }

    #[test]
    fn an_edit_keeps_what_it_does_not_mention() {
        let first: ScriptInput = serde_json::from_value(json!({
            "name": "n", "content": "c", "script_type": "demo",
            "objection_handlers": {" price ": "value"}
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let v1 = ScriptFields::default()
            .apply(first)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v1.objection_handlers.get("price").map(String::as_str),
            Some("value")
        );
        let edit: ScriptInput =
            serde_json::from_value(json!({"content": "c2"})).unwrap_or_else(|e| panic!("{e}"));
        let v2 = v1.clone().apply(edit).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v2.content, "c2");
        assert_eq!((v2.name, v2.script_type), (v1.name, ScriptType::Demo));
    }
}
