//! Clients: the prospects and customers a sales team sells to, with the profile that grounds
//! AI-written content (pain points, goals, objections, decision criteria).

use super::patch::{nullable, set, set_list, set_nullable};
use super::validate::{Checks, MAX_TEXT};
use crate::error::AppResult;
use crate::ids::{ClientId, OrgId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The writable content of a client, validated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClientFields {
    /// The person's name (1–255 characters).
    #[schema(example = "Dana Smith")]
    pub name: String,
    /// Their company.
    #[schema(example = "Globex")]
    pub company: Option<String>,
    /// Their job title.
    #[schema(example = "VP Sales")]
    pub title: Option<String>,
    /// Their industry (at most 100 characters).
    #[schema(example = "logistics")]
    pub industry: Option<String>,
    /// Their e-mail address.
    #[schema(example = "dana@globex.test")]
    pub email: Option<String>,
    /// Pain points.
    pub pain_points: Vec<String>,
    /// Goals.
    pub goals: Vec<String>,
    /// Objections they tend to raise.
    pub objection_patterns: Vec<String>,
    /// How they like to communicate.
    pub communication_style: Option<String>,
    /// What their decision depends on.
    pub decision_criteria: Vec<String>,
    /// False once archived.
    pub is_active: bool,
}

/// A client as sent: every field optional (see the `content` module documentation). Unknown
/// fields are refused.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Dana Smith", "company": "Globex", "title": "VP Sales",
    "email": "dana@globex.test", "pain_points": ["manual reporting"]}))]
pub struct ClientInput {
    /// Name; required on create.
    pub name: Option<String>,
    /// Company; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub company: Option<Option<String>>,
    /// Title; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub title: Option<Option<String>>,
    /// Industry; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub industry: Option<Option<String>>,
    /// E-mail address; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub email: Option<Option<String>>,
    /// Pain points; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub pain_points: Option<Option<Vec<String>>>,
    /// Goals; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub goals: Option<Option<Vec<String>>>,
    /// Objection patterns; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub objection_patterns: Option<Option<Vec<String>>>,
    /// Communication style; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub communication_style: Option<Option<String>>,
    /// Decision criteria; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub decision_criteria: Option<Option<Vec<String>>>,
    /// Archive (`false`) or restore (`true`).
    pub is_active: Option<bool>,
}

impl ClientFields {
    /// The fields of a client about to be created: empty and active.
    #[must_use]
    pub fn new_active() -> Self {
        Self {
            is_active: true,
            ..Self::default()
        }
    }

    /// Applies `input` onto these fields and validates the result.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    pub fn apply(mut self, input: ClientInput) -> AppResult<Self> {
        set(&mut self.name, input.name);
        set_nullable(&mut self.company, input.company);
        set_nullable(&mut self.title, input.title);
        set_nullable(&mut self.industry, input.industry);
        set_nullable(&mut self.email, input.email);
        set_list(&mut self.pain_points, input.pain_points);
        set_list(&mut self.goals, input.goals);
        set_list(&mut self.objection_patterns, input.objection_patterns);
        set_nullable(&mut self.communication_style, input.communication_style);
        set_list(&mut self.decision_criteria, input.decision_criteria);
        set(&mut self.is_active, input.is_active);

        let mut checks = Checks::default();
        checks.required("name", &mut self.name, 255);
        checks.optional("company", &mut self.company, 255);
        checks.optional("title", &mut self.title, 255);
        checks.optional("industry", &mut self.industry, 100);
        checks.email("email", &mut self.email);
        checks.list("pain_points", &mut self.pain_points);
        checks.list("goals", &mut self.goals);
        checks.list("objection_patterns", &mut self.objection_patterns);
        checks.optional(
            "communication_style",
            &mut self.communication_style,
            MAX_TEXT,
        );
        checks.list("decision_criteria", &mut self.decision_criteria);
        checks.finish()?;
        Ok(self)
    }
}

/// A stored client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Client {
    /// Its id.
    pub id: ClientId,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its content.
    #[serde(flatten)]
    pub fields: ClientFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Filters of the client list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientFilter {
    /// Only active (`true`) or only archived (`false`) clients.
    pub is_active: Option<bool>,
    /// Only clients of this industry (exact match).
    pub industry: Option<String>,
}

impl ClientFilter {
    /// The fields the client list sorts by.
    pub const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name", "company"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    #[test]
    fn email_is_checked_and_blank_optional_text_cleared() {
        let input: ClientInput = serde_json::from_value(
            json!({"name": "Dana", "email": "dana-at-globex", "title": " "}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let Err(AppError::Validation { fields, .. }) = ClientFields::new_active().apply(input)
        else {
            panic!("expected a validation error");
        };
        assert_eq!(fields.len(), 1);
        assert_eq!(
            (fields[0].field.as_str(), fields[0].code.as_str()),
            ("email", "invalid_email")
        );
    }
}
