//! SeaORM entities: one module per table of the schema (see [`crate::migrations`]), in the
//! SeaORM 2.0 dense format (`#[sea_orm::model]`): `Model`, `ActiveModel`, `Entity`, `Column`,
//! `Relation` and the `belongs_to` relations of each foreign key.
//!
//! Columns: ids are `Uuid`, timestamps `DateTimeUtc`, JSON columns `serde_json::Value`
//! (`JSONB` on PostgreSQL, JSON text on SQLite), money `i32` cents beside exact `i64` micro-USD.
//! Entities describe rows; the migrations own the schema (indexes, defaults, checks).
//! Queries on tenant-owned tables go through the tenant-scoped repositories in
//! [`crate::repositories`], never straight from a handler.

pub mod clients;
pub mod company_profiles;
pub mod content_embeddings;
pub mod dead_letter_queue;
pub mod idempotency_keys;
pub mod interaction_embeddings;
pub mod interactions;
pub mod organization_memberships;
pub mod organizations;
pub mod pipeline_events;
pub mod pipeline_runs;
pub mod products;
pub mod provider_calls;
pub mod sales_emails;
pub mod sales_scripts;
pub mod session_summaries;
pub mod sessions;
pub mod summary_states;
pub mod users;
