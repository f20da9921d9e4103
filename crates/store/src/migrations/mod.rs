//! The schema, as one ordered set of migrations that runs on SQLite and PostgreSQL.
//!
//! The tables are those of the specification §3.1–3.4, split by area: identity, sessions,
//! observability, content. Deliberate differences from the specification:
//! - exact cost in micro-USD (`BIGINT`) beside every `cost_cents` / `total_cost_cents`;
//! - `interaction_embeddings.embedding` is little-endian `f32` bytes (`BLOB` / `BYTEA`) with
//!   `dimensions` and a required `model_id` (no pgvector);
//! - `interactions` gains `org_id`, `user_id`, `metadata`, a unique `(session_id,
//!   sequence_number)` and a unique `(session_id, role, message_id)` for client deduplication
//!   (NULL message ids never collide, on either backend);
//! - `pipeline_runs` gains `pipeline_name` and `status` (running | completed | failed |
//!   cancelled, checked);
//! - ids have no database default (`gen_random_uuid()` is PostgreSQL-only): the application
//!   generates UUID v7 ids. Timestamps default to `CURRENT_TIMESTAMP`, JSON columns to `'{}'` /
//!   `'[]'` as in the specification, but the application sets them explicitly;
//! - a few indexes for foreign keys that cascade (see each migration);
//! - one next version per script or email version, and an `idempotency_keys` table
//!   (`m20261201_000005`);
//! - `provider_calls` gains `ttft_ms`, `tokens_estimated`, `priced`, `finish_reason`,
//!   `response_model` and an `(org_id, started_at)` index (`m20261201_000006`);
//! - `pipeline_runs` gains the same index, for Pulse (`m20261201_000007`);
//! - `dead_letter_queue` gains `(status, next_retry_at)` and `(org_id, created_at)` indexes,
//!   for the replay worker and the admins' list (`m20261201_000008`);
//! - `content_embeddings` (the vectors of products, clients, scripts and emails) and
//!   `interaction_embeddings.org_id` / `content_hash`, for semantic search and memory
//!   (`m20261201_000009`).
//!
//! A migration, once released, never changes: a new change is a new migration. Applied
//! migrations are recorded in `seaql_migrations`. [`crate::Store::migrate`] applies them
//! (under an advisory lock on PostgreSQL, so that several instances may start at once).

mod m20261122_000001_identity;
mod m20261122_000002_sessions;
mod m20261122_000003_observability;
mod m20261122_000004_content;
mod m20261201_000005_content_safety;
mod m20261201_000006_provider_call_metrics;
mod m20261201_000007_pulse_run_index;
mod m20261201_000008_dead_letter_index;
mod m20261201_000009_semantic_index;
pub(crate) mod runner;
mod schema;

use sea_orm_migration::{MigrationTrait, MigratorTrait};

/// The ordered list of HelloSales migrations.
#[derive(Clone, Copy, Debug, Default)]
pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_identity::Migration),
            Box::new(m20261122_000002_sessions::Migration),
            Box::new(m20261122_000003_observability::Migration),
            Box::new(m20261122_000004_content::Migration),
            Box::new(m20261201_000005_content_safety::Migration),
            Box::new(m20261201_000006_provider_call_metrics::Migration),
            Box::new(m20261201_000007_pulse_run_index::Migration),
            Box::new(m20261201_000008_dead_letter_index::Migration),
            Box::new(m20261201_000009_semantic_index::Migration),
        ]
    }
}
