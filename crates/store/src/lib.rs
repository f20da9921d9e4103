//! HelloSales persistence: one set of SeaORM entities and one set of migrations for SQLite (the
//! embedded default) and PostgreSQL (production), plus the repositories that implement the
//! domain's storage ports.
//!
//! Start from [`Store::connect`], run [`Store::migrate`], then take repositories from the store
//! ([`Store::identities`]). Every database error leaves this crate as a
//! [`hellosales_domain::AppError`] (see [`error`]).
//!
//! What does not live here: business rules (in `hellosales-app`), HTTP concerns (in
//! `hellosales-server`).

pub mod connect;
pub mod entities;
pub mod error;
pub mod event_sink;
pub mod migrations;
pub mod options;
pub mod repositories;
pub mod store;
#[cfg(feature = "test-util")]
pub mod testing;

pub use connect::redact_url;
pub use error::db_error;
pub use event_sink::{EventWriterStats, PipelineEventWriter};
pub use migrations::Migrator;
pub use options::StoreOptions;
pub use repositories::{
    Claim, DeadLetters, IdempotencyKeys, IdentityStore, PipelineRuns, ProviderCalls, Pulse,
    SemanticIndex, Sessions, StoredResponse,
};
pub use store::Store;

/// The SeaORM types that appear in this crate's public API, re-exported so that callers need
/// no direct dependency on `sea-orm` to name them.
pub use sea_orm::{DatabaseBackend, DatabaseConnection};
