//! What a client asks to generate (`POST /api/v1/scripts/generate`, `…/emails/generate`, the
//! `generate.script` / `generate.email` frames), validated into a [`Brief`] that the pipeline
//! carries in its snapshot.

use super::prompts::Length;
use hellosales_domain::content::{EmailType, ScriptType};
use hellosales_domain::error::FieldError;
use hellosales_domain::{AppError, AppResult, ClientId, EmailId, ProductId, ScriptId};
use serde::{Deserialize, Serialize};

/// The most variants one request makes.
pub const MAX_VARIANTS: u8 = 3;
/// The longest tone, language, name, call to action, in characters.
const MAX_SHORT: usize = 100;
/// The longest free-text instructions, in characters.
pub const MAX_INSTRUCTIONS: usize = 2_000;

/// A request to generate a sales script.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "client_id": "0193a5c2-7d1e-7f00-8000-000000000001",
    "product_id": "0193a5c2-7d1e-7f00-8000-000000000002",
    "script_type": "cold_call", "tone": "consultative", "length": "short",
    "instructions": "Mention the pilot offer."
}))]
pub struct GenerateScript {
    /// The client it is for.
    pub client_id: Option<ClientId>,
    /// The product it sells.
    pub product_id: Option<ProductId>,
    /// `cold_call`, `follow_up`, `demo`, `closing` or `general`.
    #[schema(value_type = String)]
    pub script_type: Option<String>,
    /// Its name (default: from the type and the subjects).
    pub name: Option<String>,
    /// For example `consultative`, `direct`, `friendly`, `formal`.
    pub tone: Option<String>,
    /// `short`, `medium` (default) or `long`.
    pub length: Option<Length>,
    /// Free-text instructions (checked by the guardrails).
    pub instructions: Option<String>,
    /// The language to write in (default English).
    pub language: Option<String>,
    /// 1 to 3 versions to write (default 1).
    pub variants: Option<u8>,
    /// A script to refine: the result is its next version.
    pub base_script_id: Option<ScriptId>,
}

/// A request to generate a sales email.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({
    "client_id": "0193a5c2-7d1e-7f00-8000-000000000001",
    "email_type": "cold_outreach", "call_to_action": "Book a 20-minute call"
}))]
pub struct GenerateEmail {
    /// The client it is for.
    pub client_id: Option<ClientId>,
    /// The product it sells.
    pub product_id: Option<ProductId>,
    /// `cold_outreach`, `follow_up`, `proposal`, `closing` or `general`.
    #[schema(value_type = String)]
    pub email_type: Option<String>,
    /// Its name (default: from the type and the subjects).
    pub name: Option<String>,
    /// For example `consultative`, `direct`, `friendly`, `formal`.
    pub tone: Option<String>,
    /// `short`, `medium` (default) or `long`.
    pub length: Option<Length>,
    /// What the reader should do.
    pub call_to_action: Option<String>,
    /// Free-text instructions (checked by the guardrails).
    pub instructions: Option<String>,
    /// The language to write in (default English).
    pub language: Option<String>,
    /// 1 to 3 versions to write (default 1).
    pub variants: Option<u8>,
    /// An email to refine: the result is its next version.
    pub base_email_id: Option<EmailId>,
}

/// Which kind of document a brief asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "type")]
pub enum DocumentType {
    /// A sales script of this type.
    Script(ScriptType),
    /// A sales email of this type.
    Email(EmailType),
}

/// A validated request, as the pipeline reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brief {
    /// What to write.
    pub document: DocumentType,
    /// The client, when given (or the base's).
    pub client_id: Option<ClientId>,
    /// The product, when given (or the base's).
    pub product_id: Option<ProductId>,
    /// The name asked for.
    pub name: Option<String>,
    /// The tone.
    pub tone: Option<String>,
    /// The length.
    pub length: Length,
    /// The call to action (emails).
    pub call_to_action: Option<String>,
    /// Free-text instructions.
    pub instructions: Option<String>,
    /// The language.
    pub language: Option<String>,
    /// How many versions to write.
    pub variants: u8,
    /// The version to refine (a script or email id).
    pub base_id: Option<uuid::Uuid>,
}

impl GenerateScript {
    /// Validates the request.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` naming every bad field.
    pub fn validate(self) -> AppResult<Brief> {
        let mut errors = Vec::new();
        let script_type = match self.script_type.as_deref() {
            None => {
                errors.push(FieldError::new(
                    "script_type",
                    "required",
                    "script_type is required",
                ));
                None
            }
            Some(value) => match value.parse::<ScriptType>() {
                Ok(kind) => Some(kind),
                Err(message) => {
                    errors.push(FieldError::new("script_type", "unknown_variant", message));
                    None
                }
            },
        };
        let common = Common {
            client_id: self.client_id,
            product_id: self.product_id,
            name: self.name,
            tone: self.tone,
            length: self.length,
            call_to_action: None,
            instructions: self.instructions,
            language: self.language,
            variants: self.variants,
            base_id: self.base_script_id.map(|id| id.0),
        };
        common.validate(errors, script_type.map(DocumentType::Script))
    }
}

impl GenerateEmail {
    /// Validates the request.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` naming every bad field.
    pub fn validate(self) -> AppResult<Brief> {
        let mut errors = Vec::new();
        let email_type = match self.email_type.as_deref() {
            None => {
                errors.push(FieldError::new(
                    "email_type",
                    "required",
                    "email_type is required",
                ));
                None
            }
            Some(value) => match value.parse::<EmailType>() {
                Ok(kind) => Some(kind),
                Err(message) => {
                    errors.push(FieldError::new("email_type", "unknown_variant", message));
                    None
                }
            },
        };
        let common = Common {
            client_id: self.client_id,
            product_id: self.product_id,
            name: self.name,
            tone: self.tone,
            length: self.length,
            call_to_action: self.call_to_action,
            instructions: self.instructions,
            language: self.language,
            variants: self.variants,
            base_id: self.base_email_id.map(|id| id.0),
        };
        common.validate(errors, email_type.map(DocumentType::Email))
    }
}

/// The fields both requests share.
struct Common {
    client_id: Option<ClientId>,
    product_id: Option<ProductId>,
    name: Option<String>,
    tone: Option<String>,
    length: Option<Length>,
    call_to_action: Option<String>,
    instructions: Option<String>,
    language: Option<String>,
    variants: Option<u8>,
    base_id: Option<uuid::Uuid>,
}

impl Common {
    fn validate(
        self,
        mut errors: Vec<FieldError>,
        document: Option<DocumentType>,
    ) -> AppResult<Brief> {
        if self.client_id.is_none() && self.product_id.is_none() && self.base_id.is_none() {
            errors.push(FieldError::new(
                "client_id",
                "required",
                "give a client_id, a product_id or both",
            ));
        }
        let mut text = |field: &str, value: Option<String>, max: usize| {
            let value = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            if value.as_ref().is_some_and(|v| v.chars().count() > max) {
                errors.push(FieldError::new(
                    field,
                    "too_long",
                    format!("{field} must be at most {max} characters"),
                ));
            }
            value
        };
        let name = text("name", self.name, MAX_SHORT);
        let tone = text("tone", self.tone, MAX_SHORT);
        let call_to_action = text("call_to_action", self.call_to_action, MAX_SHORT * 2);
        let instructions = text("instructions", self.instructions, MAX_INSTRUCTIONS);
        let language = text("language", self.language, MAX_SHORT);
        let variants = self.variants.unwrap_or(1);
        if !(1..=MAX_VARIANTS).contains(&variants) {
            errors.push(FieldError::new(
                "variants",
                "out_of_range",
                format!("variants must be between 1 and {MAX_VARIANTS}"),
            ));
        } else if variants > 1 && self.base_id.is_some() {
            // A version has at most one next version: refining makes exactly one.
            errors.push(FieldError::new(
                "variants",
                "out_of_range",
                "refining a version makes its one next version: variants must be 1",
            ));
        }
        match document {
            Some(document) if errors.is_empty() => Ok(Brief {
                document,
                client_id: self.client_id,
                product_id: self.product_id,
                name,
                tone,
                length: self.length.unwrap_or_default(),
                call_to_action,
                instructions,
                language,
                variants,
                base_id: self.base_id,
            }),
            _ => Err(AppError::invalid_fields(errors)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_request_needs_a_type_and_a_subject() {
        let error = GenerateScript::default().validate().err();
        let Some(AppError::Validation { fields, .. }) = error else {
            panic!("expected a validation error")
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["script_type", "client_id"]);
    }

    #[test]
    fn variants_are_bounded_and_refining_makes_one() {
        let request = |variants, base: bool| GenerateEmail {
            client_id: Some(ClientId::new()),
            email_type: Some("follow_up".into()),
            variants: Some(variants),
            base_email_id: base.then(EmailId::new),
            ..GenerateEmail::default()
        };
        assert!(request(0, false).validate().is_err());
        assert!(request(4, false).validate().is_err());
        assert!(request(2, true).validate().is_err());
        let brief = request(3, false).validate().ok();
        assert_eq!(brief.map(|b| b.variants), Some(3));
    }

    #[test]
    fn blank_texts_are_absent_and_long_ones_refused() {
        let brief = GenerateScript {
            product_id: Some(ProductId::new()),
            script_type: Some("demo".into()),
            tone: Some("  ".into()),
            ..GenerateScript::default()
        }
        .validate()
        .ok();
        assert_eq!(brief.and_then(|b| b.tone), None);
        let long = GenerateScript {
            product_id: Some(ProductId::new()),
            script_type: Some("demo".into()),
            instructions: Some("x".repeat(MAX_INSTRUCTIONS + 1)),
            ..GenerateScript::default()
        };
        assert!(long.validate().is_err());
    }
}
