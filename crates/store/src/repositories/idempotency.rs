//! [`IdempotencyKeys`]: the stored responses of POSTs sent with an `Idempotency-Key`.
//!
//! A key is claimed by inserting its row (`INSERT … ON CONFLICT DO NOTHING`), so of any
//! number of concurrent requests with one key exactly one runs; the others see the claim and
//! are told the first is still in flight, or, once it has finished, get its response. An
//! expired key is deleted before the claim, so it can be used afresh.

use crate::entities::idempotency_keys::{ActiveModel, Column, Entity, Model};
use crate::error::db_error;
use crate::repositories::now;
use chrono::Duration;
use hellosales_domain::{AppResult, OrgId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TryInsertResult};

/// How long a key's response is kept.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

/// A stored response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// The status code.
    pub status: u16,
    /// The headers worth replaying (`[name, value]`, as JSON text).
    pub headers: String,
    /// The body.
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or had expired): the request runs, then
    /// [`IdempotencyKeys::complete`] or [`IdempotencyKeys::release`].
    Claimed,
    /// The same request already ran: replay its response.
    Replay(StoredResponse),
    /// The same request is running right now.
    InFlight,
    /// The key was used for another request.
    Mismatch,
}

/// Idempotency keys, per (organization, user, key). Cheap to clone.
#[derive(Clone, Debug)]
pub struct IdempotencyKeys {
    db: DatabaseConnection,
}

impl IdempotencyKeys {
    /// The keys on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn scoped(org: OrgId, user: UserId, key: &str) -> sea_orm::DeleteMany<Entity> {
        Entity::delete_many()
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::UserId.eq(user.as_uuid()))
            .filter(Column::IdempotencyKey.eq(key))
    }

    /// Claims `key` for a request whose hash is `request_hash`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn claim(
        &self,
        org: OrgId,
        user: UserId,
        key: &str,
        request_hash: &str,
    ) -> AppResult<Claim> {
        let at = now();
        Self::scoped(org, user, key)
            .filter(Column::ExpiresAt.lt(at))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        let inserted = Entity::insert(ActiveModel {
            org_id: Set(org.as_uuid()),
            user_id: Set(user.as_uuid()),
            idempotency_key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            response_status: Set(None),
            response_headers: Set(None),
            response_body: Set(None),
            created_at: Set(at),
            expires_at: Set(at + IDEMPOTENCY_TTL),
        })
        .on_conflict_do_nothing_on([Column::OrgId, Column::UserId, Column::IdempotencyKey])
        .exec_without_returning(&self.db)
        .await
        .map_err(db_error)?;
        if matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
            return Ok(Claim::Claimed);
        }
        let row: Option<Model> =
            Entity::find_by_id((org.as_uuid(), user.as_uuid(), key.to_owned()))
                .one(&self.db)
                .await
                .map_err(db_error)?;
        Ok(match row {
            // Released between our insert and read: the caller may retry.
            None => Claim::InFlight,
            Some(row) if row.request_hash != request_hash => Claim::Mismatch,
            Some(Model {
                response_status: Some(status),
                response_headers,
                response_body,
                ..
            }) => Claim::Replay(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                headers: response_headers.unwrap_or_else(|| "[]".to_owned()),
                body: response_body.unwrap_or_default(),
            }),
            Some(_) => Claim::InFlight,
        })
    }

    /// Stores the response of a claimed key.
    ///
    /// # Errors
    /// Database errors.
    pub async fn complete(
        &self,
        org: OrgId,
        user: UserId,
        key: &str,
        response: StoredResponse,
    ) -> AppResult<()> {
        Entity::update_many()
            .set(ActiveModel {
                response_status: Set(Some(i32::from(response.status))),
                response_headers: Set(Some(response.headers)),
                response_body: Set(Some(response.body)),
                ..ActiveModel::default()
            })
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::UserId.eq(user.as_uuid()))
            .filter(Column::IdempotencyKey.eq(key))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Gives a claimed key up (the request failed): it may be used again.
    ///
    /// # Errors
    /// Database errors.
    pub async fn release(&self, org: OrgId, user: UserId, key: &str) -> AppResult<()> {
        Self::scoped(org, user, key)
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Deletes every expired key; returns how many.
    ///
    /// # Errors
    /// Database errors.
    pub async fn purge_expired(&self) -> AppResult<u64> {
        let result = Entity::delete_many()
            .filter(Column::ExpiresAt.lt(now()))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(result.rows_affected)
    }
}
