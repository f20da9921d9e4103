//! The vectors of sales content (`content_embeddings`): products, clients, scripts, emails.
//!
//! Each content table plugs in through [`Embeddable`]: its kind, the condition under which a
//! search may see a row ("live": an active product or client; the latest active version of a
//! script or email) and how its record becomes an [`IndexedItem`]. A vector is *fresh* when
//! its `source_updated_at` equals the row's `updated_at`; the indexer embeds live rows without
//! a fresh vector, and purges vectors whose row is no longer live.

use super::codec::{decode, dimensions, encode};
use crate::entities::content_embeddings::{ActiveModel, Column, Entity, Model};
use crate::entities::{clients, products, sales_emails, sales_scripts};
use crate::error::db_error;
use crate::repositories::content::{ContentEntity, ContentTable};
use crate::repositories::now;
use chrono::{DateTime, Utc};
use hellosales_domain::content::Record as _;
use hellosales_domain::semantic::{IndexedItem, ItemVector, SearchKind, StaleItem, StoredVector};
use hellosales_domain::{AppResult, OrgId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;
use uuid::Uuid;

/// A content table whose rows are embedded.
pub(super) trait Embeddable: ContentEntity
where
    Self::Model: IntoActiveModel<Self::ActiveModel> + Sync,
    Self::ActiveModel: ActiveModelTrait<Entity = Self> + ActiveModelBehavior + Send,
{
    /// The kind of its rows.
    const KIND: SearchKind;

    /// "A search may see this row", on the table by its own name.
    fn live() -> Condition;

    /// The item of a record.
    fn item(record: Self::Record) -> IndexedItem;
}

impl Embeddable for products::Entity {
    const KIND: SearchKind = SearchKind::Product;

    fn live() -> Condition {
        Condition::all().add(Expr::col((Self, products::Column::IsActive)).eq(true))
    }

    fn item(record: Self::Record) -> IndexedItem {
        IndexedItem::Product(record)
    }
}

impl Embeddable for clients::Entity {
    const KIND: SearchKind = SearchKind::Client;

    fn live() -> Condition {
        Condition::all().add(Expr::col((Self, clients::Column::IsActive)).eq(true))
    }

    fn item(record: Self::Record) -> IndexedItem {
        IndexedItem::Client(record)
    }
}

impl Embeddable for sales_scripts::Entity {
    const KIND: SearchKind = SearchKind::Script;

    fn live() -> Condition {
        Condition::all()
            .add(Expr::col((Self, sales_scripts::Column::IsActive)).eq(true))
            .add(ContentTable::<Self>::is_latest())
    }

    fn item(record: Self::Record) -> IndexedItem {
        IndexedItem::Script(record)
    }
}

impl Embeddable for sales_emails::Entity {
    const KIND: SearchKind = SearchKind::Email;

    fn live() -> Condition {
        Condition::all()
            .add(Expr::col((Self, sales_emails::Column::IsActive)).eq(true))
            .add(ContentTable::<Self>::is_latest())
    }

    fn item(record: Self::Record) -> IndexedItem {
        IndexedItem::Email(record)
    }
}

/// `SELECT 1 FROM content_embeddings WHERE kind AND item_id = <E>.id AND model_id`.
fn vector_of_row<E: EntityTrait + Default>(
    kind: SearchKind,
    id: E::Column,
    model: &str,
) -> SelectStatement {
    Query::select()
        .expr(Expr::val(1))
        .from(Entity)
        .and_where(Expr::col((Entity, Column::Kind)).eq(kind.as_str()))
        .and_where(Expr::col((Entity, Column::ItemId)).equals((E::default(), id)))
        .and_where(Expr::col((Entity, Column::ModelId)).eq(model))
        .take()
}

/// `SELECT 1 FROM <E> WHERE <E>.id = content_embeddings.item_id AND <E>.org_id =
/// content_embeddings.org_id AND live`.
fn live_row_of_vector<E>() -> SelectStatement
where
    E: Embeddable,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    Query::select()
        .expr(Expr::val(1))
        .from(E::default())
        .and_where(Expr::col((E::default(), E::ID)).equals((Entity, Column::ItemId)))
        .and_where(Expr::col((E::default(), E::ORG)).equals((Entity, Column::OrgId)))
        .cond_where(E::live())
        .take()
}

/// Up to `limit` live rows of `E` without a fresh vector of `model`, least recently changed
/// first, with the hash of the vector they have, if any.
pub(super) async fn stale<E>(
    db: &DatabaseConnection,
    model: &str,
    limit: u64,
) -> AppResult<Vec<StaleItem>>
where
    E: Embeddable,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let fresh = vector_of_row::<E>(E::KIND, E::ID, model)
        .and_where(
            Expr::col((Entity, Column::SourceUpdatedAt)).equals((E::default(), E::UPDATED_AT)),
        )
        .take();
    let rows = E::find()
        .filter(E::live())
        .filter(Expr::exists(fresh).not())
        .order_by_asc(E::UPDATED_AT)
        .order_by_asc(E::ID)
        .limit(limit)
        .all(db)
        .await
        .map_err(db_error)?;
    let records = rows
        .into_iter()
        .map(E::record)
        .collect::<AppResult<Vec<_>>>()?;
    let ids: Vec<Uuid> = records.iter().map(|r| E::uuid(r.id())).collect();
    let hashes: HashMap<Uuid, String> = if ids.is_empty() {
        HashMap::new()
    } else {
        Entity::find()
            .filter(Column::Kind.eq(E::KIND.as_str()))
            .filter(Column::ModelId.eq(model))
            .filter(Column::ItemId.is_in(ids))
            .all(db)
            .await
            .map_err(db_error)?
            .into_iter()
            .map(|row| (row.item_id, row.content_hash))
            .collect()
    };
    Ok(records
        .into_iter()
        .filter_map(|record| {
            let item = E::item(record);
            Some(StaleItem {
                org_id: item.org_id()?,
                indexed_hash: hashes.get(&item.id()).cloned(),
                item,
            })
        })
        .collect())
}

/// Inserts the vectors, or replaces those of the same item and model.
pub(super) async fn upsert(db: &DatabaseConnection, vectors: &[&ItemVector]) -> AppResult<()> {
    if vectors.is_empty() {
        return Ok(());
    }
    let at = now();
    let rows = vectors.iter().map(|vector| ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(vector.org_id.as_uuid()),
        kind: Set(vector.kind.as_str().to_owned()),
        item_id: Set(vector.item_id),
        content_hash: Set(vector.content_hash.clone()),
        source_updated_at: Set(vector.source_version),
        embedding: Set(encode(&vector.vector)),
        dimensions: Set(dimensions(&vector.vector)),
        model_id: Set(vector.model_id.clone()),
        created_at: Set(at),
        updated_at: Set(at),
    });
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([Column::Kind, Column::ItemId, Column::ModelId])
                .update_columns([
                    Column::OrgId,
                    Column::ContentHash,
                    Column::SourceUpdatedAt,
                    Column::Embedding,
                    Column::Dimensions,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Moves the vector's `source_updated_at` to `version` (its text did not change).
pub(super) async fn confirm(
    db: &DatabaseConnection,
    org: OrgId,
    kind: SearchKind,
    id: Uuid,
    model: &str,
    version: DateTime<Utc>,
) -> AppResult<()> {
    Entity::update_many()
        .col_expr(Column::SourceUpdatedAt, Expr::val(version))
        .col_expr(Column::UpdatedAt, Expr::val(now()))
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::Kind.eq(kind.as_str()))
        .filter(Column::ItemId.eq(id))
        .filter(Column::ModelId.eq(model))
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(())
}

/// Deletes the vectors of `E` whose row is gone or no longer live.
pub(super) async fn purge<E>(db: &DatabaseConnection) -> AppResult<u64>
where
    E: Embeddable,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let deleted = Entity::delete_many()
        .filter(Column::Kind.eq(E::KIND.as_str()))
        .filter(Expr::exists(live_row_of_vector::<E>()).not())
        .exec(db)
        .await
        .map_err(db_error)?;
    Ok(deleted.rows_affected)
}

/// The vectors of `model` of `org`'s live rows of `E`.
pub(super) async fn vectors<E>(
    db: &DatabaseConnection,
    org: OrgId,
    model: &str,
) -> AppResult<Vec<StoredVector>>
where
    E: Embeddable,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    let rows = Entity::find()
        .filter(Column::OrgId.eq(org.as_uuid()))
        .filter(Column::Kind.eq(E::KIND.as_str()))
        .filter(Column::ModelId.eq(model))
        .filter(Expr::exists(live_row_of_vector::<E>()))
        .all(db)
        .await
        .map_err(db_error)?;
    Ok(rows.into_iter().filter_map(stored).collect())
}

/// `org`'s rows of `E` among `ids`, live or not.
pub(super) async fn items<E>(
    db: &DatabaseConnection,
    org: OrgId,
    ids: Vec<Uuid>,
) -> AppResult<Vec<IndexedItem>>
where
    E: Embeddable,
    E::Model: IntoActiveModel<E::ActiveModel> + Sync,
    E::ActiveModel: ActiveModelTrait<Entity = E> + ActiveModelBehavior + Send,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    E::find()
        .filter(E::ORG.eq(org.as_uuid()))
        .filter(E::ID.is_in(ids))
        .all(db)
        .await
        .map_err(db_error)?
        .into_iter()
        .map(|row| E::record(row).map(E::item))
        .collect()
}

/// The ranking form of a row; a row whose bytes do not match its dimensions is skipped.
fn stored(row: Model) -> Option<StoredVector> {
    let kind = SearchKind::CONTENT
        .into_iter()
        .find(|kind| kind.as_str() == row.kind)?;
    let Some(vector) = decode(&row.embedding, row.dimensions) else {
        tracing::warn!(id = %row.id, "a content embedding's bytes do not match its dimensions");
        return None;
    };
    Some(StoredVector {
        kind,
        item_id: row.item_id,
        vector,
    })
}
