//! Sales emails. Like scripts, every edit is a new version (`version + 1`, `parent_email_id`
//! pointing at the version it was made from).

use super::generation::Generation;
use super::kinds::EmailType;
use super::patch::{nullable, set, set_list, set_nullable};
use super::validate::{Checks, MAX_TEXT};
use crate::error::AppResult;
use crate::ids::{ClientId, EmailId, OrgId, ProductId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The writable content of an email version, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailFields {
    /// The product it sells (of the same organization).
    pub product_id: Option<ProductId>,
    /// The client it addresses (of the same organization).
    pub client_id: Option<ClientId>,
    /// Name (1–255 characters).
    #[schema(example = "Globex intro")]
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// What the email is for.
    pub email_type: EmailType,
    /// Subject line (at most 998 characters, the RFC 5322 line limit).
    #[schema(example = "Cutting Globex's reporting time in half")]
    pub subject: String,
    /// Body.
    pub body: String,
    /// What the reader is asked to do.
    pub call_to_action: Option<String>,
    /// Fields to customise per send (`{first_name}`, …).
    pub personalization_fields: Vec<String>,
}

/// An email as sent: every field optional; on create `name`, `subject` and `body` are
/// required. A `PATCH` creates the next version. Unknown fields are refused.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Globex intro", "email_type": "cold_outreach",
    "subject": "Cutting Globex's reporting time in half", "body": "Hi Dana, …",
    "call_to_action": "15 minutes on Thursday?", "personalization_fields": ["first_name"]}))]
pub struct EmailInput {
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
    /// One of `cold_outreach`, `follow_up`, `proposal`, `closing`, `general` (default).
    pub email_type: Option<String>,
    /// Subject line.
    pub subject: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Call to action; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub call_to_action: Option<Option<String>>,
    /// Personalization fields; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub personalization_fields: Option<Option<Vec<String>>>,
}

impl EmailFields {
    /// Applies `input` onto these fields (empty ones for a new email) and validates the
    /// result. Product and client ownership is checked by the service.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    pub fn apply(mut self, input: EmailInput) -> AppResult<Self> {
        let mut checks = Checks::default();
        set_nullable(&mut self.product_id, input.product_id);
        set_nullable(&mut self.client_id, input.client_id);
        set(&mut self.name, input.name);
        set_nullable(&mut self.description, input.description);
        if let Some(kind) = input.email_type
            && let Some(kind) = checks.variant("email_type", &kind, EmailType::ALL)
        {
            self.email_type = kind;
        }
        set(&mut self.subject, input.subject);
        set(&mut self.body, input.body);
        set_nullable(&mut self.call_to_action, input.call_to_action);
        set_list(
            &mut self.personalization_fields,
            input.personalization_fields,
        );

        checks.required("name", &mut self.name, 255);
        checks.optional("description", &mut self.description, MAX_TEXT);
        checks.required("subject", &mut self.subject, 998);
        checks.required("body", &mut self.body, MAX_TEXT);
        checks.optional("call_to_action", &mut self.call_to_action, 1_000);
        checks.list("personalization_fields", &mut self.personalization_fields);
        checks.finish()?;
        Ok(self)
    }
}

/// One stored version of a sales email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SalesEmail {
    /// Its id (each version has its own).
    pub id: EmailId,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its content.
    #[serde(flatten)]
    pub fields: EmailFields,
    /// How it was written, when an AI wrote it.
    #[serde(flatten)]
    pub generation: Generation,
    /// Version number, from 1.
    pub version: i32,
    /// The version this one was made from.
    pub parent_email_id: Option<EmailId>,
    /// False once deleted (soft).
    pub is_active: bool,
    /// When this version was created.
    pub created_at: DateTime<Utc>,
    /// When this version was last changed (only archiving changes a version).
    pub updated_at: DateTime<Utc>,
}

/// Filters of the email list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EmailFilter {
    /// Only active (`true`) or only deleted (`false`) versions.
    pub is_active: Option<bool>,
    /// Only emails for this product.
    #[param(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<ProductId>,
    /// Only emails for this client.
    #[param(value_type = Option<String>, format = Uuid)]
    pub client_id: Option<ClientId>,
    /// Only emails of this type.
    pub email_type: Option<EmailType>,
    /// Only the latest version of each email.
    pub latest_only: Option<bool>,
}

impl EmailFilter {
    /// The fields the email list sorts by.
    pub const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "version"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    #[test]
    fn new_emails_need_name_subject_and_body() {
        let input: EmailInput = serde_json::from_value(json!({"email_type": "general"}))
            .unwrap_or_else(|e| panic!("{e}"));
        let Err(AppError::Validation { fields, .. }) = EmailFields::default().apply(input) else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "subject", "body"]);
    }
}
