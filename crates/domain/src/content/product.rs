//! Products: what an organization sells, with the facts that ground AI-written content.

use super::patch::{nullable, set, set_list, set_nullable};
use super::validate::{Checks, MAX_TEXT};
use crate::error::AppResult;
use crate::ids::{OrgId, ProductId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The writable content of a product, validated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProductFields {
    /// Name (1–255 characters).
    #[schema(example = "Acme CRM")]
    pub name: String,
    /// What it is.
    #[schema(example = "A CRM for small sales teams")]
    pub description: Option<String>,
    /// Category (at most 100 characters).
    #[schema(example = "software")]
    pub category: Option<String>,
    /// Key features.
    #[schema(example = json!(["pipeline view", "email sync"]))]
    pub key_features: Vec<String>,
    /// Pricing, free-form (`{"plan": "pro", "usd_per_seat": 49}`).
    #[schema(value_type = Object, example = json!({"usd_per_seat_month": 49}))]
    pub pricing_info: Map<String, Value>,
    /// Who it is for.
    pub target_audience: Option<String>,
    /// Why it beats the alternatives.
    pub competitive_advantages: Option<String>,
    /// Use cases.
    pub use_cases: Vec<String>,
    /// False once archived.
    pub is_active: bool,
}

/// A product as sent by a client: every field optional (see the module documentation of
/// `content` for create / update semantics). Unknown fields are refused.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Acme CRM", "category": "software",
    "key_features": ["pipeline view", "email sync"], "pricing_info": {"usd_per_seat_month": 49}}))]
pub struct ProductInput {
    /// Name; required on create.
    pub name: Option<String>,
    /// Description; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub description: Option<Option<String>>,
    /// Category; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub category: Option<Option<String>>,
    /// Key features; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub key_features: Option<Option<Vec<String>>>,
    /// Pricing object; `null` empties it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub pricing_info: Option<Option<Map<String, Value>>>,
    /// Target audience; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub target_audience: Option<Option<String>>,
    /// Competitive advantages; `null` clears it.
    #[serde(default, deserialize_with = "nullable")]
    pub competitive_advantages: Option<Option<String>>,
    /// Use cases; `null` empties the list.
    #[serde(default, deserialize_with = "nullable")]
    pub use_cases: Option<Option<Vec<String>>>,
    /// Archive (`false`) or restore (`true`).
    pub is_active: Option<bool>,
}

impl ProductFields {
    /// The fields of a product about to be created: empty and active.
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
    pub fn apply(mut self, input: ProductInput) -> AppResult<Self> {
        set(&mut self.name, input.name);
        set_nullable(&mut self.description, input.description);
        set_nullable(&mut self.category, input.category);
        set_list(&mut self.key_features, input.key_features);
        if let Some(pricing) = input.pricing_info {
            self.pricing_info = pricing.unwrap_or_default();
        }
        set_nullable(&mut self.target_audience, input.target_audience);
        set_nullable(
            &mut self.competitive_advantages,
            input.competitive_advantages,
        );
        set_list(&mut self.use_cases, input.use_cases);
        set(&mut self.is_active, input.is_active);

        let mut checks = Checks::default();
        checks.required("name", &mut self.name, 255);
        checks.optional("description", &mut self.description, MAX_TEXT);
        checks.optional("category", &mut self.category, 100);
        checks.list("key_features", &mut self.key_features);
        checks.object("pricing_info", &self.pricing_info);
        checks.optional("target_audience", &mut self.target_audience, MAX_TEXT);
        checks.optional(
            "competitive_advantages",
            &mut self.competitive_advantages,
            MAX_TEXT,
        );
        checks.list("use_cases", &mut self.use_cases);
        checks.finish()?;
        Ok(self)
    }
}

/// A stored product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Product {
    /// Its id.
    pub id: ProductId,
    /// The organization that owns it.
    pub org_id: OrgId,
    /// Its content.
    #[serde(flatten)]
    pub fields: ProductFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

/// Filters of the product list.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilter {
    /// Only active (`true`) or only archived (`false`) products.
    pub is_active: Option<bool>,
    /// Only products of this category (exact match).
    pub category: Option<String>,
}

impl ProductFilter {
    /// The fields the product list sorts by.
    pub const SORTABLE: &'static [&'static str] = &["created_at", "updated_at", "name"];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    fn input(value: Value) -> ProductInput {
        serde_json::from_value(value).unwrap_or_else(|e| panic!("input: {e}"))
    }

    #[test]
    fn absent_keeps_null_clears_value_sets() {
        let created = ProductFields::new_active()
            .apply(input(
                json!({"name": " CRM ", "category": "saas", "use_cases": ["a"]}),
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(created.name, "CRM");
        let patched = created
            .apply(input(
                json!({"category": null, "use_cases": null, "description": "d"}),
            ))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(patched.name, "CRM");
        assert_eq!(patched.category, None);
        assert!(patched.use_cases.is_empty());
        assert_eq!(patched.description.as_deref(), Some("d"));
        assert!(patched.is_active);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let err = ProductFields::new_active()
            .apply(input(
                json!({"category": "x".repeat(101), "key_features": ["", "ok"]}),
            ))
            .err();
        let Some(AppError::Validation { fields, .. }) = err else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["name", "category", "key_features[0]"]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_value::<ProductInput>(json!({"nmae": "x"})).is_err());
    }
}
