//! What the provider-call recorder measures beyond the specification's `provider_calls`
//! columns, and the index the Pulse API lists calls by.
//!
//! - `ttft_ms`: time to the first content delta;
//! - `tokens_estimated`: the token counts are estimates (the provider reported no usage);
//! - `priced`: the price table knew the model (false: `cost_usd_micros` is unknown, not 0).
//!   Existing rows were priced, hence the default `true`;
//! - `finish_reason`, `response_model`: what the provider said about the completion;
//! - `idx_provider_calls_org_started (org_id, started_at)`: an organization's calls by time.
//!
//! One `ALTER TABLE` per column: SQLite accepts a single change per statement.

use super::schema::index;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{boolean, integer_null, text_null};

const TABLE: &str = "provider_calls";
const INDEX: &str = "idx_provider_calls_org_started";

/// Adds the recorder's columns and the Pulse index to `provider_calls`.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

/// The added columns, in the order added (and dropped in reverse).
const COLUMNS: [&str; 5] = [
    "ttft_ms",
    "tokens_estimated",
    "priced",
    "finish_reason",
    "response_model",
];

fn columns() -> [ColumnDef; 5] {
    [
        integer_null(COLUMNS[0]),
        boolean(COLUMNS[1]).default(false).take(),
        boolean(COLUMNS[2]).default(true).take(),
        text_null(COLUMNS[3]),
        text_null(COLUMNS[4]),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in columns() {
            manager
                .alter_table(Table::alter().table(TABLE).add_column(column).take())
                .await?;
        }
        manager
            .create_index(index(INDEX, TABLE, &["org_id", "started_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table(TABLE).to_owned())
            .await?;
        for column in COLUMNS.into_iter().rev() {
            manager
                .alter_table(Table::alter().table(TABLE).drop_column(column).take())
                .await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
