//! The rolling summaries of a session (`session_summaries`) and their cadence
//! (`summary_states`).
//!
//! - Counting a turn is one race-safe statement: `INSERT INTO summary_states … SELECT … FROM
//!   sessions WHERE id = ? AND org_id = ? ON CONFLICT (session_id) DO UPDATE SET
//!   turns_since_summary = summary_states.turns_since_summary + 1 RETURNING *`, so concurrent
//!   turns are each counted once, and a session of another organization inserts nothing.
//! - Saving a summary is a compare-and-swap on the version: in one transaction, the session's
//!   newest version must still be the expected one, and the new version is inserted with
//!   `ON CONFLICT (session_id, version) DO NOTHING`, so of two concurrent writers one loses
//!   (`None`) without an error; the winner resets the cadence in the same transaction.
//!
//! The summary tables have no `org_id`: they are scoped through their session's.

use super::{count, ensure_in_org, int, not_found};
use crate::entities::session_summaries::{self as summaries, Column, Entity};
use crate::entities::{sessions, summary_states as states};
use crate::error::db_error;
use crate::repositories::now;
use hellosales_domain::sessions::{NewSummary, SessionSummary, SummaryState};
use hellosales_domain::{AppError, AppResult, OrgId, SessionId};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, SqliteTransactionMode, TransactionOptions, TransactionTrait,
    TryInsertResult,
};
use uuid::Uuid;

/// `SELECT id FROM sessions WHERE id = session AND org_id = org`.
fn session_in_org(org: OrgId, session: SessionId) -> SelectStatement {
    Query::select()
        .column(sessions::Column::Id)
        .from(sessions::Entity)
        .and_where(sessions::Column::Id.eq(session.as_uuid()))
        .and_where(sessions::Column::OrgId.eq(org.as_uuid()))
        .take()
}

/// The newest summary of the session (none for a session of another organization).
pub(super) async fn latest(
    conn: &impl ConnectionTrait,
    org: OrgId,
    session: SessionId,
) -> AppResult<Option<SessionSummary>> {
    Ok(Entity::find()
        .filter(Column::SessionId.in_subquery(session_in_org(org, session)))
        .order_by_desc(Column::Version)
        .one(conn)
        .await
        .map_err(db_error)?
        .map(to_summary))
}

/// Counts one more turn and answers the cadence after it.
///
/// # Errors
/// `SESSION_NOT_FOUND` when the session is not in `org`.
pub(super) async fn record_turn(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
) -> AppResult<SummaryState> {
    let at = now();
    // The row to insert, read off the session (so none for a session of another
    // organization): its id as `session_id`, then a new id, one turn, the time.
    let source = session_in_org(org, session)
        .expr(Expr::val(Uuid::now_v7()))
        .expr(Expr::val(1i32))
        .expr(Expr::val(at))
        .take();
    let mut insert = Query::insert();
    insert
        .into_table(states::Entity)
        .columns([
            states::Column::SessionId,
            states::Column::Id,
            states::Column::TurnsSinceSummary,
            states::Column::UpdatedAt,
        ])
        .select_from(source)
        .map_err(AppError::internal)?
        .on_conflict(
            OnConflict::column(states::Column::SessionId)
                .value(
                    states::Column::TurnsSinceSummary,
                    Expr::col((states::Entity, states::Column::TurnsSinceSummary)).add(1),
                )
                .update_column(states::Column::UpdatedAt)
                .to_owned(),
        )
        .returning_all();
    let statement = db.get_database_backend().build(&insert);
    let row = states::Entity::find()
        .from_raw_sql(statement)
        .one(db)
        .await
        .map_err(db_error)?
        .ok_or_else(|| not_found(session))?;
    Ok(to_state(&row))
}

/// Stores version `expected_version + 1` and resets the cadence, or answers `None` when the
/// session's newest version is no longer `expected_version`.
///
/// # Errors
/// `SESSION_NOT_FOUND` when the session is not in `org`.
pub(super) async fn save(
    db: &DatabaseConnection,
    org: OrgId,
    session: SessionId,
    expected_version: u32,
    summary: &NewSummary,
) -> AppResult<Option<SessionSummary>> {
    let Some(version) = expected_version.checked_add(1) else {
        return Ok(None);
    };
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await
        .map_err(db_error)?;
    match insert_version(&txn, org, session, version, summary).await {
        Ok(Some(saved)) => {
            txn.commit().await.map_err(db_error)?;
            Ok(Some(saved))
        }
        outcome => {
            txn.rollback().await.map_err(db_error)?;
            outcome
        }
    }
}

/// The steps of [`save`] inside its transaction; `Ok(None)`: lost to another writer.
async fn insert_version(
    txn: &DatabaseTransaction,
    org: OrgId,
    session: SessionId,
    version: u32,
    summary: &NewSummary,
) -> AppResult<Option<SessionSummary>> {
    ensure_in_org(txn, org, session).await?;
    let newest = Entity::find()
        .filter(Column::SessionId.eq(session.as_uuid()))
        .order_by_desc(Column::Version)
        .one(txn)
        .await
        .map_err(db_error)?
        .map_or(0, |row| count(row.version));
    if newest.checked_add(1) != Some(version) {
        return Ok(None);
    }
    let (id, at) = (Uuid::now_v7(), now());
    let row = summaries::ActiveModel {
        id: Set(id),
        session_id: Set(session.as_uuid()),
        version: Set(int(version)),
        summary_text: Set(summary.summary_text.clone()),
        cutoff_sequence: Set(int(summary.cutoff_sequence)),
        token_count: Set(summary.token_count.map(int)),
        created_at: Set(at),
    };
    let inserted = Entity::insert(row)
        .on_conflict_do_nothing_on([Column::SessionId, Column::Version])
        .exec_without_returning(txn)
        .await
        .map_err(db_error)?;
    if !matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0) {
        return Ok(None);
    }
    let state = states::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session.as_uuid()),
        turns_since_summary: Set(0),
        last_cutoff_sequence: Set(int(summary.cutoff_sequence)),
        last_summary_at: Set(Some(at)),
        updated_at: Set(at),
    };
    states::Entity::insert(state)
        .on_conflict(
            OnConflict::column(states::Column::SessionId)
                .update_columns([
                    states::Column::TurnsSinceSummary,
                    states::Column::LastCutoffSequence,
                    states::Column::LastSummaryAt,
                    states::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await
        .map_err(db_error)?;
    Ok(Some(SessionSummary {
        id,
        session_id: session,
        version,
        summary_text: summary.summary_text.clone(),
        cutoff_sequence: summary.cutoff_sequence,
        token_count: summary.token_count,
        created_at: at,
    }))
}

/// The domain summary of a row.
fn to_summary(row: summaries::Model) -> SessionSummary {
    SessionSummary {
        id: row.id,
        session_id: SessionId(row.session_id),
        version: count(row.version),
        summary_text: row.summary_text,
        cutoff_sequence: count(row.cutoff_sequence),
        token_count: row.token_count.map(count),
        created_at: row.created_at,
    }
}

/// The domain cadence of a row.
fn to_state(row: &states::Model) -> SummaryState {
    SummaryState {
        turns_since_summary: count(row.turns_since_summary),
        last_cutoff_sequence: count(row.last_cutoff_sequence),
        last_summary_at: row.last_summary_at,
    }
}
