//! Connection-pool settings for [`Store::connect`](crate::Store::connect).

use std::time::Duration;

/// How the store connects: pool sizes and timeouts. `StoreOptions::default()` suits a server;
/// change single fields as needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreOptions {
    /// Most connections a PostgreSQL pool opens.
    pub max_connections: u32,
    /// Connections a PostgreSQL pool keeps open when idle.
    pub min_connections: u32,
    /// Most connections a SQLite pool opens. SQLite serialises writers whatever the pool size;
    /// a few connections let readers proceed during a write (WAL). In-memory databases always
    /// use exactly one connection, since each connection would otherwise see its own database.
    pub sqlite_max_connections: u32,
    /// How long to wait for a connection, to open one or to take one from a busy pool.
    pub connect_timeout: Duration,
    /// How long a SQLite writer waits for another writer to finish before failing.
    pub sqlite_busy_timeout: Duration,
    /// Log every SQL statement (sqlx statement logging, at info level). Off by default:
    /// statements are noisy.
    pub log_statements: bool,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 20,
            min_connections: 1,
            sqlite_max_connections: 4,
            connect_timeout: Duration::from_secs(10),
            sqlite_busy_timeout: Duration::from_secs(5),
            log_statements: false,
        }
    }
}
