//! The semantic index port: the vectors of products, clients, scripts, emails and interactions
//! (see [`crate::semantic`]).
//!
//! The methods a search or a chat calls take the tenant's [`OrgId`] (and the caller, for
//! interactions: sessions are private to their user) and see only that organization's rows.
//! The indexer's methods ([`SemanticIndexStore::stale`], [`SemanticIndexStore::upsert`],
//! [`SemanticIndexStore::confirm`], [`SemanticIndexStore::purge`]) work across organizations,
//! like the dead-letter worker's claim: each vector carries its item's organization, and
//! every read of a vector for ranking filters on it.

use crate::error::AppResult;
use crate::ids::{OrgId, SessionId, UserId};
use crate::semantic::{
    IndexedItem, ItemRef, ItemVector, SearchKind, StaleItem, StoredVector, VectorScope,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Storage of item vectors.
#[async_trait]
pub trait SemanticIndexStore: Send + Sync + 'static {
    /// Up to `limit` items of `kind`, in any organization, that a search may see and whose
    /// vector of `model` is missing or older than the item, least recently changed first.
    /// Interactions without text (and system notices) are never stale.
    async fn stale(&self, kind: SearchKind, model: &str, limit: u64) -> AppResult<Vec<StaleItem>>;

    /// Stores the vectors, replacing an item's earlier vector of the same model (an
    /// interaction has one vector, of the latest model that embedded it).
    async fn upsert(&self, vectors: &[ItemVector]) -> AppResult<()>;

    /// Records that the vector of `model` of item `id` still fits its text at `version` (the
    /// item changed, its embedded text did not).
    async fn confirm(
        &self,
        org: OrgId,
        kind: SearchKind,
        id: Uuid,
        model: &str,
        version: DateTime<Utc>,
    ) -> AppResult<()>;

    /// Deletes the vectors of sales content that is gone, archived, deleted or superseded by
    /// a newer version (interactions' vectors go with their rows); answers how many.
    async fn purge(&self) -> AppResult<u64>;

    /// The vectors of `model` in `scope`, of items a search may see.
    async fn vectors(
        &self,
        org: OrgId,
        scope: &VectorScope,
        model: &str,
    ) -> AppResult<Vec<StoredVector>>;

    /// The vectors of `model` of session `session`'s interactions numbered 1 to `through`.
    async fn session_vectors(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        model: &str,
        through: u32,
    ) -> AppResult<Vec<StoredVector>>;

    /// The items named, of `org` (interactions: of `user`'s sessions), in no particular
    /// order; those that do not exist there are left out.
    async fn items(
        &self,
        org: OrgId,
        user: UserId,
        refs: &[ItemRef],
    ) -> AppResult<Vec<IndexedItem>>;
}
