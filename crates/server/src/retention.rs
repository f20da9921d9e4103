//! The retention job: every `RETENTION_INTERVAL_HOURS` (default 24) it deletes pipeline
//! events and clears provider-call payloads older than `RETENTION_DAYS` (default 30), or than
//! an organization's own `{"retention": {"days": N}}` setting, in batches of
//! `RETENTION_BATCH_SIZE` rows (see [`hellosales_store::Retention`]).
//!
//! An unusable organization setting is logged (a warning, without the settings themselves)
//! and that organization keeps the default. What is removed is logged and counted
//! ([`RETENTION_EVENTS_DELETED_TOTAL`], [`RETENTION_CALLS_CLEARED_TOTAL`]). Any number of
//! instances may run the job: the sweep's statements are idempotent and, on PostgreSQL,
//! skip rows another instance holds.

use crate::config::Config;
use chrono::{DateTime, Utc};
use hellosales_domain::AppResult;
use hellosales_domain::retention::{RetentionReport, cutoffs_at};
use hellosales_store::Store;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Counter: pipeline events deleted by retention.
pub const RETENTION_EVENTS_DELETED_TOTAL: &str = "retention_events_deleted_total";
/// Counter: provider calls whose payloads retention cleared.
pub const RETENTION_CALLS_CLEARED_TOTAL: &str = "retention_calls_cleared_total";

/// How the job runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Days kept by default (`RETENTION_DAYS`).
    pub days: i64,
    /// Time between sweeps (`RETENTION_INTERVAL_HOURS`).
    pub interval: Duration,
    /// Rows per statement (`RETENTION_BATCH_SIZE`).
    pub batch: u64,
}

impl RetentionSettings {
    /// The settings of `config`.
    #[must_use]
    pub fn from_config(config: &Config) -> Self {
        Self {
            days: i64::try_from(config.retention_days).unwrap_or(i64::MAX),
            interval: Duration::from_secs(config.retention_interval_hours.saturating_mul(3600)),
            batch: config.retention_batch_size,
        }
    }
}

/// One sweep as of `now`: reads the organizations' settings, then sweeps.
///
/// # Errors
/// Storage errors (what earlier batches removed stays removed).
pub async fn sweep_once(
    store: &Store,
    settings: RetentionSettings,
    now: DateTime<Utc>,
) -> AppResult<RetentionReport> {
    let retention = store.retention();
    let orgs = retention.org_settings().await?;
    let (cutoffs, rejected) = cutoffs_at(now, settings.days, &orgs);
    for (org, error) in rejected {
        tracing::warn!(
            org_id = %org,
            error = %error,
            default_days = settings.days,
            "unusable retention setting; the organization keeps the default"
        );
    }
    let report = retention.sweep(&cutoffs, settings.batch).await?;
    metrics::counter!(RETENTION_EVENTS_DELETED_TOTAL).increment(report.events_deleted);
    metrics::counter!(RETENTION_CALLS_CLEARED_TOTAL).increment(report.calls_cleared);
    tracing::info!(
        events_deleted = report.events_deleted,
        calls_cleared = report.calls_cleared,
        batches = report.batches,
        organizations_with_own_days = cutoffs.per_org.len(),
        "retention sweep finished"
    );
    Ok(report)
}

/// Sweeps now, then every interval, until `stop` is cancelled (a sweep in progress is
/// abandoned between statements; what it removed stays removed).
pub async fn run(store: Store, settings: RetentionSettings, stop: CancellationToken) {
    let mut ticks = tokio::time::interval(settings.interval.max(Duration::from_secs(60)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticks.tick() => {}
        }
        tokio::select! {
            () = stop.cancelled() => return,
            swept = sweep_once(&store, settings, Utc::now()) => {
                if let Err(error) = swept {
                    tracing::warn!(error = %error, "retention sweep failed; retrying next interval");
                }
            }
        }
    }
}
