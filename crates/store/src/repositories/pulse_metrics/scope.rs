//! The rows an aggregate covers — one organization's runs or calls started within a window,
//! optionally of one service — as a SQL condition with its bound values, and the grouping
//! keys aggregates are computed by.
//!
//! The statements are written by hand (percentiles and hour buckets have no portable builder
//! form); placeholders are `$n` on PostgreSQL and `?n` on SQLite, every value is bound, and
//! only constants of this module are ever spliced into the SQL text.

use chrono::{DateTime, Utc};
use hellosales_domain::OrgId;
use sea_orm::{DbBackend, Statement, Value};

/// One organization's rows in `[start, end]` (by `started_at`), optionally of one service.
#[derive(Clone, Debug)]
pub(super) struct Scope {
    backend: DbBackend,
    clause: String,
    values: Vec<Value>,
}

impl Scope {
    /// The rows of `org` started in `[start, end]`, of `service` when given.
    pub(super) fn new(
        backend: DbBackend,
        org: OrgId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        service: Option<&str>,
    ) -> Self {
        let mut scope = Self {
            backend,
            clause: String::new(),
            values: Vec::new(),
        };
        let org = scope.bind(org.as_uuid().into());
        let start = scope.bind(start.into());
        let end = scope.bind(end.into());
        scope.clause = format!("org_id = {org} AND started_at >= {start} AND started_at <= {end}");
        if let Some(service) = service {
            let service = scope.bind(service.to_owned().into());
            scope.clause.push_str(&format!(" AND service = {service}"));
        }
        scope
    }

    /// The database this scope is written for.
    pub(super) const fn backend(&self) -> DbBackend {
        self.backend
    }

    /// Binds one more value; answers its placeholder.
    fn bind(&mut self, value: Value) -> String {
        self.values.push(value);
        let n = self.values.len();
        match self.backend {
            DbBackend::Postgres => format!("${n}"),
            _ => format!("?{n}"),
        }
    }

    /// The condition (without `WHERE`).
    pub(super) fn clause(&self) -> &str {
        &self.clause
    }

    /// `sql` with this scope's values.
    pub(super) fn statement(&self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values.clone())
    }
}

/// What rows are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Group {
    /// One group, `all`.
    All,
    /// A text column; a missing value groups as `unknown`.
    Column(&'static str),
    /// The UTC hour of `started_at`, as RFC 3339 (`2026-12-01T10:00:00Z`).
    Hour,
}

impl Group {
    /// The key expression.
    pub(super) fn key(self, backend: DbBackend) -> String {
        match (self, backend) {
            (Self::All, _) => "'all'".to_owned(),
            (Self::Column(column), _) => format!("COALESCE({column}, 'unknown')"),
            (Self::Hour, DbBackend::Postgres) => "to_char(date_trunc('hour', started_at AT TIME \
                 ZONE 'UTC'), 'YYYY-MM-DD\"T\"HH24:00:00\"Z\"')"
                .to_owned(),
            (Self::Hour, _) => "strftime('%Y-%m-%dT%H:00:00Z', started_at)".to_owned(),
        }
    }

    /// `GROUP BY` the first output column (nothing for [`Group::All`]).
    pub(super) const fn group_by(self) -> &'static str {
        match self {
            Self::All => "",
            Self::Column(_) | Self::Hour => " GROUP BY 1",
        }
    }
}
