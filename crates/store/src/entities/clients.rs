//! The `clients` table: a prospective or current customer of an organization (§3.4).

use sea_orm::entity::prelude::*;

/// A row of `clients`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The contact's name.
    pub name: String,
    /// Company.
    pub company: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Pain points (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub pain_points: Option<Json>,
    /// Goals (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub goals: Option<Json>,
    /// Usual objections (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub objection_patterns: Option<Json>,
    /// Communication style.
    #[sea_orm(column_type = "Text", nullable)]
    pub communication_style: Option<String>,
    /// Decision criteria (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub decision_criteria: Option<Json>,
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
