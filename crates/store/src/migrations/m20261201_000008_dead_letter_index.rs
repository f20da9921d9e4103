//! The indexes the dead-letter queue is read by: `idx_dlq_due (status, next_retry_at)` for the
//! replay worker's claim of due entries, and `idx_dlq_org_created (org_id, created_at)` for the
//! admins' list of an organization's entries, newest first.

use super::schema::index;
use sea_orm_migration::prelude::*;

const TABLE: &str = "dead_letter_queue";
const DUE: &str = "idx_dlq_due";
const ORG_CREATED: &str = "idx_dlq_org_created";

/// Adds the indexes.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(DUE, TABLE, &["status", "next_retry_at"]))
            .await?;
        manager
            .create_index(index(ORG_CREATED, TABLE, &["org_id", "created_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [ORG_CREATED, DUE] {
            manager
                .drop_index(Index::drop().name(name).table(TABLE).to_owned())
                .await?;
        }
        Ok(())
    }
}
