//! [`DeadLetters`]: the `dead_letter_queue` rows, through the [`DeadLetterStore`] port.
//!
//! # Claims
//! A replay starts with a claim that adds one to `retry_count`, sets `last_retry_at` (and
//! `updated_at`) to now and `next_retry_at` to now + the lease. The lease keeps other workers
//! off the entry; if the claimant dies, the entry is due again when the lease ends. While a
//! claim is unsettled its `updated_at` equals its `last_retry_at` (every other write moves
//! `updated_at` on), which is how an admin's retry recognises a replay in flight.
//!
//! - PostgreSQL claims due entries in one statement: `UPDATE … WHERE id IN (SELECT … FOR
//!   UPDATE SKIP LOCKED) RETURNING *`, so concurrent workers skip each other's rows.
//! - SQLite claims in one `BEGIN IMMEDIATE` transaction: writers queue on the database lock,
//!   and the second reads what the first committed.
//!
//! Settling an attempt ([`mark_resolved`](DeadLetterStore::mark_resolved),
//! [`mark_failed_attempt`](DeadLetterStore::mark_failed_attempt)) applies only while the
//! entry is `pending` with the attempt's `retry_count` and unchanged since it was read: a late
//! worker never overwrites a newer claim or an admin's decision.
//!
//! Reads and admin actions filter on the organization; another organization's entry answers
//! `DEAD_LETTER_NOT_FOUND`.

use crate::entities::dead_letter_queue::{ActiveModel, Column, Entity, Model};
use crate::error::db_error;
use crate::repositories::paging::newest_first;
use crate::repositories::{clip, later_than, now};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hellosales_domain::content::{Page, PageQuery};
use hellosales_domain::dead_letters::{
    AttemptFailure, DeadLetter, DeadLetterAttempt, DeadLetterFilter, DeadLetterStatus,
    NewDeadLetter,
};
use hellosales_domain::error::Resource;
use hellosales_domain::ports::DeadLetterStore;
use hellosales_domain::{AppError, AppResult, OrgId, UserId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Select, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};
use std::time::Duration;
use uuid::Uuid;

const PENDING: &str = "pending";
const RESOLVED: &str = "resolved";
const ABANDONED: &str = "abandoned";

/// The dead-letter queue, of every organization (tenant-facing methods take the
/// organization). Cheap to clone.
#[derive(Clone, Debug)]
pub struct DeadLetters {
    db: DatabaseConnection,
}

impl DeadLetters {
    /// The queue on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn row(&self, org: OrgId, id: Uuid) -> AppResult<Model> {
        Entity::find_by_id(id)
            .filter(Column::OrgId.eq(org.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(Resource::DeadLetter, id))
    }

    /// Why an admin action on a resolved entry is refused.
    fn already_resolved() -> AppError {
        AppError::InvalidState {
            message: "this dead-letter entry is resolved already".to_owned(),
        }
    }

    /// The entry after a write that matched no row: missing (404), or refused for its state.
    async fn refused(&self, org: OrgId, id: Uuid, refusal: AppError) -> AppError {
        match self.row(org, id).await {
            Ok(_) => refusal,
            Err(error) => error,
        }
    }

    async fn claim_due_postgres(
        &self,
        limit: u64,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Vec<Model>> {
        const SQL: &str = r#"
            UPDATE dead_letter_queue
               SET retry_count = retry_count + 1, last_retry_at = $1, next_retry_at = $2,
                   updated_at = $1
             WHERE id IN (
                   SELECT id FROM dead_letter_queue
                    WHERE status = 'pending' AND next_retry_at <= $1
                      AND retry_count < max_retries
                    ORDER BY next_retry_at
                    LIMIT $3
                      FOR UPDATE SKIP LOCKED)
            RETURNING *"#;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let statement = Statement::from_sql_and_values(
            DbBackend::Postgres,
            SQL,
            [at.into(), until.into(), limit.into()],
        );
        Entity::find()
            .from_raw_sql(statement)
            .all(&self.db)
            .await
            .map_err(db_error)
    }

    async fn claim_due_sqlite(
        &self,
        limit: u64,
        at: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> AppResult<Vec<Model>> {
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
            .map_err(db_error)?;
        let due: Vec<Uuid> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::Status.eq(PENDING))
            .filter(Column::NextRetryAt.lte(at))
            .filter(Expr::col(Column::RetryCount).lt(Expr::col(Column::MaxRetries)))
            .order_by_asc(Column::NextRetryAt)
            .limit(limit)
            .into_tuple()
            .all(&txn)
            .await
            .map_err(db_error)?;
        if due.is_empty() {
            txn.rollback().await.map_err(db_error)?;
            return Ok(Vec::new());
        }
        let claimed = claim_update()
            .col_expr(Column::LastRetryAt, Expr::val(at))
            .col_expr(Column::UpdatedAt, Expr::val(at))
            .col_expr(Column::NextRetryAt, Expr::val(until))
            .filter(Column::Id.is_in(due))
            .exec_with_returning(&txn)
            .await
            .map_err(db_error)?;
        txn.commit().await.map_err(db_error)?;
        Ok(claimed)
    }

    /// The row of `attempt`, while the attempt still holds it: claimed by it and not settled
    /// since (see the module documentation).
    async fn held(&self, attempt: DeadLetterAttempt) -> AppResult<Option<Model>> {
        let row = Entity::find_by_id(attempt.id)
            .filter(Column::Status.eq(PENDING))
            .filter(Column::RetryCount.eq(attempt.retry_count))
            .filter(Expr::col(Column::LastRetryAt).eq(Expr::col(Column::UpdatedAt)))
            .one(&self.db)
            .await
            .map_err(db_error)?;
        Ok(row)
    }

    /// Applies `update` to the row of `attempt` if nothing changed it since `row` was read.
    async fn settle(&self, row: &Model, update: ActiveModel) -> AppResult<Option<DeadLetter>> {
        let mut update = update;
        update.updated_at = Set(later_than(row.updated_at));
        let updated = Entity::update_many()
            .set(update)
            .filter(Column::Id.eq(row.id))
            .filter(Column::Status.eq(PENDING))
            .filter(Column::RetryCount.eq(row.retry_count))
            .filter(Column::UpdatedAt.eq(row.updated_at))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        updated.into_iter().next().map(to_entry).transpose()
    }
}

/// `retry_count = retry_count + 1`: the start of every claim.
fn claim_update() -> sea_orm::UpdateMany<Entity> {
    Entity::update_many().col_expr(Column::RetryCount, Expr::col(Column::RetryCount).add(1))
}

/// `now + lease`, saturating far in the future.
fn lease_end(at: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(lease)
        .ok()
        .and_then(|lease| at.checked_add_signed(lease))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn to_entry(row: Model) -> AppResult<DeadLetter> {
    let org = row
        .org_id
        .ok_or_else(|| AppError::internal("a dead-letter entry has no organization"))?;
    let status = DeadLetterStatus::parse(&row.status).ok_or_else(|| {
        AppError::internal(format!(
            "a dead-letter entry has an unknown status {:?}",
            row.status
        ))
    })?;
    Ok(DeadLetter {
        id: row.id,
        pipeline_run_id: row.pipeline_run_id,
        error_type: row.error_type,
        error_message: row.error_message,
        error_code: row.error_code,
        failed_stage: row.failed_stage,
        context_snapshot: row.context_snapshot,
        input_data: row.input_data,
        request_id: row.request_id,
        session_id: row.session_id.map(Into::into),
        user_id: row.user_id.map(Into::into),
        org_id: OrgId(org),
        retry_count: row.retry_count,
        max_retries: row.max_retries,
        last_retry_at: row.last_retry_at,
        next_retry_at: row.next_retry_at,
        status,
        resolved_by: row.resolved_by.map(Into::into),
        resolved_at: row.resolved_at,
        resolution_notes: row.resolution_notes,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn list_select(org: OrgId, filter: &DeadLetterFilter) -> Select<Entity> {
    let mut select = Entity::find().filter(Column::OrgId.eq(org.as_uuid()));
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(error_type) = &filter.error_type {
        select = select.filter(Column::ErrorType.eq(error_type.as_str()));
    }
    select
}

#[async_trait]
impl DeadLetterStore for DeadLetters {
    async fn record(&self, entry: &NewDeadLetter) -> AppResult<DeadLetter> {
        let at = now();
        let row = ActiveModel {
            id: Set(Uuid::now_v7()),
            pipeline_run_id: Set(entry.pipeline_run_id),
            error_type: Set(clip(&entry.error_type, 100)),
            error_message: Set(entry.error_message.clone()),
            error_code: Set(entry.error_code.as_deref().map(|code| clip(code, 100))),
            failed_stage: Set(entry.failed_stage.as_deref().map(|stage| clip(stage, 100))),
            stack_trace: Set(None),
            context_snapshot: Set(entry.context_snapshot.clone()),
            input_data: Set(entry.input_data.clone()),
            request_id: Set(entry.request_id.as_deref().map(|id| clip(id, 100))),
            session_id: Set(entry.session_id.map(|id| id.as_uuid())),
            user_id: Set(entry.user_id.map(|id| id.as_uuid())),
            org_id: Set(Some(entry.org_id.as_uuid())),
            retry_count: Set(0),
            max_retries: Set(Ord::max(entry.max_retries, 0)),
            last_retry_at: Set(None),
            next_retry_at: Set(entry.next_retry_at),
            status: Set(PENDING.to_owned()),
            resolved_by: Set(None),
            resolved_at: Set(None),
            resolution_notes: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        };
        let row = Entity::insert(row)
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        to_entry(row)
    }

    async fn list(
        &self,
        org: OrgId,
        filter: &DeadLetterFilter,
        page: PageQuery,
    ) -> AppResult<Page<DeadLetter>> {
        let select = list_select(org, filter);
        let (rows, total) =
            newest_first(&self.db, select, [Column::CreatedAt, Column::Id], page).await?;
        Ok(Page {
            items: rows.into_iter().map(to_entry).collect::<AppResult<_>>()?,
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn get(&self, org: OrgId, id: Uuid) -> AppResult<DeadLetter> {
        to_entry(self.row(org, id).await?)
    }

    async fn claim_due(
        &self,
        worker: &str,
        limit: u64,
        lease: Duration,
    ) -> AppResult<Vec<DeadLetter>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let at = now();
        let until = lease_end(at, lease);
        let rows = if self.db.get_database_backend() == DbBackend::Postgres {
            self.claim_due_postgres(limit, at, until).await?
        } else {
            self.claim_due_sqlite(limit, at, until).await?
        };
        if !rows.is_empty() {
            tracing::debug!(worker, claimed = rows.len(), "dead-letter entries claimed");
        }
        rows.into_iter().map(to_entry).collect()
    }

    async fn claim(&self, org: OrgId, id: Uuid, lease: Duration) -> AppResult<DeadLetter> {
        let at = now();
        let in_flight_over = Condition::any()
            .add(Column::Status.ne(PENDING))
            .add(Column::NextRetryAt.is_null())
            .add(Column::NextRetryAt.lte(at))
            .add(Column::LastRetryAt.is_null())
            .add(Expr::col(Column::LastRetryAt).ne(Expr::col(Column::UpdatedAt)));
        let claimed = claim_update()
            .col_expr(Column::Status, Expr::val(PENDING))
            .col_expr(Column::LastRetryAt, Expr::val(at))
            .col_expr(Column::UpdatedAt, Expr::val(at))
            .col_expr(Column::NextRetryAt, Expr::val(lease_end(at, lease)))
            .filter(Column::Id.eq(id))
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::Status.ne(RESOLVED))
            .filter(in_flight_over)
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        match claimed.into_iter().next() {
            Some(row) => to_entry(row),
            None => {
                let row = self.row(org, id).await?;
                Err(if row.status == RESOLVED {
                    Self::already_resolved()
                } else {
                    AppError::Conflict {
                        message: "a replay of this dead-letter entry is in progress".to_owned(),
                    }
                })
            }
        }
    }

    async fn mark_resolved(
        &self,
        attempt: DeadLetterAttempt,
        notes: &str,
    ) -> AppResult<Option<DeadLetter>> {
        let Some(row) = self.held(attempt).await? else {
            return Ok(None);
        };
        let at = now();
        let update = ActiveModel {
            status: Set(RESOLVED.to_owned()),
            resolved_at: Set(Some(at)),
            resolution_notes: Set(Some(notes.to_owned())),
            next_retry_at: Set(None),
            ..ActiveModel::default()
        };
        self.settle(&row, update).await
    }

    async fn mark_failed_attempt(
        &self,
        attempt: DeadLetterAttempt,
        failure: &AttemptFailure,
    ) -> AppResult<Option<DeadLetter>> {
        let Some(row) = self.held(attempt).await? else {
            return Ok(None);
        };
        let spent = failure.abandon || row.retry_count >= row.max_retries;
        let update = ActiveModel {
            status: Set(if spent { ABANDONED } else { PENDING }.to_owned()),
            next_retry_at: Set(if spent { None } else { failure.next_retry_at }),
            error_type: Set(clip(&failure.error_type, 100)),
            error_code: Set(Some(clip(&failure.error_code, 100))),
            error_message: Set(Some(failure.error_message.clone())),
            ..ActiveModel::default()
        };
        self.settle(&row, update).await
    }

    async fn resolve(
        &self,
        org: OrgId,
        id: Uuid,
        notes: Option<&str>,
        by: UserId,
    ) -> AppResult<DeadLetter> {
        let at = now();
        let update = ActiveModel {
            status: Set(RESOLVED.to_owned()),
            resolved_by: Set(Some(by.as_uuid())),
            resolved_at: Set(Some(at)),
            resolution_notes: Set(notes.map(str::to_owned)),
            next_retry_at: Set(None),
            updated_at: Set(at),
            ..ActiveModel::default()
        };
        let updated = Entity::update_many()
            .set(update)
            .filter(Column::Id.eq(id))
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::Status.ne(RESOLVED))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        match updated.into_iter().next() {
            Some(row) => to_entry(row),
            None => Err(self.refused(org, id, Self::already_resolved()).await),
        }
    }

    async fn abandon(&self, org: OrgId, id: Uuid, notes: Option<&str>) -> AppResult<DeadLetter> {
        let mut update = ActiveModel {
            status: Set(ABANDONED.to_owned()),
            next_retry_at: Set(None),
            updated_at: Set(now()),
            ..ActiveModel::default()
        };
        if let Some(notes) = notes {
            update.resolution_notes = Set(Some(notes.to_owned()));
        }
        let updated = Entity::update_many()
            .set(update)
            .filter(Column::Id.eq(id))
            .filter(Column::OrgId.eq(org.as_uuid()))
            .filter(Column::Status.ne(RESOLVED))
            .exec_with_returning(&self.db)
            .await
            .map_err(db_error)?;
        match updated.into_iter().next() {
            Some(row) => to_entry(row),
            None => Err(self.refused(org, id, Self::already_resolved()).await),
        }
    }
}
