//! Opening a connection pool from a database URL, with the per-backend settings, and keeping
//! the password out of every message.
//!
//! - `sqlite://<path>` (relative or absolute; `sqlite:///abs/path` too) and `sqlite::memory:`:
//!   the file and its parent directory are created when missing; WAL journal, `foreign_keys=ON`,
//!   a busy timeout so concurrent writers wait instead of failing, `synchronous=NORMAL`.
//! - `postgres://…` / `postgresql://…`: a pool sized by [`StoreOptions`]. The password is taken
//!   out of the URL before SeaORM sees it (SeaORM records its connect options, URL included, in
//!   trace spans) and handed to the driver directly.

use crate::options::StoreOptions;
use hellosales_domain::{AppError, AppResult};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr};
use std::str::FromStr;
use url::Url;

/// The URL with its password replaced by `***`, safe to log. A URL that cannot be parsed is not
/// echoed at all (it might hold a password in a place we cannot find).
#[must_use]
pub fn redact_url(url: &str) -> String {
    if is_sqlite(url) {
        return url.to_owned();
    }
    match Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() && parsed.set_password(Some("***")).is_err() {
                return "<database url>".to_owned();
            }
            parsed.to_string()
        }
        Err(_) => "<unparseable database url>".to_owned(),
    }
}

/// Opens a pool for `url`.
///
/// # Errors
/// [`AppError::ServiceUnavailable`] when the database cannot be reached (the message names the
/// redacted URL and the cause); [`AppError::Internal`] for an unsupported or malformed URL.
pub(crate) async fn open(url: &str, options: &StoreOptions) -> AppResult<DatabaseConnection> {
    if is_sqlite(url) {
        open_sqlite(url, options).await
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        open_postgres(url, options).await
    } else {
        Err(AppError::internal(format!(
            "unsupported database URL {}: expected sqlite:// or postgres://",
            redact_url(url)
        )))
    }
}

fn is_sqlite(url: &str) -> bool {
    url.starts_with("sqlite:")
}

fn is_sqlite_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// A pooled connection idle for this long is pinged before it is handed out.
const IDLE_BEFORE_PING: std::time::Duration = std::time::Duration::from_secs(30);

async fn open_sqlite(url: &str, options: &StoreOptions) -> AppResult<DatabaseConnection> {
    let memory = is_sqlite_memory(url);
    if !memory {
        create_parent_directory(url).await?;
    }
    let mut connect = ConnectOptions::new(url);
    connect
        .connect_timeout(options.connect_timeout)
        .sqlx_logging(options.log_statements);
    if memory {
        // Every connection would open its own empty database; and the one connection must
        // never be recycled, or the database goes with it.
        connect
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    } else {
        connect
            .max_connections(options.sqlite_max_connections.max(1))
            .min_connections(1)
            .test_before_acquire_if_idle_for(IDLE_BEFORE_PING);
    }
    let busy_timeout = options.sqlite_busy_timeout;
    connect.map_sqlx_sqlite_opts(move |sqlite| {
        sqlite
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
            .synchronous(SqliteSynchronous::Normal)
    });
    Database::connect(connect)
        .await
        .map_err(|err| connect_error(url, &[], &err))
}

/// SQLite creates a missing file (with `create_if_missing`) but not a missing directory.
async fn create_parent_directory(url: &str) -> AppResult<()> {
    let parsed = SqliteConnectOptions::from_str(url)
        .map_err(|err| AppError::internal(format!("invalid SQLite URL {url}: {err}")))?;
    let Some(parent) = parsed.get_filename().parent() else {
        return Ok(());
    };
    if parent.as_os_str().is_empty() {
        return Ok(());
    }
    tokio::fs::create_dir_all(parent).await.map_err(|err| {
        AppError::internal(format!(
            "cannot create the directory {} for the SQLite database: {err}",
            parent.display()
        ))
    })
}

async fn open_postgres(url: &str, options: &StoreOptions) -> AppResult<DatabaseConnection> {
    let mut parsed = Url::parse(url).map_err(|err| {
        AppError::internal(format!("invalid database URL {}: {err}", redact_url(url)))
    })?;
    let encoded_password = parsed.password().map(str::to_owned);
    let password = encoded_password.as_deref().map(decode_percent);
    if encoded_password.is_some() && parsed.set_password(None).is_err() {
        return Err(AppError::internal(format!(
            "invalid database URL {}",
            redact_url(url)
        )));
    }

    let mut connect = ConnectOptions::new(parsed.to_string());
    connect
        .max_connections(options.max_connections.max(1))
        .min_connections(options.min_connections.min(options.max_connections))
        .connect_timeout(options.connect_timeout)
        // sqlx pings every connection it hands out by default: a second round trip per
        // query. Only connections idle long enough to have been dropped are checked.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .sqlx_logging(options.log_statements);
    if let Some(password) = password.clone() {
        connect.map_sqlx_postgres_opts(move |pg| pg.password(&password));
    }
    let secrets: Vec<String> = encoded_password.into_iter().chain(password).collect();
    Database::connect(connect)
        .await
        .map_err(|err| connect_error(url, &secrets, &err))
}

/// A connection failure as a [`AppError::ServiceUnavailable`] whose message names the redacted
/// URL and the driver's cause, with every trace of the URL and the password removed.
fn connect_error(url: &str, secrets: &[String], err: &DbErr) -> AppError {
    let redacted = redact_url(url);
    let mut cause = err.to_string().replace(url, &redacted);
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        cause = cause.replace(secret.as_str(), "***");
    }
    AppError::ServiceUnavailable {
        message: format!("cannot connect to the database at {redacted}: {cause}"),
    }
}

/// Percent-decodes a URL component (passwords may contain `%40` for `@` and the like).
fn decode_percent(encoded: &str) -> String {
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_the_password_only() {
        assert_eq!(
            redact_url("postgres://app:SuperSecret@db.internal:5432/hs"),
            "postgres://app:***@db.internal:5432/hs"
        );
        assert_eq!(
            redact_url("postgres://app@db.internal/hs"),
            "postgres://app@db.internal/hs"
        );
        assert_eq!(redact_url("sqlite://data/hs.db"), "sqlite://data/hs.db");
        assert!(!redact_url("postgres://a:b c@@@").contains("b c"));
    }

    #[test]
    fn passwords_are_percent_decoded() {
        assert_eq!(decode_percent("p%40ss%2Bw+rd"), "p@ss+w+rd");
        assert_eq!(decode_percent("plain"), "plain");
    }

    #[test]
    fn connect_errors_never_contain_the_password() {
        let url = "postgres://postgres:SuperSecret@127.0.0.1:1/x";
        let err = DbErr::Custom(format!("cannot parse {url} (password SuperSecret)"));
        let mapped = connect_error(url, &["SuperSecret".to_owned()], &err);
        let message = mapped.to_string();
        assert!(!message.contains("SuperSecret"), "{message}");
        assert!(message.contains("postgres://postgres:***@127.0.0.1:1/x"));
    }
}
