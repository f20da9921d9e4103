//! [`CompanyProfiles`]: the one company profile of each organization
//! ([`CompanyProfileStore`]).

use super::json::{from_json, to_json};
use crate::entities::company_profiles::{ActiveModel, Column, Entity, Model};
use crate::error::db_error;
use crate::repositories::{later_than, now};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hellosales_domain::content::{CompanyProfile, CompanyProfileFields};
use hellosales_domain::ports::CompanyProfileStore;
use hellosales_domain::{AppError, AppResult, OrgId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TryInsertResult};
use uuid::Uuid;

/// Company profiles of any organization (every method takes the organization).
#[derive(Clone, Debug)]
pub struct CompanyProfiles {
    db: DatabaseConnection,
}

impl CompanyProfiles {
    /// The profiles on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl CompanyProfileStore for CompanyProfiles {
    async fn get(&self, org: OrgId) -> AppResult<Option<CompanyProfile>> {
        Entity::find()
            .filter(Column::OrgId.eq(org.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(record)
            .transpose()
    }

    async fn create(
        &self,
        org: OrgId,
        fields: &CompanyProfileFields,
    ) -> AppResult<Option<CompanyProfile>> {
        let at = now();
        let mut row = content(fields);
        row.id = Set(Uuid::now_v7());
        row.org_id = Set(org.as_uuid());
        row.created_at = Set(at);
        row.updated_at = Set(at);
        let inserted = Entity::insert(row)
            .on_conflict_do_nothing_on([Column::OrgId])
            .exec_without_returning(&self.db)
            .await
            .map_err(db_error)?;
        // `ON CONFLICT DO NOTHING` reports a conflict as zero rows inserted.
        if !matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
            return Ok(None);
        }
        self.get(org).await
    }

    async fn replace(
        &self,
        org: OrgId,
        fields: &CompanyProfileFields,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<CompanyProfile>> {
        let mut row = content(fields);
        row.updated_at = Set(later_than(expected));
        let updated = Entity::update_many()
            .set(row)
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::UpdatedAt.eq(expected))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        updated.into_iter().next().map(record).transpose()
    }
}

/// The content columns of a profile (no id, organization or timestamps).
fn content(fields: &CompanyProfileFields) -> ActiveModel {
    ActiveModel {
        industry: Set(fields.industry.clone()),
        company_size: Set(fields.company_size.map(|size| size.as_str().to_owned())),
        headquarters_city: Set(fields.headquarters_city.clone()),
        headquarters_country: Set(fields.headquarters_country.clone()),
        website: Set(fields.website.clone()),
        sales_team_size: Set(fields.sales_team_size),
        average_deal_size_usd: Set(fields.average_deal_size_usd),
        sales_cycle_days: Set(fields.sales_cycle_days),
        target_market: Set(fields.target_market.clone()),
        market_segments: Set(Some(to_json(&fields.market_segments))),
        primary_products: Set(Some(to_json(&fields.primary_products))),
        sales_regions: Set(Some(to_json(&fields.sales_regions))),
        deal_types: Set(Some(to_json(&fields.deal_types))),
        sales_methodology: Set(fields.sales_methodology.clone()),
        sales_stage: Set(fields.sales_stage.clone()),
        typical_buying_cycle: Set(Some(to_json(&fields.typical_buying_cycle))),
        main_competitors: Set(Some(to_json(&fields.main_competitors))),
        competitive_advantages: Set(Some(to_json(&fields.competitive_advantages))),
        unique_selling_points: Set(Some(to_json(&fields.unique_selling_points))),
        company_description: Set(fields.company_description.clone()),
        notes: Set(fields.notes.clone()),
        ..ActiveModel::default()
    }
}

fn record(row: Model) -> AppResult<CompanyProfile> {
    let company_size = row
        .company_size
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| AppError::internal(format!("company_profiles.company_size: {e}")))?;
    Ok(CompanyProfile {
        org_id: OrgId(row.org_id),
        fields: CompanyProfileFields {
            industry: row.industry,
            company_size,
            headquarters_city: row.headquarters_city,
            headquarters_country: row.headquarters_country,
            website: row.website,
            sales_team_size: row.sales_team_size,
            average_deal_size_usd: row.average_deal_size_usd,
            sales_cycle_days: row.sales_cycle_days,
            target_market: row.target_market,
            market_segments: from_json(row.market_segments, "company_profiles.market_segments")?,
            primary_products: from_json(row.primary_products, "company_profiles.primary_products")?,
            sales_regions: from_json(row.sales_regions, "company_profiles.sales_regions")?,
            deal_types: from_json(row.deal_types, "company_profiles.deal_types")?,
            sales_methodology: row.sales_methodology,
            sales_stage: row.sales_stage,
            typical_buying_cycle: from_json(
                row.typical_buying_cycle,
                "company_profiles.typical_buying_cycle",
            )?,
            main_competitors: from_json(row.main_competitors, "company_profiles.main_competitors")?,
            competitive_advantages: from_json(
                row.competitive_advantages,
                "company_profiles.competitive_advantages",
            )?,
            unique_selling_points: from_json(
                row.unique_selling_points,
                "company_profiles.unique_selling_points",
            )?,
            company_description: row.company_description,
            notes: row.notes,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}
