//! [`Retention`]: the sweep of old observability detail — pipeline events deleted, provider
//! call payloads (`prompt_messages`, `prompt_text`, `output_content`, `output_parsed`)
//! cleared — and the organization settings that may shorten or lengthen it.
//!
//! A system job, not a tenant's request: like the identity repository it spans
//! organizations, but every statement still names the organizations it touches (one cutoff
//! per organization with its own, the default for all the others).
//!
//! # Batches
//! Each statement touches at most `batch` rows (`… WHERE id IN (SELECT id … LIMIT batch)`)
//! and is repeated until it touches fewer, so no statement holds its locks for long. On
//! PostgreSQL the inner select skips rows another sweeper holds (`FOR UPDATE SKIP LOCKED`),
//! so several instances may sweep at once.

use crate::entities::organizations;
use crate::error::db_error;
use chrono::{DateTime, Utc};
use hellosales_domain::retention::{RetentionCutoffs, RetentionReport};
use hellosales_domain::{AppResult, OrgId};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Statement, Value,
};
use serde_json::Value as Json;
use uuid::Uuid;

/// Old observability detail, across organizations. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Retention {
    db: DatabaseConnection,
}

/// Whose rows one sweep statement covers.
enum Owners<'a> {
    /// One organization.
    Org(OrgId),
    /// Every row not of these organizations (rows without one included).
    AllBut(&'a [(OrgId, DateTime<Utc>)]),
}

/// A statement's text and values, with placeholders of the backend.
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        let n = self.values.len();
        match self.backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        }
    }

    /// `column` is of the owners (`column` names an `org_id`).
    fn owners(&mut self, column: &str, owners: &Owners<'_>) -> String {
        match owners {
            Owners::Org(org) => format!("{column} = {}", self.bind(org.as_uuid().into())),
            Owners::AllBut([]) => "1 = 1".to_owned(),
            Owners::AllBut(orgs) => {
                let list: Vec<String> = orgs
                    .iter()
                    .map(|(org, _)| self.bind(org.as_uuid().into()))
                    .collect();
                format!(
                    "({column} IS NULL OR {column} NOT IN ({}))",
                    list.join(", ")
                )
            }
        }
    }

    /// `FOR UPDATE SKIP LOCKED` (of `table`) on PostgreSQL, nothing on SQLite.
    fn skip_locked(&self, table: &str) -> String {
        match self.backend {
            DbBackend::Postgres => format!(" FOR UPDATE OF {table} SKIP LOCKED"),
            _ => String::new(),
        }
    }

    fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

impl Retention {
    /// The records on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    /// Every organization that has settings, with them.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn org_settings(&self) -> AppResult<Vec<(OrgId, Json)>> {
        let rows: Vec<(Uuid, Option<Json>)> = organizations::Entity::find()
            .select_only()
            .column(organizations::Column::Id)
            .column(organizations::Column::Settings)
            .filter(organizations::Column::Settings.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, settings)| settings.map(|s| (OrgId::from(id), s)))
            .collect())
    }

    /// Deletes the events and clears the call payloads older than their organization's
    /// cutoff, at most `batch` rows per statement (`batch` 0 counts as 1).
    ///
    /// # Errors
    /// Storage errors; what earlier batches removed stays removed.
    pub async fn sweep(
        &self,
        cutoffs: &RetentionCutoffs,
        batch: u64,
    ) -> AppResult<RetentionReport> {
        let batch = batch.max(1);
        let mut report = RetentionReport::default();
        for (org, cutoff) in &cutoffs.per_org {
            report = report.plus(
                self.sweep_owners(&Owners::Org(*org), *cutoff, batch)
                    .await?,
            );
        }
        let others = Owners::AllBut(&cutoffs.per_org);
        Ok(report.plus(self.sweep_owners(&others, cutoffs.default, batch).await?))
    }

    async fn sweep_owners(
        &self,
        owners: &Owners<'_>,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> AppResult<RetentionReport> {
        let mut report = RetentionReport::default();
        loop {
            let deleted = self.delete_events(owners, cutoff, batch).await?;
            report.events_deleted += deleted;
            report.batches += 1;
            if deleted < batch {
                break;
            }
        }
        loop {
            let cleared = self.clear_payloads(owners, cutoff, batch).await?;
            report.calls_cleared += cleared;
            report.batches += 1;
            if cleared < batch {
                break;
            }
        }
        Ok(report)
    }

    /// One batch of events older than `cutoff`, of runs of `owners`.
    async fn delete_events(
        &self,
        owners: &Owners<'_>,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> AppResult<u64> {
        let mut sql = Sql {
            backend: self.db.get_database_backend(),
            values: Vec::new(),
        };
        let owned = sql.owners("r.org_id", owners);
        let before = sql.bind(cutoff.into());
        let limit = sql.bind(i64::try_from(batch).unwrap_or(i64::MAX).into());
        let text = format!(
            "DELETE FROM pipeline_events WHERE id IN (\
               SELECT e.id FROM pipeline_events e JOIN pipeline_runs r ON r.id = e.pipeline_run_id \
                WHERE {owned} AND e.occurred_at < {before} LIMIT {limit}{lock})",
            lock = sql.skip_locked("e"),
        );
        let done = self
            .db
            .execute_raw(sql.statement(text))
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    /// One batch of calls older than `cutoff`, of `owners`, that still hold a payload.
    async fn clear_payloads(
        &self,
        owners: &Owners<'_>,
        cutoff: DateTime<Utc>,
        batch: u64,
    ) -> AppResult<u64> {
        let mut sql = Sql {
            backend: self.db.get_database_backend(),
            values: Vec::new(),
        };
        let owned = sql.owners("c.org_id", owners);
        let before = sql.bind(cutoff.into());
        let limit = sql.bind(i64::try_from(batch).unwrap_or(i64::MAX).into());
        let text = format!(
            "UPDATE provider_calls SET prompt_messages = NULL, prompt_text = NULL, \
                    output_content = NULL, output_parsed = NULL \
              WHERE id IN (\
               SELECT c.id FROM provider_calls c \
                WHERE {owned} AND c.started_at < {before} \
                  AND (c.prompt_messages IS NOT NULL OR c.prompt_text IS NOT NULL \
                       OR c.output_content IS NOT NULL OR c.output_parsed IS NOT NULL) \
                LIMIT {limit}{lock})",
            lock = sql.skip_locked("c"),
        );
        let done = self
            .db
            .execute_raw(sql.statement(text))
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }
}
