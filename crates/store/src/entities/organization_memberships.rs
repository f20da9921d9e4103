//! The `organization_memberships` table: a user's membership of an organization, with a role
//! (§3.1).

use sea_orm::entity::prelude::*;

/// A row of `organization_memberships`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organization_memberships")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The member.
    #[sea_orm(unique_key = "org_membership_unique")]
    pub user_id: Uuid,
    /// The organization.
    #[sea_orm(unique_key = "org_membership_unique")]
    pub organization_id: Uuid,
    /// `member` or `admin`.
    pub role: String,
    /// Extra permissions (`{}` by default).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub permissions: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `user_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
    /// The row `organization_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "organization_id", to = "id", on_delete = "Cascade")]
    pub organization: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
