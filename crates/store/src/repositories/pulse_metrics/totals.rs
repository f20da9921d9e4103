//! Counts and sums of runs and provider calls per group, one grouped statement each.

use super::scope::{Group, Scope};
use crate::error::db_error;
use hellosales_domain::AppResult;
use hellosales_domain::pulse_metrics::RunTotals;
use sea_orm::{ConnectionTrait, DatabaseConnection, QueryResult};
use std::collections::HashMap;

/// The sums of one group of runs.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RunSums {
    pub(super) totals: RunTotals,
    pub(super) tokens_in: i64,
    pub(super) tokens_out: i64,
    pub(super) cost_usd_micros: i64,
    pub(super) avg_latency_ms: Option<f64>,
}

/// The sums of one group of provider calls.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct CallSums {
    pub(super) calls: i64,
    pub(super) errors: i64,
    pub(super) tokens_in: i64,
    pub(super) tokens_out: i64,
    pub(super) cost_usd_micros: i64,
}

/// `SUM(expression)` as a 64-bit integer, 0 over no rows (PostgreSQL sums `bigint` as
/// `numeric`: the cast brings it back).
fn sum(expression: &str, name: &str) -> String {
    format!("CAST(COALESCE(SUM({expression}), 0) AS BIGINT) AS {name}")
}

fn int(row: &QueryResult, name: &str) -> AppResult<i64> {
    row.try_get("", name).map_err(db_error)
}

/// The runs in `scope`, per `group` key (a group without runs is absent).
pub(super) async fn run_sums(
    db: &DatabaseConnection,
    scope: &Scope,
    group: Group,
) -> AppResult<HashMap<String, RunSums>> {
    let sql = format!(
        "SELECT {key} AS g, CAST(COUNT(*) AS BIGINT) AS runs, {successful}, {failed}, \
                {cancelled}, {tokens_in}, {tokens_out}, {cost}, \
                CAST(AVG(total_latency_ms) AS DOUBLE PRECISION) AS avg_latency \
           FROM pipeline_runs WHERE {clause}{group_by}",
        key = group.key(scope.backend()),
        successful = sum("CASE WHEN success THEN 1 ELSE 0 END", "successful"),
        failed = sum("CASE WHEN status = 'failed' THEN 1 ELSE 0 END", "failed"),
        cancelled = sum(
            "CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END",
            "cancelled"
        ),
        tokens_in = sum("tokens_in", "tokens_in"),
        tokens_out = sum("tokens_out", "tokens_out"),
        cost = sum("total_cost_usd_micros", "cost"),
        clause = scope.clause(),
        group_by = group.group_by(),
    );
    let rows = db
        .query_all_raw(scope.statement(sql))
        .await
        .map_err(db_error)?;
    let mut groups = HashMap::new();
    for row in rows {
        let key: String = row.try_get("", "g").map_err(db_error)?;
        let sums = RunSums {
            totals: RunTotals {
                runs: int(&row, "runs")?,
                successful: int(&row, "successful")?,
                failed: int(&row, "failed")?,
                cancelled: int(&row, "cancelled")?,
            },
            tokens_in: int(&row, "tokens_in")?,
            tokens_out: int(&row, "tokens_out")?,
            cost_usd_micros: int(&row, "cost")?,
            avg_latency_ms: row.try_get("", "avg_latency").map_err(db_error)?,
        };
        groups.insert(key, sums);
    }
    Ok(groups)
}

/// The provider calls in `scope`, per `group` key (a group without calls is absent).
pub(super) async fn call_sums(
    db: &DatabaseConnection,
    scope: &Scope,
    group: Group,
) -> AppResult<HashMap<String, CallSums>> {
    let sql = format!(
        "SELECT {key} AS g, CAST(COUNT(*) AS BIGINT) AS calls, {errors}, {tokens_in}, \
                {tokens_out}, {cost} \
           FROM provider_calls WHERE {clause}{group_by}",
        key = group.key(scope.backend()),
        errors = sum("CASE WHEN success THEN 0 ELSE 1 END", "errors"),
        tokens_in = sum("tokens_in", "tokens_in"),
        tokens_out = sum("tokens_out", "tokens_out"),
        cost = sum("cost_usd_micros", "cost"),
        clause = scope.clause(),
        group_by = group.group_by(),
    );
    let rows = db
        .query_all_raw(scope.statement(sql))
        .await
        .map_err(db_error)?;
    let mut groups = HashMap::new();
    for row in rows {
        let key: String = row.try_get("", "g").map_err(db_error)?;
        let sums = CallSums {
            calls: int(&row, "calls")?,
            errors: int(&row, "errors")?,
            tokens_in: int(&row, "tokens_in")?,
            tokens_out: int(&row, "tokens_out")?,
            cost_usd_micros: int(&row, "cost")?,
        };
        groups.insert(key, sums);
    }
    Ok(groups)
}
