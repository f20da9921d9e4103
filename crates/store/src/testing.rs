//! Test support (cargo feature `test-util`): a fresh, empty database per test, on SQLite always
//! and on PostgreSQL when `TEST_DATABASE_URL` is set.
//!
//! ```no_run
//! # async fn example() {
//! use hellosales_store::testing::TestDatabase;
//! for db in TestDatabase::from_env().await {
//!     let store = db.store().await; // connected and migrated
//!     // … the same test story on every backend …
//!     store.close().await.ok();
//!     db.cleanup().await;
//! }
//! # }
//! ```
//!
//! # Cleaning up
//! A SQLite database lives in a temporary directory that goes away with the [`TestDatabase`].
//! A PostgreSQL database (`hs_test_<uuid>`) is dropped by [`TestDatabase::cleanup`], which
//! tests should await at the end. When a test panics before that, `Drop` drops the database
//! as a fallback, on a short-lived thread of its own (it blocks the dropping thread for the
//! round trip, which is acceptable in tests). Either way the server keeps no test databases.
//!
//! These helpers panic, with a message saying what to fix, instead of returning errors: they
//! serve tests, and a test that cannot get its database must fail, never skip.

use crate::options::StoreOptions;
use crate::store::Store;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use sea_orm::{ConnectionTrait, DatabaseBackend};
use std::time::Duration;
use tempfile::TempDir;
use url::Url;
use uuid::Uuid;

/// The environment variable naming the PostgreSQL server for tests.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// Characters that must be escaped in a file path inside a `sqlite://` URL.
const PATH_ESCAPES: &AsciiSet = &CONTROLS.add(b' ').add(b'%').add(b'?').add(b'#');

/// A fresh database for one test. See the module documentation for its lifetime.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    place: Place,
}

#[derive(Debug)]
enum Place {
    Sqlite {
        _dir: TempDir,
    },
    Postgres {
        server_url: String,
        name: String,
        dropped: bool,
    },
}

impl TestDatabase {
    /// A new SQLite database file in a temporary directory.
    ///
    /// # Panics
    /// When no temporary directory can be created.
    pub async fn sqlite() -> Self {
        let dir = match tempfile::Builder::new().prefix("hs-test-").tempdir() {
            Ok(dir) => dir,
            Err(err) => panic!("cannot create a temporary directory for SQLite: {err}"),
        };
        let path = dir.path().join("hellosales.db");
        let encoded = utf8_percent_encode(&path.to_string_lossy(), PATH_ESCAPES).to_string();
        Self {
            url: format!("sqlite://{encoded}"),
            place: Place::Sqlite { _dir: dir },
        }
    }

    /// A new, empty PostgreSQL database `hs_test_<uuid>` on the server of `base_url` (any
    /// database URL of that server whose user may `CREATE DATABASE`).
    ///
    /// # Panics
    /// When the server cannot be reached or refuses to create the database.
    pub async fn postgres(base_url: &str) -> Self {
        let name = format!("hs_test_{}", Uuid::new_v4().simple());
        let url = match database_url(base_url, &name) {
            Some(url) => url,
            None => panic!(
                "{TEST_DATABASE_URL} is not a valid postgres:// URL: {}",
                crate::redact_url(base_url)
            ),
        };
        let server = admin_connection(base_url).await;
        if let Err(err) = server
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await
        {
            panic!(
                "cannot create the test database {name} on {}: {}",
                crate::redact_url(base_url),
                crate::db_error(err)
            );
        }
        server.close().await.ok();
        Self {
            url,
            place: Place::Postgres {
                server_url: base_url.to_owned(),
                name,
                dropped: false,
            },
        }
    }

    /// SQLite always, plus PostgreSQL when `TEST_DATABASE_URL` is set (and non-empty).
    ///
    /// # Panics
    /// When `TEST_DATABASE_URL` is set but its server is unreachable: CI must fail, not skip.
    pub async fn from_env() -> Vec<Self> {
        let mut databases = vec![Self::sqlite().await];
        if let Ok(base_url) = std::env::var(TEST_DATABASE_URL)
            && !base_url.trim().is_empty()
        {
            databases.push(Self::postgres(base_url.trim()).await);
        }
        databases
    }

    /// The URL to pass to [`Store::connect`].
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The backend of this database.
    #[must_use]
    pub fn backend(&self) -> DatabaseBackend {
        match self.place {
            Place::Sqlite { .. } => DatabaseBackend::Sqlite,
            Place::Postgres { .. } => DatabaseBackend::Postgres,
        }
    }

    /// `"sqlite"` or `"postgres"`, for test messages.
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self.place {
            Place::Sqlite { .. } => "sqlite",
            Place::Postgres { .. } => "postgres",
        }
    }

    /// A store on this database, connected with default options and migrated.
    ///
    /// # Panics
    /// When connecting or migrating fails.
    pub async fn store(&self) -> Store {
        let store = match Store::connect(&self.url, StoreOptions::default()).await {
            Ok(store) => store,
            Err(err) => panic!(
                "cannot connect to the {} test database: {err}",
                self.label()
            ),
        };
        if let Err(err) = store.migrate().await {
            panic!("cannot migrate the {} test database: {err:?}", self.label());
        }
        store
    }

    /// Drops the PostgreSQL database (terminating connections still open on it); removes the
    /// SQLite directory. Await it at the end of every test.
    ///
    /// # Panics
    /// When PostgreSQL refuses to drop the database.
    pub async fn cleanup(mut self) {
        if let Place::Postgres {
            server_url,
            name,
            dropped,
        } = &mut self.place
        {
            if let Err(message) = drop_database(server_url, name).await {
                panic!("{message}");
            }
            *dropped = true;
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Place::Postgres {
            server_url,
            name,
            dropped: false,
        } = &self.place
        else {
            return;
        };
        let (server_url, name) = (server_url.clone(), name.clone());
        // A runtime of its own, on a thread of its own: Drop may run inside a runtime, where
        // blocking on another runtime is forbidden.
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(runtime) => runtime.block_on(drop_database(&server_url, &name)),
                Err(err) => Err(format!("cannot drop test database {name}: {err}")),
            }
        });
        if let Ok(Err(message)) = dropper.join() {
            tracing::warn!("{message}");
        }
    }
}

/// `base_url` with its database replaced by `name`; `None` when it is not a URL.
fn database_url(base_url: &str, name: &str) -> Option<String> {
    let mut url = Url::parse(base_url).ok()?;
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

/// A one-connection store on the server's own database, for CREATE / DROP DATABASE.
async fn admin_connection(base_url: &str) -> Store {
    let options = StoreOptions {
        max_connections: 1,
        min_connections: 1,
        connect_timeout: Duration::from_secs(10),
        ..StoreOptions::default()
    };
    match Store::connect(base_url, options).await {
        Ok(store) => store,
        Err(err) => panic!(
            "{TEST_DATABASE_URL} is set but its PostgreSQL server cannot be used: {err}. \
             Start PostgreSQL or unset {TEST_DATABASE_URL}."
        ),
    }
}

async fn drop_database(server_url: &str, name: &str) -> Result<(), String> {
    let server = Store::connect(
        server_url,
        StoreOptions {
            max_connections: 1,
            min_connections: 1,
            ..StoreOptions::default()
        },
    )
    .await
    .map_err(|err| format!("cannot drop test database {name}: {err}"))?;
    let result = server
        .connection()
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .await
        .map_err(|err| format!("cannot drop test database {name}: {}", crate::db_error(err)));
    server.close().await.ok();
    result.map(drop)
}
