//! The `users` table: a user, identified by (auth_provider, auth_subject) at the identity provider
//! (§3.1).

use sea_orm::entity::prelude::*;

/// A row of `users`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    /// Our id (UUID v7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `workos` or `dev`.
    #[sea_orm(unique_key = "users_auth_unique")]
    pub auth_provider: String,
    /// The subject at the identity provider (the WorkOS user id).
    #[sea_orm(unique, unique_key = "users_auth_unique")]
    pub auth_subject: String,
    /// Email address; empty when the identity provider gave none.
    pub email: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar image URL.
    #[sea_orm(column_type = "Text", nullable)]
    pub avatar_url: Option<String>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
