//! Retention: how long observability detail is kept. Pipeline events older than the cutoff are
//! deleted; provider calls older than it keep their measures (tokens, latency, cost) but lose
//! their payloads (prompt and output).
//!
//! The cutoff is `RETENTION_DAYS` before now, unless an organization's settings say otherwise:
//! `{"retention": {"days": 7}}` ([`org_retention_days`]).

use crate::ids::OrgId;
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// The most days an organization may ask to keep (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3_650;

/// Why an organization's retention setting was ignored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("retention.days must be a whole number from 1 to {MAX_RETENTION_DAYS}, got {0}")]
pub struct BadRetention(pub String);

/// The organization's own retention, in days, from its settings: `None` when it sets none.
///
/// # Errors
/// [`BadRetention`] when `retention` or `retention.days` is present but not a whole number
/// of days from 1 to [`MAX_RETENTION_DAYS`].
pub fn org_retention_days(settings: &Value) -> Result<Option<i64>, BadRetention> {
    let Some(retention) = settings.get("retention") else {
        return Ok(None);
    };
    if retention.is_null() {
        return Ok(None);
    }
    let Some(days) = retention.get("days") else {
        return Err(BadRetention(retention.to_string()));
    };
    match days.as_i64() {
        Some(days) if (1..=MAX_RETENTION_DAYS).contains(&days) => Ok(Some(days)),
        _ => Err(BadRetention(days.to_string())),
    }
}

/// The instant before which records are swept, `days` before `now`.
#[must_use]
pub fn cutoff(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now - Duration::days(days)
}

/// What one sweep removes: records older than `default`, except for the organizations of
/// `per_org`, whose records older than their own cutoff are removed instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetentionCutoffs {
    /// The cutoff of every organization without its own.
    pub default: DateTime<Utc>,
    /// Organizations with their own cutoff.
    pub per_org: Vec<(OrgId, DateTime<Utc>)>,
}

/// What a sweep removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RetentionReport {
    /// Pipeline events deleted.
    pub events_deleted: u64,
    /// Provider calls whose payloads were cleared.
    pub calls_cleared: u64,
    /// Bounded statements issued (each touching at most one batch of rows).
    pub batches: u64,
}

impl RetentionReport {
    /// The sum of two reports.
    #[must_use]
    pub const fn plus(self, other: Self) -> Self {
        Self {
            events_deleted: self.events_deleted + other.events_deleted,
            calls_cleared: self.calls_cleared + other.calls_cleared,
            batches: self.batches + other.batches,
        }
    }
}

/// The cutoffs at `now`: `default_days` for every organization, except those whose settings
/// (`orgs`) set their own days. A setting that cannot be used is ignored (the organization
/// keeps the default) and returned beside the cutoffs, for the caller to report.
#[must_use]
pub fn cutoffs_at(
    now: DateTime<Utc>,
    default_days: i64,
    orgs: &[(OrgId, Value)],
) -> (RetentionCutoffs, Vec<(OrgId, BadRetention)>) {
    let mut per_org = Vec::new();
    let mut rejected = Vec::new();
    for (org, settings) in orgs {
        match org_retention_days(settings) {
            Ok(Some(days)) => per_org.push((*org, cutoff(now, days))),
            Ok(None) => {}
            Err(bad) => rejected.push((*org, bad)),
        }
    }
    let cutoffs = RetentionCutoffs {
        default: cutoff(now, default_days),
        per_org,
    };
    (cutoffs, rejected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn organizations_may_set_their_own_days() {
        assert_eq!(org_retention_days(&json!({})), Ok(None));
        assert_eq!(org_retention_days(&json!({ "retention": null })), Ok(None));
        assert_eq!(
            org_retention_days(&json!({ "retention": { "days": 7 } })),
            Ok(Some(7))
        );
        for bad in [
            json!({ "retention": { "days": 0 } }),
            json!({ "retention": { "days": -3 } }),
            json!({ "retention": { "days": "7" } }),
            json!({ "retention": { "days": 1.5 } }),
            json!({ "retention": { "days": MAX_RETENTION_DAYS + 1 } }),
            json!({ "retention": 7 }),
        ] {
            assert!(org_retention_days(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reports_add_up() {
        let one = RetentionReport {
            events_deleted: 2,
            calls_cleared: 1,
            batches: 3,
        };
        assert_eq!(one.plus(one).batches, 6);
        let now = Utc::now();
        assert_eq!(cutoff(now, 1), now - Duration::hours(24));
    }

    #[test]
    fn cutoffs_honour_good_overrides_and_report_bad_ones() {
        let now = Utc::now();
        let (short, bad, none) = (OrgId::new(), OrgId::new(), OrgId::new());
        let orgs = [
            (short, json!({ "retention": { "days": 7 } })),
            (bad, json!({ "retention": { "days": "soon" } })),
            (none, json!({ "theme": "dark" })),
        ];
        let (cutoffs, rejected) = cutoffs_at(now, 30, &orgs);
        assert_eq!(cutoffs.default, now - Duration::days(30));
        assert_eq!(cutoffs.per_org, [(short, now - Duration::days(7))]);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].0, bad);
    }
}
