//! Pulse aggregates: what `GET /pulse/metrics` and `GET /pulse/stats` answer about an
//! organization's pipeline runs and provider calls over a time window, and the query
//! parameters they take.
//!
//! # Percentiles
//! Every percentile here is the *continuous* percentile of PostgreSQL's `percentile_cont`: for
//! `n` ordered values `v[0..n]` and a fraction `p`, the position is `p × (n − 1)`, and the value
//! interpolates linearly between the two values around it. Both backends compute it exactly
//! (see the store's `pulse_metrics` module); a percentile over no values is `null`.
//!
//! Money is summed exactly in micro-USD; `cost_usd` beside it is that sum in dollars.

use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The window of `GET /pulse/metrics` when the client gives no start: the last 24 hours.
pub const METRICS_DEFAULT_HOURS: i64 = 24;
/// The longest window of `GET /pulse/metrics` (30 days of hourly buckets).
pub const METRICS_MAX_HOURS: i64 = 720;
/// The window of `GET /pulse/stats` when the client gives no `hours`.
pub const STATS_DEFAULT_HOURS: i64 = 24;
/// The largest `hours` of `GET /pulse/stats`.
pub const STATS_MAX_HOURS: i64 = 720;

/// Dollars of an exact micro-USD amount.
#[must_use]
#[allow(clippy::cast_precision_loss)] // sums far below 2^53 micro-USD (9 billion dollars)
pub fn usd_of(usd_micros: i64) -> f64 {
    usd_micros as f64 / 1_000_000.0
}

/// `successful / runs`, 0 when there are no runs.
#[must_use]
#[allow(clippy::cast_precision_loss)] // counts of rows
pub fn rate(successful: i64, runs: i64) -> f64 {
    if runs <= 0 {
        0.0
    } else {
        successful as f64 / runs as f64
    }
}

/// The query of `GET /pulse/metrics`, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MetricsParams {
    /// Runs and calls started at or after this instant (RFC 3339); default 24 hours before
    /// `end_time`.
    pub start_time: Option<DateTime<Utc>>,
    /// Runs and calls started at or before this instant (RFC 3339); default now.
    pub end_time: Option<DateTime<Utc>>,
    /// Only runs and calls of this service (`chat`, `script`, …).
    pub service: Option<String>,
}

/// What a metrics answer covers: `[start, end]`, optionally one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsWindow {
    /// Started at or after.
    pub start: DateTime<Utc>,
    /// Started at or before.
    pub end: DateTime<Utc>,
    /// Only this service.
    pub service: Option<String>,
}

impl MetricsParams {
    /// Validates the parameters, filling the defaults from `now`.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` when `end_time` is before `start_time`, or when the window is longer
    /// than [`METRICS_MAX_HOURS`].
    pub fn validate(self, now: DateTime<Utc>) -> AppResult<MetricsWindow> {
        let end = self.end_time.unwrap_or(now);
        let start = self
            .start_time
            .unwrap_or(end - Duration::hours(METRICS_DEFAULT_HOURS));
        if end < start {
            return Err(AppError::invalid_field(
                "end_time",
                "out_of_range",
                "end_time must not be before start_time",
            ));
        }
        if end - start > Duration::hours(METRICS_MAX_HOURS) {
            return Err(AppError::invalid_field(
                "start_time",
                "out_of_range",
                format!("the window must not exceed {METRICS_MAX_HOURS} hours"),
            ));
        }
        let service = self
            .service
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Ok(MetricsWindow {
            start,
            end,
            service,
        })
    }
}

/// The query of `GET /pulse/stats`, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// The last this many hours, 1 to 720 (default 24).
    pub hours: Option<i64>,
}

/// What a stats answer covers: the last `hours` hours before `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatsWindow {
    /// Its length, in hours.
    pub hours: i64,
    /// Started at or after.
    pub start: DateTime<Utc>,
    /// Started at or before.
    pub end: DateTime<Utc>,
}

impl StatsParams {
    /// Validates the parameters; the window ends at `now`.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on `hours` outside 1 to [`STATS_MAX_HOURS`].
    pub fn validate(self, now: DateTime<Utc>) -> AppResult<StatsWindow> {
        let hours = self.hours.unwrap_or(STATS_DEFAULT_HOURS);
        if !(1..=STATS_MAX_HOURS).contains(&hours) {
            return Err(AppError::invalid_fields(vec![FieldError::new(
                "hours",
                "out_of_range",
                format!("hours must be between 1 and {STATS_MAX_HOURS}"),
            )]));
        }
        Ok(StatsWindow {
            hours,
            start: now - Duration::hours(hours),
            end: now,
        })
    }
}

/// Run counts by outcome. `runs` also counts the runs still running.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RunTotals {
    /// Every run in the window.
    pub runs: i64,
    /// Runs that succeeded.
    pub successful: i64,
    /// Runs that failed.
    pub failed: i64,
    /// Runs that were cancelled.
    pub cancelled: i64,
}

/// Latency percentiles, in milliseconds (`null` without values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LatencyPercentiles {
    /// The median.
    pub p50: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
    /// The 99th percentile.
    pub p99: Option<f64>,
}

/// Time-to-first-token percentiles, in milliseconds (`null` without values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TtftPercentiles {
    /// The median.
    pub p50: Option<f64>,
    /// The 95th percentile.
    pub p95: Option<f64>,
}

/// The runs of one service.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceMetrics {
    /// The service.
    pub service: String,
    /// Counts by outcome.
    #[serde(flatten)]
    pub totals: RunTotals,
    /// `successful / runs` (0 without runs).
    pub success_rate: f64,
    /// Median total latency, ms.
    pub latency_p50_ms: Option<f64>,
    /// 95th percentile of total latency, ms.
    pub latency_p95_ms: Option<f64>,
    /// Input tokens.
    pub tokens_in: i64,
    /// Output tokens.
    pub tokens_out: i64,
    /// Exact cost, micro-USD.
    pub cost_usd_micros: i64,
    /// The same cost in dollars.
    pub cost_usd: f64,
}

/// The provider calls of one provider or one model.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CallMetrics {
    /// The provider (`groq`, …) or the model asked for (`unknown` when none was recorded).
    pub name: String,
    /// Calls.
    pub calls: i64,
    /// Calls that failed.
    pub errors: i64,
    /// Input tokens.
    pub tokens_in: i64,
    /// Output tokens.
    pub tokens_out: i64,
    /// Exact cost, micro-USD.
    pub cost_usd_micros: i64,
    /// The same cost in dollars.
    pub cost_usd: f64,
    /// Median latency, ms.
    pub latency_p50_ms: Option<f64>,
    /// 95th percentile of latency, ms.
    pub latency_p95_ms: Option<f64>,
}

/// One hour of the window (every hour is present, empty ones with zeros).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HourlyMetrics {
    /// The start of the hour (UTC).
    pub hour: DateTime<Utc>,
    /// Runs started in the hour.
    pub runs: i64,
    /// Of which failed.
    pub failures: i64,
    /// 95th percentile of total latency, ms.
    pub latency_p95_ms: Option<f64>,
    /// Exact cost, micro-USD.
    pub cost_usd_micros: i64,
    /// The same cost in dollars.
    pub cost_usd: f64,
}

/// The answer of `GET /pulse/metrics`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PulseMetrics {
    /// The window's start.
    pub start_time: DateTime<Utc>,
    /// The window's end.
    pub end_time: DateTime<Utc>,
    /// The service filter, when one was given.
    pub service: Option<String>,
    /// Run counts by outcome.
    pub totals: RunTotals,
    /// `successful / runs` (0 without runs).
    pub success_rate: f64,
    /// Total-latency percentiles of the runs.
    pub latency_ms: LatencyPercentiles,
    /// Time-to-first-token percentiles of the runs.
    pub ttft_ms: TtftPercentiles,
    /// Input tokens of the runs.
    pub tokens_in: i64,
    /// Output tokens of the runs.
    pub tokens_out: i64,
    /// Exact cost of the runs, micro-USD.
    pub cost_usd_micros: i64,
    /// The same cost in dollars.
    pub cost_usd: f64,
    /// Runs by service, busiest first.
    pub by_service: Vec<ServiceMetrics>,
    /// Provider calls by provider, busiest first.
    pub by_provider: Vec<CallMetrics>,
    /// Provider calls by model, busiest first.
    pub by_model: Vec<CallMetrics>,
    /// The window hour by hour, oldest first.
    pub hourly: Vec<HourlyMetrics>,
}

/// The answer of `GET /pulse/stats`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PulseStats {
    /// The window's length, in hours.
    pub hours: i64,
    /// The window's start.
    pub start_time: DateTime<Utc>,
    /// The window's end.
    pub end_time: DateTime<Utc>,
    /// Runs in the window.
    pub total_runs: i64,
    /// Runs that succeeded.
    pub successful: i64,
    /// Runs that failed.
    pub failed: i64,
    /// `successful / total_runs` (0 without runs).
    pub success_rate: f64,
    /// Mean total latency, ms (`null` without values).
    pub avg_latency_ms: Option<f64>,
    /// Input tokens.
    pub tokens_in: i64,
    /// Output tokens.
    pub tokens_out: i64,
    /// Exact cost, micro-USD.
    pub cost_usd_micros: i64,
    /// The same cost in dollars.
    pub cost_usd: f64,
    /// Dead-letter entries of the organization waiting for a decision (status `pending`).
    pub dlq_pending: i64,
}

/// The start of the hour `at` falls in.
#[must_use]
pub fn hour_of(at: DateTime<Utc>) -> DateTime<Utc> {
    let seconds = at.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(3600), 0).unwrap_or(at)
}

/// The starts of every hour that `[start, end]` touches, oldest first.
#[must_use]
pub fn hours_between(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let mut hours = Vec::new();
    let mut hour = hour_of(start);
    while hour <= end {
        hours.push(hour);
        hour += Duration::hours(1);
    }
    hours
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn metrics_default_to_the_last_day_and_refuse_bad_windows() {
        let now = at("2026-12-01T10:30:00Z");
        let window = MetricsParams::default().validate(now).unwrap();
        assert_eq!(
            (window.start, window.end),
            (at("2026-11-30T10:30:00Z"), now)
        );
        let params = MetricsParams {
            start_time: Some(now),
            end_time: Some(now - Duration::seconds(1)),
            service: None,
        };
        assert_eq!(params.validate(now).unwrap_err().code(), "VALIDATION_ERROR");
        let params = MetricsParams {
            start_time: Some(now - Duration::hours(METRICS_MAX_HOURS + 1)),
            ..MetricsParams::default()
        };
        assert!(params.validate(now).is_err());
        let params = MetricsParams {
            service: Some("  ".to_owned()),
            ..MetricsParams::default()
        };
        assert_eq!(params.validate(now).unwrap().service, None);
    }

    #[test]
    fn stats_hours_are_bounded() {
        let now = at("2026-12-01T10:30:00Z");
        let window = StatsParams::default().validate(now).unwrap();
        assert_eq!(
            (window.hours, window.start),
            (24, at("2026-11-30T10:30:00Z"))
        );
        for hours in [0, -1, STATS_MAX_HOURS + 1] {
            let params = StatsParams { hours: Some(hours) };
            assert!(params.validate(now).is_err(), "{hours}");
        }
        let params = StatsParams {
            hours: Some(STATS_MAX_HOURS),
        };
        assert_eq!(params.validate(now).unwrap().hours, STATS_MAX_HOURS);
    }

    #[test]
    fn every_hour_of_a_window_is_listed() {
        let hours = hours_between(at("2026-12-01T10:30:00Z"), at("2026-12-01T12:00:00Z"));
        assert_eq!(
            hours,
            [
                at("2026-12-01T10:00:00Z"),
                at("2026-12-01T11:00:00Z"),
                at("2026-12-01T12:00:00Z")
            ]
        );
        assert_eq!(
            hour_of(at("2026-12-01T10:59:59.9Z")),
            at("2026-12-01T10:00:00Z")
        );
        assert_eq!((rate(1, 4), rate(0, 0)), (0.25, 0.0));
        assert!((usd_of(1_500_000) - 1.5).abs() < f64::EPSILON);
    }
}
