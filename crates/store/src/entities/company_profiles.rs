//! The `company_profiles` table: an organization's company profile, the sales context of every
//! generation (§3.1).

use sea_orm::entity::prelude::*;

/// A row of `company_profiles`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "company_profiles")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization (one profile each).
    #[sea_orm(unique)]
    pub org_id: Uuid,
    /// Industry.
    pub industry: Option<String>,
    /// `startup`, `1-10`, `10-50`, `50-200`, `200-1000`, `1000+`.
    pub company_size: Option<String>,
    /// Headquarters city.
    pub headquarters_city: Option<String>,
    /// Headquarters country.
    pub headquarters_country: Option<String>,
    /// Website URL.
    #[sea_orm(column_type = "Text", nullable)]
    pub website: Option<String>,
    /// Number of sales people.
    pub sales_team_size: Option<i32>,
    /// Average deal size, in USD.
    pub average_deal_size_usd: Option<i32>,
    /// Typical sales cycle, in days.
    pub sales_cycle_days: Option<i32>,
    /// Target market.
    #[sea_orm(column_type = "Text", nullable)]
    pub target_market: Option<String>,
    /// Segments (`SMB`, `Enterprise`, …).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub market_segments: Option<Json>,
    /// Primary offerings.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub primary_products: Option<Json>,
    /// Geographic regions.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub sales_regions: Option<Json>,
    /// `outbound`, `inbound`, `renewal`, `expansion`, …
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub deal_types: Option<Json>,
    /// `consultative`, `transactional`, `solution-selling`, …
    pub sales_methodology: Option<String>,
    /// `early`, `growing`, `mature`, `enterprise`.
    pub sales_stage: Option<String>,
    /// Buying-cycle stages.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub typical_buying_cycle: Option<Json>,
    /// Main competitors.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub main_competitors: Option<Json>,
    /// Competitive advantages.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub competitive_advantages: Option<Json>,
    /// Unique selling points.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub unique_selling_points: Option<Json>,
    /// Free-text description.
    #[sea_orm(column_type = "Text", nullable)]
    pub company_description: Option<String>,
    /// Notes.
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "Cascade")]
    pub organization: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
