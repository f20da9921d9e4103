//! The semantic index: `content_embeddings` (the vectors of products, clients, scripts and
//! emails) and what `interaction_embeddings` needs to be scoped and checked directly.
//!
//! - `content_embeddings`: one vector per item and model (`uq_content_embeddings_item_model`
//!   on `(kind, item_id, model_id)`, kind checked: product | client | script | email), with
//!   the organization (cascading), a hash of the embedded text, the item's `updated_at` when
//!   it was read (`source_updated_at`: a vector is stale when it differs), the little-endian
//!   `f32` bytes and their count. `item_id` names a row of one of four tables, so it has no
//!   foreign key: vectors of deleted items are purged by the indexer, and searches read only
//!   vectors whose item is still there. `idx_content_embeddings_org_kind (org_id, kind)` serves
//!   the per-organization ranking.
//! - `interaction_embeddings` gains `org_id` (every read filters on it; no foreign key, which
//!   SQLite cannot add to an existing table: the row goes with its interaction, which cascades)
//!   with `idx_interaction_embeddings_org_id`, and `content_hash`.

use super::schema::{create_all, created_at, foreign_key, id, index, updated_at};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    blob, integer, string_len, string_len_null, timestamp_with_time_zone, uuid, uuid_null,
};

const CONTENT: &str = "content_embeddings";
const INTERACTIONS: &str = "interaction_embeddings";
const ITEM_MODEL: &str = "uq_content_embeddings_item_model";
const ORG_KIND: &str = "idx_content_embeddings_org_kind";
const INTERACTION_ORG: &str = "idx_interaction_embeddings_org_id";

/// The kinds of sales content that are embedded.
const KINDS: [&str; 4] = ["product", "client", "script", "email"];

/// Creates `content_embeddings` and extends `interaction_embeddings`.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![content_embeddings()],
            vec![
                index(ITEM_MODEL, CONTENT, &["kind", "item_id", "model_id"])
                    .unique()
                    .take(),
                index(ORG_KIND, CONTENT, &["org_id", "kind"]),
            ],
        )
        .await?;
        // One change per statement: SQLite accepts no more.
        for column in [uuid_null("org_id"), string_len_null("content_hash", 64)] {
            manager
                .alter_table(Table::alter().table(INTERACTIONS).add_column(column).take())
                .await?;
        }
        manager
            .create_index(index(INTERACTION_ORG, INTERACTIONS, &["org_id"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name(INTERACTION_ORG)
                    .table(INTERACTIONS)
                    .to_owned(),
            )
            .await?;
        for column in ["content_hash", "org_id"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(INTERACTIONS)
                        .drop_column(column)
                        .take(),
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(CONTENT).if_exists().take())
            .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn content_embeddings() -> TableCreateStatement {
    Table::create()
        .table(CONTENT)
        .col(id())
        .col(uuid("org_id"))
        .col(string_len("kind", 20).check(Expr::col("kind").is_in(KINDS)))
        .col(uuid("item_id"))
        .col(string_len("content_hash", 64))
        .col(timestamp_with_time_zone("source_updated_at"))
        // Little-endian f32 values, `dimensions` of them.
        .col(blob("embedding"))
        .col(integer("dimensions"))
        .col(string_len("model_id", 100))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            CONTENT,
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .take()
}
