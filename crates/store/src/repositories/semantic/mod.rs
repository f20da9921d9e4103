//! [`SemanticIndex`]: the vectors of semantic search and memory, through the
//! [`SemanticIndexStore`] port.
//!
//! Sales content lives in `content_embeddings` (`content`), interactions in
//! `interaction_embeddings` (`interactions`); vectors are little-endian `f32` bytes (`codec`).
//! No vector extension is needed: the application ranks what [`SemanticIndexStore::vectors`]
//! reads, so both backends behave the same.
//!
//! Reads for ranking filter on the organization and keep only items a search may see (active,
//! latest version, the caller's sessions), so a vector left behind by a change the indexer has
//! not caught up with yet is never answered.

mod codec;
mod content;
mod interactions;

use crate::entities::{clients, products, sales_emails, sales_scripts};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hellosales_domain::ports::SemanticIndexStore;
use hellosales_domain::semantic::{
    IndexedItem, ItemRef, ItemVector, SearchKind, StaleItem, StoredVector, VectorScope,
};
use hellosales_domain::{AppResult, OrgId, SessionId, UserId};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

/// The semantic index of every organization (the ranking reads take the organization). Cheap
/// to clone.
#[derive(Clone, Debug)]
pub struct SemanticIndex {
    db: DatabaseConnection,
}

impl SemanticIndex {
    /// The index on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SemanticIndexStore for SemanticIndex {
    async fn stale(&self, kind: SearchKind, model: &str, limit: u64) -> AppResult<Vec<StaleItem>> {
        let db = &self.db;
        match kind {
            SearchKind::Product => content::stale::<products::Entity>(db, model, limit).await,
            SearchKind::Client => content::stale::<clients::Entity>(db, model, limit).await,
            SearchKind::Script => content::stale::<sales_scripts::Entity>(db, model, limit).await,
            SearchKind::Email => content::stale::<sales_emails::Entity>(db, model, limit).await,
            SearchKind::Interaction => interactions::stale(db, model, limit).await,
        }
    }

    async fn upsert(&self, vectors: &[ItemVector]) -> AppResult<()> {
        let (dialogue, content): (Vec<&ItemVector>, Vec<&ItemVector>) = vectors
            .iter()
            .partition(|vector| vector.kind == SearchKind::Interaction);
        content::upsert(&self.db, &content).await?;
        interactions::upsert(&self.db, &dialogue).await
    }

    async fn confirm(
        &self,
        org: OrgId,
        kind: SearchKind,
        id: Uuid,
        model: &str,
        version: DateTime<Utc>,
    ) -> AppResult<()> {
        if kind == SearchKind::Interaction {
            // An interaction's text never changes: its vector stays as it is.
            return Ok(());
        }
        content::confirm(&self.db, org, kind, id, model, version).await
    }

    async fn purge(&self) -> AppResult<u64> {
        let db = &self.db;
        Ok(content::purge::<products::Entity>(db).await?
            + content::purge::<clients::Entity>(db).await?
            + content::purge::<sales_scripts::Entity>(db).await?
            + content::purge::<sales_emails::Entity>(db).await?)
    }

    async fn vectors(
        &self,
        org: OrgId,
        scope: &VectorScope,
        model: &str,
    ) -> AppResult<Vec<StoredVector>> {
        let db = &self.db;
        let mut all = Vec::new();
        for kind in SearchKind::ALL.into_iter().filter(|k| scope.covers(*k)) {
            all.extend(match kind {
                SearchKind::Product => content::vectors::<products::Entity>(db, org, model).await?,
                SearchKind::Client => content::vectors::<clients::Entity>(db, org, model).await?,
                SearchKind::Script => {
                    content::vectors::<sales_scripts::Entity>(db, org, model).await?
                }
                SearchKind::Email => {
                    content::vectors::<sales_emails::Entity>(db, org, model).await?
                }
                SearchKind::Interaction => {
                    interactions::vectors(db, org, scope.user, scope.session, model).await?
                }
            });
        }
        Ok(all)
    }

    async fn session_vectors(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        model: &str,
        through: u32,
    ) -> AppResult<Vec<StoredVector>> {
        interactions::session_vectors(&self.db, org, user, session, model, through).await
    }

    async fn items(
        &self,
        org: OrgId,
        user: UserId,
        refs: &[ItemRef],
    ) -> AppResult<Vec<IndexedItem>> {
        let db = &self.db;
        let ids = |kind: SearchKind| -> Vec<Uuid> {
            refs.iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.id)
                .collect()
        };
        let mut all = Vec::with_capacity(refs.len());
        all.extend(content::items::<products::Entity>(db, org, ids(SearchKind::Product)).await?);
        all.extend(content::items::<clients::Entity>(db, org, ids(SearchKind::Client)).await?);
        all.extend(
            content::items::<sales_scripts::Entity>(db, org, ids(SearchKind::Script)).await?,
        );
        all.extend(content::items::<sales_emails::Entity>(db, org, ids(SearchKind::Email)).await?);
        all.extend(interactions::items(db, org, user, ids(SearchKind::Interaction)).await?);
        Ok(all)
    }
}
