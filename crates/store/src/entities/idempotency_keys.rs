//! The `idempotency_keys` table (our addition): the stored response to a POST sent with an
//! `Idempotency-Key`, replayed for 24 hours.

use sea_orm::entity::prelude::*;

/// A row of `idempotency_keys`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The caller's organization.
    #[sea_orm(primary_key, auto_increment = false)]
    pub org_id: Uuid,
    /// The caller.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The key the client sent.
    #[sea_orm(primary_key, auto_increment = false)]
    pub idempotency_key: String,
    /// Hex SHA-256 of method, path and body.
    pub request_hash: String,
    /// The status of the stored response; `None` while the first request runs.
    pub response_status: Option<i32>,
    /// The stored response headers, as a JSON list of `[name, value]`.
    #[sea_orm(column_type = "Text", nullable)]
    pub response_headers: Option<String>,
    /// The stored response body.
    #[sea_orm(column_type = "Blob", nullable)]
    pub response_body: Option<Vec<u8>>,
    /// When the key was first used.
    pub created_at: DateTimeUtc,
    /// When the key may be forgotten.
    pub expires_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
