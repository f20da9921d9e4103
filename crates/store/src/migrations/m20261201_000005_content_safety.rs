//! Safe writes on content: versions form a line, and POSTs can be made idempotent.
//!
//! - `uq_sales_scripts_parent` / `uq_sales_emails_parent`: a version has at most one next
//!   version, so two concurrent edits of the same version cannot fork the history (NULL
//!   parents, the first versions, never collide on either backend). The same indexes serve
//!   "the version made from X" and `latest_only` lists.
//! - `idempotency_keys`: the response to a POST sent with an `Idempotency-Key`, kept for
//!   24 hours and replayed when the same caller sends the same key and body again. Keyed by
//!   (organization, user, key): one caller's keys never collide with another's.
//! - `(org_id, created_at)` on the four content tables: the default list order (newest
//!   first) of an organization is read from the index instead of sorting every row.

use super::schema::{create_all, created_at, drop_all, foreign_key, index};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    blob_null, integer_null, string_len, text_null, timestamp_with_time_zone, uuid,
};

/// Adds the version-line indexes and the idempotency table.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![idempotency_keys()],
            vec![
                index(
                    "uq_sales_scripts_parent",
                    "sales_scripts",
                    &["parent_script_id"],
                )
                .unique()
                .take(),
                index(
                    "uq_sales_emails_parent",
                    "sales_emails",
                    &["parent_email_id"],
                )
                .unique()
                .take(),
                index(
                    "idx_products_org_created",
                    "products",
                    &["org_id", "created_at"],
                ),
                index(
                    "idx_clients_org_created",
                    "clients",
                    &["org_id", "created_at"],
                ),
                index(
                    "idx_sales_scripts_org_created",
                    "sales_scripts",
                    &["org_id", "created_at"],
                ),
                index(
                    "idx_sales_emails_org_created",
                    "sales_emails",
                    &["org_id", "created_at"],
                ),
                index(
                    "idx_idempotency_keys_expires_at",
                    "idempotency_keys",
                    &["expires_at"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            ("uq_sales_emails_parent", "sales_emails"),
            ("uq_sales_scripts_parent", "sales_scripts"),
            ("idx_products_org_created", "products"),
            ("idx_clients_org_created", "clients"),
            ("idx_sales_scripts_org_created", "sales_scripts"),
            ("idx_sales_emails_org_created", "sales_emails"),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        drop_all(manager, &["idempotency_keys"]).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn idempotency_keys() -> TableCreateStatement {
    Table::create()
        .table("idempotency_keys")
        .col(uuid("org_id"))
        .col(uuid("user_id"))
        .col(string_len("idempotency_key", 255))
        // SHA-256 of method, path and body: the same key with another request is refused.
        .col(string_len("request_hash", 64))
        // NULL while the first request is being processed.
        .col(integer_null("response_status"))
        .col(text_null("response_headers"))
        .col(blob_null("response_body"))
        .col(created_at())
        .col(timestamp_with_time_zone("expires_at"))
        .primary_key(
            Index::create()
                .col("org_id")
                .col("user_id")
                .col("idempotency_key"),
        )
        .foreign_key(&mut foreign_key(
            "idempotency_keys",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "idempotency_keys",
            "user_id",
            "users",
            ForeignKeyAction::Cascade,
        ))
        .take()
}
