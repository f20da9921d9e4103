//! The vectors of interactions (`interaction_embeddings`): one per interaction, of the model
//! that last embedded it. An interaction never changes, so it is stale only while it has no
//! vector of the current model. Only the dialogue is embedded (user and assistant messages
//! with text); the rows go with their interaction (`ON DELETE CASCADE`).
//!
//! Reads for a search or a chat are scoped by organization and by the caller's sessions:
//! sessions are private to their user.

use super::codec::{decode, dimensions, encode};
use crate::entities::interaction_embeddings::{ActiveModel, Column, Entity, Model};
use crate::entities::{interactions, sessions};
use crate::error::db_error;
use crate::repositories::now;
use crate::repositories::sessions::to_interaction;
use hellosales_domain::semantic::{IndexedItem, ItemVector, SearchKind, StaleItem, StoredVector};
use hellosales_domain::sessions::InteractionRole;
use hellosales_domain::{AppResult, OrgId, SessionId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// The roles whose messages are embedded.
const DIALOGUE: [InteractionRole; 2] = [InteractionRole::User, InteractionRole::Assistant];

/// `SELECT id FROM sessions WHERE org_id AND user_id [AND id = session]`.
fn sessions_of(org: OrgId, user: UserId, session: Option<SessionId>) -> SelectStatement {
    let mut select = Query::select();
    select
        .column(sessions::Column::Id)
        .from(sessions::Entity)
        .and_where(Expr::col(sessions::Column::OrgId).eq(org.as_uuid()))
        .and_where(Expr::col(sessions::Column::UserId).eq(user.as_uuid()));
    if let Some(session) = session {
        select.and_where(Expr::col(sessions::Column::Id).eq(session.as_uuid()));
    }
    select.take()
}

/// Up to `limit` dialogue interactions without a vector of `model`, oldest first.
pub(super) async fn stale(
    db: &DatabaseConnection,
    model: &str,
    limit: u64,
) -> AppResult<Vec<StaleItem>> {
    let embedded = Query::select()
        .expr(Expr::val(1))
        .from(Entity)
        .and_where(
            Expr::col((Entity, Column::InteractionId))
                .equals((interactions::Entity, interactions::Column::Id)),
        )
        .and_where(Expr::col((Entity, Column::ModelId)).eq(model))
        .take();
    let rows = interactions::Entity::find()
        .filter(interactions::Column::OrgId.is_not_null())
        .filter(interactions::Column::Role.is_in(DIALOGUE.map(InteractionRole::as_str)))
        .filter(interactions::Column::Content.is_not_null())
        .filter(interactions::Column::Content.ne(""))
        .filter(Expr::exists(embedded).not())
        .order_by_asc(interactions::Column::CreatedAt)
        .order_by_asc(interactions::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .map_err(db_error)?;
    rows.into_iter()
        .filter_map(|row| row.org_id.map(|org| (OrgId(org), row)))
        .map(|(org_id, row)| {
            Ok(StaleItem {
                org_id,
                item: IndexedItem::Interaction(to_interaction(row)?),
                indexed_hash: None,
            })
        })
        .collect()
}

/// Inserts the vectors, or replaces the interaction's earlier one.
pub(super) async fn upsert(db: &DatabaseConnection, vectors: &[&ItemVector]) -> AppResult<()> {
    let at = now();
    let rows: Vec<ActiveModel> = vectors
        .iter()
        .filter_map(|vector| {
            Some(ActiveModel {
                id: Set(Uuid::now_v7()),
                interaction_id: Set(vector.item_id),
                session_id: Set(vector.session_id?.as_uuid()),
                org_id: Set(Some(vector.org_id.as_uuid())),
                content_hash: Set(Some(vector.content_hash.clone())),
                embedding: Set(encode(&vector.vector)),
                dimensions: Set(dimensions(&vector.vector)),
                model_id: Set(vector.model_id.clone()),
                created_at: Set(at),
            })
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(Column::InteractionId)
                .update_columns([
                    Column::OrgId,
                    Column::ContentHash,
                    Column::Embedding,
                    Column::Dimensions,
                    Column::ModelId,
                    Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// The vectors of `model` of the interactions of `user`'s sessions in `org` (of `session`
/// only, when given).
pub(super) async fn vectors(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    session: Option<SessionId>,
    model: &str,
) -> AppResult<Vec<StoredVector>> {
    let rows = Entity::find()
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::ModelId.eq(model))
        .filter(Column::SessionId.in_subquery(sessions_of(org, user, session)))
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(rows.into_iter().filter_map(stored).collect())
}

/// The vectors of `model` of `session`'s interactions numbered 1 to `through`.
pub(super) async fn session_vectors(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    session: SessionId,
    model: &str,
    through: u32,
) -> AppResult<Vec<StoredVector>> {
    let early = Query::select()
        .column(interactions::Column::Id)
        .from(interactions::Entity)
        .and_where(Expr::col(interactions::Column::SessionId).eq(session.as_uuid()))
        .and_where(Expr::col(interactions::Column::OrgId).eq(org.as_uuid()))
        .and_where(
            Expr::col(interactions::Column::SequenceNumber)
                .lte(i32::try_from(through).unwrap_or(i32::MAX)),
        )
        .take();
    let rows = Entity::find()
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::ModelId.eq(model))
        .filter(Column::SessionId.in_subquery(sessions_of(org, user, Some(session))))
        .filter(Column::InteractionId.in_subquery(early))
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(rows.into_iter().filter_map(stored).collect())
}

/// The interactions among `ids` of `user`'s sessions in `org`.
pub(super) async fn items(
    db: &DatabaseConnection,
    org: OrgId,
    user: UserId,
    ids: Vec<Uuid>,
) -> AppResult<Vec<IndexedItem>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    interactions::Entity::find()
        .filter(interactions::Column::OrgId.eq(org.as_uuid()))
        .filter(interactions::Column::Id.is_in(ids))
        .filter(interactions::Column::SessionId.in_subquery(sessions_of(org, user, None)))
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|row| to_interaction(row).map(IndexedItem::Interaction))
        .collect()
}

/// The ranking form of a row; a row whose bytes do not match its dimensions is skipped.
fn stored(row: Model) -> Option<StoredVector> {
    let Some(vector) = decode(&row.embedding, row.dimensions) else {
        tracing::warn!(id = %row.id, "an interaction embedding's bytes do not match its dimensions");
        return None;
    };
    Some(StoredVector {
        kind: SearchKind::Interaction,
        item_id: row.interaction_id,
        vector,
    })
}
