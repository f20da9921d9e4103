//! [`Store`]: the handle on the database that the rest of the application holds. It owns the
//! connection pool, runs the migrations and hands out repositories.

use crate::connect;
use crate::error::db_error;
use crate::event_sink::{EventWriterStats, PipelineEventWriter};
use crate::migrations::runner;
use crate::options::StoreOptions;
use crate::repositories::{
    ClientStore, CompanyProfiles, DeadLetters, EmailStore, IdempotencyKeys, IdentityStore,
    PipelineRuns, ProductStore, ProviderCalls, Pulse, Retention, ScriptStore, SemanticIndex,
    Sessions,
};
use hellosales_domain::AppResult;
use sea_orm::{DatabaseBackend, DatabaseConnection};
use stageflow::events::{BatchConfig, BatchedEventSink};

/// A connection pool on SQLite or PostgreSQL. Cheap to clone: clones share the pool.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
}

impl Store {
    /// Connects to `url`: `sqlite://<path>`, `sqlite::memory:` or `postgres://…` (see
    /// [`crate::connect`] for what each backend is given). Does not migrate.
    ///
    /// # Errors
    /// `ServiceUnavailable` when the database cannot be reached; its message names the
    /// redacted URL, never the password. `Internal` for a malformed or unsupported URL.
    pub async fn connect(url: &str, options: StoreOptions) -> AppResult<Self> {
        let db = connect::open(url, &options).await?;
        tracing::debug!(
            url = %connect::redact_url(url),
            backend = ?db.get_database_backend(),
            "database connected"
        );
        Ok(Self { db })
    }

    /// A store on an existing SeaORM connection.
    #[must_use]
    pub fn from_connection(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// The SeaORM connection, for queries no repository offers yet. Tenant-owned tables must
    /// still be filtered by organization (see [`crate::repositories`]).
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Checks that the database answers (for readiness probes).
    ///
    /// # Errors
    /// `ServiceUnavailable` when it does not.
    pub async fn ping(&self) -> AppResult<()> {
        self.db.ping().await.map_err(db_error)
    }

    /// Applies the pending migrations and returns their names, in order (empty when the
    /// schema is up to date). Safe to call from several instances at once on PostgreSQL.
    ///
    /// # Errors
    /// When a migration fails; on PostgreSQL nothing of the run is kept.
    pub async fn migrate(&self) -> AppResult<Vec<String>> {
        let applied = runner::apply(&self.db).await.map_err(db_error)?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "database migrated");
        }
        Ok(applied)
    }

    /// The names of the migrations not yet applied. Creates nothing.
    ///
    /// # Errors
    /// When the migration table cannot be read.
    pub async fn pending_migrations(&self) -> AppResult<Vec<String>> {
        runner::pending(&self.db).await.map_err(db_error)
    }

    /// Rolls back the last `steps` migrations (all of them for `None`), dropping their
    /// tables and data; returns their names, newest first. For tests and operators.
    ///
    /// # Errors
    /// When a rollback fails.
    pub async fn migrate_down(&self, steps: Option<u32>) -> AppResult<Vec<String>> {
        runner::rollback(&self.db, steps).await.map_err(db_error)
    }

    /// Users, organizations and memberships.
    #[must_use]
    pub fn identities(&self) -> IdentityStore {
        IdentityStore::new(self.db.clone())
    }

    /// Stored responses of idempotent POSTs.
    #[must_use]
    pub fn idempotency_keys(&self) -> IdempotencyKeys {
        IdempotencyKeys::new(self.db.clone())
    }

    /// Company profiles.
    #[must_use]
    pub fn company_profiles(&self) -> CompanyProfiles {
        CompanyProfiles::new(self.db.clone())
    }

    /// Products.
    #[must_use]
    pub fn products(&self) -> ProductStore {
        ProductStore::new(self.db.clone())
    }

    /// Clients.
    #[must_use]
    pub fn clients(&self) -> ClientStore {
        ClientStore::new(self.db.clone())
    }

    /// Sales script versions.
    #[must_use]
    pub fn scripts(&self) -> ScriptStore {
        ScriptStore::new(self.db.clone())
    }

    /// Sales email versions.
    #[must_use]
    pub fn emails(&self) -> EmailStore {
        EmailStore::new(self.db.clone())
    }

    /// Provider-call records (one row per attempt at a provider).
    #[must_use]
    pub fn provider_calls(&self) -> ProviderCalls {
        ProviderCalls::new(self.db.clone())
    }

    /// Pipeline runs.
    #[must_use]
    pub fn pipeline_runs(&self) -> PipelineRuns {
        PipelineRuns::new(self.db.clone())
    }

    /// The read side of runs, their events and provider calls, for Pulse.
    #[must_use]
    pub fn pulse(&self) -> Pulse {
        Pulse::new(self.db.clone())
    }

    /// The retention sweep of old events and call payloads.
    #[must_use]
    pub fn retention(&self) -> Retention {
        Retention::new(self.db.clone())
    }

    /// The dead-letter queue: failed runs kept for replay.
    #[must_use]
    pub fn dead_letters(&self) -> DeadLetters {
        DeadLetters::new(self.db.clone())
    }

    /// The vectors of semantic search and memory.
    #[must_use]
    pub fn semantic_index(&self) -> SemanticIndex {
        SemanticIndex::new(self.db.clone())
    }

    /// Sessions, their interactions, summaries and summary cadence.
    #[must_use]
    pub fn sessions(&self) -> Sessions {
        Sessions::new(self.db.clone())
    }

    /// The database event sink: a [`BatchedEventSink`] writing every event to
    /// `pipeline_events` (see [`crate::event_sink`]), and the writer's counts.
    ///
    /// # Panics
    /// Outside a Tokio runtime (the sink spawns its background task).
    #[must_use]
    pub fn event_sink(&self, config: BatchConfig) -> (BatchedEventSink, EventWriterStats) {
        PipelineEventWriter::new(self.db.clone()).spawn_sink(config)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    ///
    /// # Errors
    /// When closing fails.
    pub async fn close(&self) -> AppResult<()> {
        self.db.close_by_ref().await.map_err(db_error)
    }
}
