//! The Pulse aggregates on `pipeline_runs`, `provider_calls` and `dead_letter_queue`: totals,
//! exact percentiles (see [`percentiles`]), breakdowns and the hourly series, each answered by
//! a few grouped statements scoped to one organization — rows are counted and summed in SQL,
//! never loaded.

mod percentiles;
mod scope;
mod totals;

use crate::entities::dead_letter_queue;
use crate::error::db_error;
use chrono::{DateTime, Utc};
use hellosales_domain::pulse_metrics::{
    CallMetrics, HourlyMetrics, LatencyPercentiles, MetricsWindow, PulseMetrics, PulseStats,
    ServiceMetrics, StatsWindow, TtftPercentiles, hours_between, rate, usd_of,
};
use hellosales_domain::{AppError, AppResult, OrgId};
use percentiles::{Percentiles, percentiles};
use scope::{Group, Scope};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashMap;
use totals::{CallSums, RunSums, call_sums, run_sums};

const RUNS: &str = "pipeline_runs";
const CALLS: &str = "provider_calls";

/// The status of a dead-letter entry waiting for a decision.
const DLQ_PENDING: &str = "pending";

fn percentile(found: &Percentiles, key: &str, index: usize) -> Option<f64> {
    found
        .get(key)
        .and_then(|values| values.get(index).copied().flatten())
}

/// The organization's aggregates over `window`.
pub(crate) async fn metrics(
    db: &DatabaseConnection,
    org: OrgId,
    window: &MetricsWindow,
) -> AppResult<PulseMetrics> {
    let scope = Scope::new(
        db.get_database_backend(),
        org,
        window.start,
        window.end,
        window.service.as_deref(),
    );
    let all = Group::All;
    let total = run_sums(db, &scope, all)
        .await?
        .remove("all")
        .unwrap_or_default();
    let latency = percentiles(
        db,
        &scope,
        RUNS,
        "total_latency_ms",
        all,
        &[0.5, 0.95, 0.99],
    )
    .await?;
    let ttft = percentiles(db, &scope, RUNS, "ttft_ms", all, &[0.5, 0.95]).await?;
    Ok(PulseMetrics {
        start_time: window.start,
        end_time: window.end,
        service: window.service.clone(),
        totals: total.totals,
        success_rate: rate(total.totals.successful, total.totals.runs),
        latency_ms: LatencyPercentiles {
            p50: percentile(&latency, "all", 0),
            p95: percentile(&latency, "all", 1),
            p99: percentile(&latency, "all", 2),
        },
        ttft_ms: TtftPercentiles {
            p50: percentile(&ttft, "all", 0),
            p95: percentile(&ttft, "all", 1),
        },
        tokens_in: total.tokens_in,
        tokens_out: total.tokens_out,
        cost_usd_micros: total.cost_usd_micros,
        cost_usd: usd_of(total.cost_usd_micros),
        by_service: by_service(db, &scope).await?,
        by_provider: by_calls(db, &scope, Group::Column("provider")).await?,
        by_model: by_calls(db, &scope, Group::Column("model_id")).await?,
        hourly: hourly(db, &scope, window.start, window.end).await?,
    })
}

async fn by_service(db: &DatabaseConnection, scope: &Scope) -> AppResult<Vec<ServiceMetrics>> {
    let group = Group::Column("service");
    let sums = run_sums(db, scope, group).await?;
    let latency = percentiles(db, scope, RUNS, "total_latency_ms", group, &[0.5, 0.95]).await?;
    let mut services: Vec<ServiceMetrics> = sums
        .into_iter()
        .map(|(service, sums)| ServiceMetrics {
            latency_p50_ms: percentile(&latency, &service, 0),
            latency_p95_ms: percentile(&latency, &service, 1),
            success_rate: rate(sums.totals.successful, sums.totals.runs),
            totals: sums.totals,
            tokens_in: sums.tokens_in,
            tokens_out: sums.tokens_out,
            cost_usd_micros: sums.cost_usd_micros,
            cost_usd: usd_of(sums.cost_usd_micros),
            service,
        })
        .collect();
    services.sort_by(|a, b| {
        b.totals
            .runs
            .cmp(&a.totals.runs)
            .then_with(|| a.service.cmp(&b.service))
    });
    Ok(services)
}

async fn by_calls(
    db: &DatabaseConnection,
    scope: &Scope,
    group: Group,
) -> AppResult<Vec<CallMetrics>> {
    let sums = call_sums(db, scope, group).await?;
    let latency = percentiles(db, scope, CALLS, "latency_ms", group, &[0.5, 0.95]).await?;
    let mut breakdown: Vec<CallMetrics> = sums
        .into_iter()
        .map(|(name, sums): (String, CallSums)| CallMetrics {
            latency_p50_ms: percentile(&latency, &name, 0),
            latency_p95_ms: percentile(&latency, &name, 1),
            calls: sums.calls,
            errors: sums.errors,
            tokens_in: sums.tokens_in,
            tokens_out: sums.tokens_out,
            cost_usd_micros: sums.cost_usd_micros,
            cost_usd: usd_of(sums.cost_usd_micros),
            name,
        })
        .collect();
    breakdown.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.name.cmp(&b.name)));
    Ok(breakdown)
}

async fn hourly(
    db: &DatabaseConnection,
    scope: &Scope,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> AppResult<Vec<HourlyMetrics>> {
    let group = Group::Hour;
    let by_key = |sums: HashMap<String, RunSums>| -> AppResult<HashMap<DateTime<Utc>, RunSums>> {
        sums.into_iter()
            .map(|(key, sums)| Ok((hour_key(&key)?, sums)))
            .collect()
    };
    let sums = by_key(run_sums(db, scope, group).await?)?;
    let mut p95 = HashMap::new();
    for (key, values) in percentiles(db, scope, RUNS, "total_latency_ms", group, &[0.95]).await? {
        p95.insert(hour_key(&key)?, values.first().copied().flatten());
    }
    Ok(hours_between(start, end)
        .into_iter()
        .map(|hour| {
            let found = sums.get(&hour).copied().unwrap_or_default();
            HourlyMetrics {
                hour,
                runs: found.totals.runs,
                failures: found.totals.failed,
                latency_p95_ms: p95.get(&hour).copied().flatten(),
                cost_usd_micros: found.cost_usd_micros,
                cost_usd: usd_of(found.cost_usd_micros),
            }
        })
        .collect())
}

/// An hour bucket's key, as the database wrote it.
fn hour_key(key: &str) -> AppResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(key)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|e| AppError::internal(format!("unreadable hour bucket {key:?}: {e}")))
}

/// The organization's summary over `window`.
pub(crate) async fn stats(
    db: &DatabaseConnection,
    org: OrgId,
    window: &StatsWindow,
) -> AppResult<PulseStats> {
    let scope = Scope::new(
        db.get_database_backend(),
        org,
        window.start,
        window.end,
        None,
    );
    let total = run_sums(db, &scope, Group::All)
        .await?
        .remove("all")
        .unwrap_or_default();
    let dlq_pending = dead_letter_queue::Entity::find()
        .filter(dead_letter_queue::Column::OrgId.eq(org.as_uuid()))
        .filter(dead_letter_queue::Column::Status.eq(DLQ_PENDING))
        .count(db)
        .await
        .map_err(db_error)?;
    Ok(PulseStats {
        hours: window.hours,
        start_time: window.start,
        end_time: window.end,
        total_runs: total.totals.runs,
        successful: total.totals.successful,
        failed: total.totals.failed,
        success_rate: rate(total.totals.successful, total.totals.runs),
        avg_latency_ms: total.avg_latency_ms,
        tokens_in: total.tokens_in,
        tokens_out: total.tokens_out,
        cost_usd_micros: total.cost_usd_micros,
        cost_usd: usd_of(total.cost_usd_micros),
        dlq_pending: i64::try_from(dlq_pending).unwrap_or(i64::MAX),
    })
}
