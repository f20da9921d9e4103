//! The `products` table: a product an organization sells (§3.4).

use sea_orm::entity::prelude::*;

/// A row of `products`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "products")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// Category.
    pub category: Option<String>,
    /// Key features (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub key_features: Option<Json>,
    /// Pricing (object).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub pricing_info: Option<Json>,
    /// Target audience.
    #[sea_orm(column_type = "Text", nullable)]
    pub target_audience: Option<String>,
    /// Competitive advantages.
    #[sea_orm(column_type = "Text", nullable)]
    pub competitive_advantages: Option<String>,
    /// Use cases (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub use_cases: Option<Json>,
    /// False once archived.
    pub is_active: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "Cascade")]
    pub organization: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
