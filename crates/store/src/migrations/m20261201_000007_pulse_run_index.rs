//! The index the Pulse API lists an organization's pipeline runs by, newest first:
//! `idx_pipeline_runs_org_started (org_id, started_at)` (as `provider_calls` has since
//! `m20261201_000006`).

use super::schema::index;
use sea_orm_migration::prelude::*;

const TABLE: &str = "pipeline_runs";
const INDEX: &str = "idx_pipeline_runs_org_started";

/// Adds the index.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(INDEX, TABLE, &["org_id", "started_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(TABLE).to_owned())
            .await
    }
}
