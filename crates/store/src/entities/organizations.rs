//! The `organizations` table: an organization: the tenant that owns all content (§3.1).

use sea_orm::entity::prelude::*;

/// A row of `organizations`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    /// Our id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization's id at the identity provider (WorkOS `org_…`).
    #[sea_orm(unique)]
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// URL-friendly name.
    pub slug: Option<String>,
    /// Free-form settings (`{}` by default).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub settings: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
