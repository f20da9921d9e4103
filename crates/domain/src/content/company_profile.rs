//! The company profile: one per organization, the seller's side of every AI-written script
//! and email (who we are, how we sell, whom we compete with).

use super::kinds::CompanySize;
use super::patch::nullable;
use super::validate::{Checks, MAX_TEXT};
use super::version::ETag;
use crate::error::AppResult;
use crate::ids::OrgId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The content of a company profile, validated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompanyProfileFields {
    /// Industry (at most 100 characters).
    #[schema(example = "software")]
    pub industry: Option<String>,
    /// Company size.
    pub company_size: Option<CompanySize>,
    /// Headquarters city.
    pub headquarters_city: Option<String>,
    /// Headquarters country.
    pub headquarters_country: Option<String>,
    /// Website (absolute http or https URL).
    #[schema(example = "https://acme.test")]
    pub website: Option<String>,
    /// Number of sales people.
    pub sales_team_size: Option<i32>,
    /// Average deal size in USD.
    pub average_deal_size_usd: Option<i32>,
    /// Typical sales cycle in days.
    pub sales_cycle_days: Option<i32>,
    /// Target market.
    pub target_market: Option<String>,
    /// Market segments (`SMB`, `Enterprise`, …).
    pub market_segments: Vec<String>,
    /// Primary offerings.
    pub primary_products: Vec<String>,
    /// Regions sold into.
    pub sales_regions: Vec<String>,
    /// Deal types (`outbound`, `renewal`, …).
    pub deal_types: Vec<String>,
    /// Sales methodology (`consultative`, `MEDDIC`, …).
    pub sales_methodology: Option<String>,
    /// Sales maturity (`early`, `growing`, `mature`, `enterprise`).
    pub sales_stage: Option<String>,
    /// The buying cycle, free-form (`{"stages": ["discovery", "demo"]}`).
    #[schema(value_type = Object)]
    pub typical_buying_cycle: Map<String, Value>,
    /// Main competitors.
    pub main_competitors: Vec<String>,
    /// Competitive advantages.
    pub competitive_advantages: Vec<String>,
    /// Unique selling points.
    pub unique_selling_points: Vec<String>,
    /// Free-text description of the company.
    pub company_description: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// A company profile as sent with `PUT`: the complete new profile (absent fields are empty).
/// Unknown fields are refused.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"industry": "software", "company_size": "10-50",
    "website": "https://acme.test", "sales_team_size": 8, "main_competitors": ["Initech"],
    "company_description": "Acme sells CRM software to small sales teams."}))]
pub struct CompanyProfileInput {
    /// Industry.
    pub industry: Option<String>,
    /// One of `startup`, `1-10`, `10-50`, `50-200`, `200-1000`, `1000+`.
    pub company_size: Option<String>,
    /// Headquarters city.
    pub headquarters_city: Option<String>,
    /// Headquarters country.
    pub headquarters_country: Option<String>,
    /// Website URL.
    pub website: Option<String>,
    /// Number of sales people (0–1,000,000).
    pub sales_team_size: Option<i32>,
    /// Average deal size in USD (0 or more).
    pub average_deal_size_usd: Option<i32>,
    /// Sales cycle in days (0–3650).
    pub sales_cycle_days: Option<i32>,
    /// Target market.
    pub target_market: Option<String>,
    /// Market segments.
    #[serde(default, deserialize_with = "nullable")]
    pub market_segments: Option<Option<Vec<String>>>,
    /// Primary offerings.
    #[serde(default, deserialize_with = "nullable")]
    pub primary_products: Option<Option<Vec<String>>>,
    /// Regions.
    #[serde(default, deserialize_with = "nullable")]
    pub sales_regions: Option<Option<Vec<String>>>,
    /// Deal types.
    #[serde(default, deserialize_with = "nullable")]
    pub deal_types: Option<Option<Vec<String>>>,
    /// Sales methodology.
    pub sales_methodology: Option<String>,
    /// Sales maturity.
    pub sales_stage: Option<String>,
    /// Buying cycle object.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Object>)]
    pub typical_buying_cycle: Option<Option<Map<String, Value>>>,
    /// Main competitors.
    #[serde(default, deserialize_with = "nullable")]
    pub main_competitors: Option<Option<Vec<String>>>,
    /// Competitive advantages.
    #[serde(default, deserialize_with = "nullable")]
    pub competitive_advantages: Option<Option<Vec<String>>>,
    /// Unique selling points.
    #[serde(default, deserialize_with = "nullable")]
    pub unique_selling_points: Option<Option<Vec<String>>>,
    /// Description.
    pub company_description: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl CompanyProfileFields {
    /// The profile `input` describes, validated (a `PUT` replaces the whole profile).
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    pub fn from_input(input: CompanyProfileInput) -> AppResult<Self> {
        let list = |value: Option<Option<Vec<String>>>| value.flatten().unwrap_or_default();
        let mut checks = Checks::default();
        let company_size = input
            .company_size
            .as_deref()
            .and_then(|size| checks.variant::<CompanySize>("company_size", size, CompanySize::ALL));
        let mut fields = Self {
            industry: input.industry,
            company_size,
            headquarters_city: input.headquarters_city,
            headquarters_country: input.headquarters_country,
            website: input.website,
            sales_team_size: input.sales_team_size,
            average_deal_size_usd: input.average_deal_size_usd,
            sales_cycle_days: input.sales_cycle_days,
            target_market: input.target_market,
            market_segments: list(input.market_segments),
            primary_products: list(input.primary_products),
            sales_regions: list(input.sales_regions),
            deal_types: list(input.deal_types),
            sales_methodology: input.sales_methodology,
            sales_stage: input.sales_stage,
            typical_buying_cycle: input.typical_buying_cycle.flatten().unwrap_or_default(),
            main_competitors: list(input.main_competitors),
            competitive_advantages: list(input.competitive_advantages),
            unique_selling_points: list(input.unique_selling_points),
            company_description: input.company_description,
            notes: input.notes,
        };
        checks.optional("industry", &mut fields.industry, 100);
        checks.optional("headquarters_city", &mut fields.headquarters_city, 100);
        checks.optional(
            "headquarters_country",
            &mut fields.headquarters_country,
            100,
        );
        checks.url("website", &mut fields.website);
        checks.range("sales_team_size", fields.sales_team_size, 0, 1_000_000);
        checks.range(
            "average_deal_size_usd",
            fields.average_deal_size_usd,
            0,
            i32::MAX,
        );
        checks.range("sales_cycle_days", fields.sales_cycle_days, 0, 3_650);
        checks.optional("target_market", &mut fields.target_market, MAX_TEXT);
        checks.list("market_segments", &mut fields.market_segments);
        checks.list("primary_products", &mut fields.primary_products);
        checks.list("sales_regions", &mut fields.sales_regions);
        checks.list("deal_types", &mut fields.deal_types);
        checks.optional("sales_methodology", &mut fields.sales_methodology, 100);
        checks.optional("sales_stage", &mut fields.sales_stage, 50);
        checks.object("typical_buying_cycle", &fields.typical_buying_cycle);
        checks.list("main_competitors", &mut fields.main_competitors);
        checks.list("competitive_advantages", &mut fields.competitive_advantages);
        checks.list("unique_selling_points", &mut fields.unique_selling_points);
        checks.optional(
            "company_description",
            &mut fields.company_description,
            MAX_TEXT,
        );
        checks.optional("notes", &mut fields.notes, MAX_TEXT);
        checks.finish()?;
        Ok(fields)
    }
}

/// A stored company profile.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompanyProfile {
    /// The organization it describes.
    pub org_id: OrgId,
    /// Its content.
    #[serde(flatten)]
    pub fields: CompanyProfileFields,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    pub updated_at: DateTime<Utc>,
}

impl CompanyProfile {
    /// Its entity tag.
    #[must_use]
    pub fn etag(&self) -> ETag {
        ETag::of(self.updated_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;
    use serde_json::json;

    #[test]
    fn enums_urls_and_ranges_are_checked_together() {
        let input: CompanyProfileInput = serde_json::from_value(json!({
            "company_size": "huge", "website": "ftp://acme.test", "sales_cycle_days": -1,
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let Err(AppError::Validation { fields, .. }) = CompanyProfileFields::from_input(input)
        else {
            panic!("expected a validation error");
        };
        let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["company_size", "website", "sales_cycle_days"]);
    }

    #[test]
    fn a_valid_profile_parses_its_size() {
        let input: CompanyProfileInput =
            serde_json::from_value(json!({"company_size": "1000+", "website": "https://a.test/x"}))
                .unwrap_or_else(|e| panic!("{e}"));
        let fields = CompanyProfileFields::from_input(input).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fields.company_size, Some(CompanySize::Over1000));
    }
}
