//! The one place where database errors become [`AppError`]s.
//!
//! # Policy
//! - A unique-constraint violation is [`AppError::Conflict`]; so is a foreign-key violation
//!   (the row refers to something that is gone, or something still refers to the row).
//!   Repositories that want a more specific answer check [`violated_constraint`] first.
//! - A lost, refused or exhausted connection, and a busy or deadlocked database, is
//!   [`AppError::ServiceUnavailable`] (retryable). Its message is generic; the cause is logged
//!   here at `warn` level, because the server only logs internal errors.
//! - Everything else is [`AppError::Internal`], wrapping the [`DbErr`]: never shown to a
//!   client, logged once by the server.
//! - Messages never contain the database URL or its password (see [`crate::connect`] for the
//!   connection step, whose errors name the redacted URL).

use hellosales_domain::AppError;
use sea_orm::sqlx::{self, error::DatabaseError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps a SeaORM error to an [`AppError`] following the module policy.
#[must_use]
pub fn db_error(err: DbErr) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            return AppError::Conflict {
                message: conflict_message(
                    "a record with the same unique values already exists",
                    &err,
                ),
            };
        }
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
            return AppError::Conflict {
                message: conflict_message("the change conflicts with related records", &err),
            };
        }
        _ => {}
    }
    if is_unavailable(&err) {
        tracing::warn!(error = %err, "database unavailable");
        return AppError::ServiceUnavailable {
            message: "the database is unavailable; retry later".to_owned(),
        };
    }
    AppError::internal(err)
}

/// The constraint a unique or foreign-key violation names: the constraint name on PostgreSQL
/// (`users_auth_unique`), the `table.column` list on SQLite (`users.auth_provider,
/// users.auth_subject`, SQLite does not report names). `None` for other errors.
#[must_use]
pub fn violated_constraint(err: &DbErr) -> Option<String> {
    let db = database_error(err)?;
    if let Some(name) = db.constraint() {
        return Some(name.to_owned());
    }
    // SQLite: "UNIQUE constraint failed: users.auth_provider, users.auth_subject".
    db.message()
        .split_once("constraint failed: ")
        .map(|(_, columns)| columns.trim().to_owned())
}

fn conflict_message(what: &str, err: &DbErr) -> String {
    match violated_constraint(err) {
        Some(constraint) => format!("{what} ({constraint})"),
        None => what.to_owned(),
    }
}

fn sqlx_error(err: &DbErr) -> Option<&sqlx::Error> {
    match err {
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => Some(e.as_ref()),
        _ => None,
    }
}

fn database_error(err: &DbErr) -> Option<&dyn DatabaseError> {
    match sqlx_error(err)? {
        sqlx::Error::Database(db) => Some(db.as_ref()),
        _ => None,
    }
}

/// Whether the error means "the database cannot serve this now, try again".
fn is_unavailable(err: &DbErr) -> bool {
    if matches!(err, DbErr::Conn(_) | DbErr::ConnectionAcquire(_)) {
        return true;
    }
    match sqlx_error(err) {
        Some(sqlx::Error::Database(db)) => is_transient_database_error(db.as_ref()),
        Some(
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
            | sqlx::Error::BeginFailed,
        ) => true,
        _ => false,
    }
}

/// SQLite busy/locked; PostgreSQL connection exceptions (08), insufficient resources (53),
/// operator intervention (57P), serialization failures and deadlocks.
fn is_transient_database_error(db: &dyn DatabaseError) -> bool {
    let Some(code) = db.code() else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Extended result codes: the primary code is the low byte (5 BUSY, 6 LOCKED).
        return code
            .parse::<i32>()
            .is_ok_and(|extended| matches!(extended & 0xff, 5 | 6));
    }
    code.starts_with("08")
        || code.starts_with("53")
        || code.starts_with("57P")
        || code == "40001"
        || code == "40P01"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_errors_are_unavailable_and_retryable() {
        let err = db_error(DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout));
        assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
        assert!(err.retryable());
    }

    #[test]
    fn other_errors_are_internal() {
        let err = db_error(DbErr::Custom("boom".to_owned()));
        assert_eq!(err.code(), "INTERNAL_ERROR");
        assert!(!err.public_message().contains("boom"));
    }
}
