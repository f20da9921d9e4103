//! Exact continuous percentiles (PostgreSQL's `percentile_cont`) of one integer column, per
//! group, in one statement on either backend.
//!
//! - **PostgreSQL**: `percentile_cont(p) WITHIN GROUP (ORDER BY column)`, grouped in SQL.
//! - **SQLite** has no ordered-set aggregates: a window query numbers each group's values in
//!   order (`ROW_NUMBER() OVER (PARTITION BY key ORDER BY column)`, with the group's
//!   `COUNT(*) OVER`), and returns only the rows at positions `⌊p·(n−1)⌋` and `⌊p·(n−1)⌋ + 1`
//!   for each `p` — at most two rows per percentile and group, never the whole column. The
//!   value is then interpolated here exactly as PostgreSQL does: `lo + (hi − lo) · frac`, with
//!   the same double-precision position, so both backends answer the same number.
//!
//! NULLs are left out; a group without values has no percentile (`None`).

use super::scope::{Group, Scope};
use crate::error::db_error;
use hellosales_domain::AppResult;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend};
use std::collections::{BTreeMap, HashMap};

/// Per group key, the percentiles of `column` in the order of `fractions`.
pub(super) type Percentiles = HashMap<String, Vec<Option<f64>>>;

/// The `fractions` percentiles of `column` over `table`'s rows in `scope`, by `group`.
/// `table` and `column` are constants of the caller, never input.
pub(super) async fn percentiles(
    db: &DatabaseConnection,
    scope: &Scope,
    table: &str,
    column: &str,
    group: Group,
    fractions: &[f64],
) -> AppResult<Percentiles> {
    match scope.backend() {
        DbBackend::Postgres => in_postgres(db, scope, table, column, group, fractions).await,
        _ => by_ranking(db, scope, table, column, group, fractions).await,
    }
}

async fn in_postgres(
    db: &DatabaseConnection,
    scope: &Scope,
    table: &str,
    column: &str,
    group: Group,
    fractions: &[f64],
) -> AppResult<Percentiles> {
    let columns: Vec<String> = fractions
        .iter()
        .enumerate()
        .map(|(i, p)| format!("percentile_cont({p}) WITHIN GROUP (ORDER BY {column}) AS p{i}"))
        .collect();
    let sql = format!(
        "SELECT {key} AS g, {columns} FROM {table} WHERE {clause} AND {column} IS NOT NULL{group_by}",
        key = group.key(DbBackend::Postgres),
        columns = columns.join(", "),
        clause = scope.clause(),
        group_by = group.group_by(),
    );
    let rows = db
        .query_all_raw(scope.statement(sql))
        .await
        .map_err(db_error)?;
    let mut answer = Percentiles::new();
    for row in rows {
        let key: String = row.try_get("", "g").map_err(db_error)?;
        let values = (0..fractions.len())
            .map(|i| row.try_get::<Option<f64>>("", &format!("p{i}")))
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_error)?;
        answer.insert(key, values);
    }
    Ok(answer)
}

async fn by_ranking(
    db: &DatabaseConnection,
    scope: &Scope,
    table: &str,
    column: &str,
    group: Group,
    fractions: &[f64],
) -> AppResult<Percentiles> {
    let key = group.key(scope.backend());
    let wanted: Vec<String> = fractions
        .iter()
        .map(|p| {
            format!(
                "rn = CAST({p} * (n - 1) AS INTEGER) OR rn = CAST({p} * (n - 1) AS INTEGER) + 1"
            )
        })
        .collect();
    let sql = format!(
        "SELECT g, n, rn, v FROM (\
           SELECT {key} AS g, {column} AS v, \
                  ROW_NUMBER() OVER (PARTITION BY {key} ORDER BY {column}) - 1 AS rn, \
                  COUNT(*) OVER (PARTITION BY {key}) AS n \
             FROM {table} WHERE {clause} AND {column} IS NOT NULL\
         ) AS ranked WHERE {wanted}",
        clause = scope.clause(),
        wanted = wanted.join(" OR "),
    );
    let rows = db
        .query_all_raw(scope.statement(sql))
        .await
        .map_err(db_error)?;
    // Per group: its size and the values at the positions asked for.
    let mut groups: HashMap<String, (i64, BTreeMap<i64, i64>)> = HashMap::new();
    for row in rows {
        let key: String = row.try_get("", "g").map_err(db_error)?;
        let n: i64 = row.try_get("", "n").map_err(db_error)?;
        let rn: i64 = row.try_get("", "rn").map_err(db_error)?;
        let value: i64 = row.try_get("", "v").map_err(db_error)?;
        groups
            .entry(key)
            .or_insert((n, BTreeMap::new()))
            .1
            .insert(rn, value);
    }
    Ok(groups
        .into_iter()
        .map(|(key, (n, values))| {
            let found = fractions
                .iter()
                .map(|&p| interpolate(&values, n, p))
                .collect();
            (key, found)
        })
        .collect())
}

/// The continuous percentile `p` of `n` ordered values, from the values at its two
/// neighbouring positions (as PostgreSQL's `percentile_cont` computes it).
#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)] // row counts and ms
fn interpolate(values: &BTreeMap<i64, i64>, n: i64, p: f64) -> Option<f64> {
    if n <= 0 {
        return None;
    }
    let position = p * (n - 1) as f64;
    let first = position.floor();
    let lo = *values.get(&(first as i64))? as f64;
    let proportion = position - first;
    if proportion == 0.0 {
        return Some(lo);
    }
    let hi = *values.get(&(first as i64 + 1))? as f64;
    Some(lo + (hi - lo) * proportion)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_like_percentile_cont() {
        // Values 10, 20, …, 100 (n = 10): p50 at 4.5 → 55; p95 at 8.55 → 95.5.
        let all: BTreeMap<i64, i64> = (0..10).map(|i| (i, (i + 1) * 10)).collect();
        assert_eq!(interpolate(&all, 10, 0.5), Some(55.0));
        let p95 = interpolate(&all, 10, 0.95).unwrap_or_default();
        assert!((p95 - 95.5).abs() < 1e-9, "{p95}");
        assert_eq!(interpolate(&all, 10, 0.0), Some(10.0));
        assert_eq!(interpolate(&all, 10, 1.0), Some(100.0));
        let one = BTreeMap::from([(0, 7)]);
        assert_eq!(interpolate(&one, 1, 0.99), Some(7.0));
        assert_eq!(interpolate(&BTreeMap::new(), 0, 0.5), None);
    }
}
