//! The budgets, their quotas, and the bucket arithmetic (GCRA) shared by every backend.
//!
//! A quota of `limit` per `period` is a token bucket holding at most `limit` tokens that refills
//! continuously, one token every `period / limit`. It is computed as the generic cell rate
//! algorithm: the bucket is one number, the *theoretical arrival time* (TAT) of the next
//! request; a request is allowed when, after it, the TAT is at most one `period` ahead of now.
//! Times are microseconds on the backend's clock. The Redis script (`redis.rs`) performs the
//! same transition as [`gcra`]; both report their outcome through [`Decision::from_ahead`].

use hellosales_domain::{OrgContext, OrgId, UserId};
use std::fmt;
use std::time::Duration;

/// The window every budget is expressed in.
pub const PERIOD: Duration = Duration::from_secs(60);

/// What a budget counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Authenticated REST requests (`RATE_LIMIT_REQUESTS_PER_MINUTE`).
    Requests,
    /// Chat messages, over WebSocket or HTTP (`RATE_LIMIT_CHAT_PER_MINUTE`).
    Chat,
    /// Script and email generations (`RATE_LIMIT_GENERATIONS_PER_MINUTE`).
    Generations,
}

impl Budget {
    /// The budget's name, in keys, headers and metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Requests => "requests",
            Self::Chat => "chat",
            Self::Generations => "generations",
        }
    }
}

impl fmt::Display for Budget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One caller's bucket of one budget: users are limited per organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BucketKey {
    /// The budget.
    pub budget: Budget,
    /// The caller's organization.
    pub org_id: OrgId,
    /// The caller.
    pub user_id: UserId,
}

impl BucketKey {
    /// The bucket of `caller` for `budget`.
    #[must_use]
    pub const fn new(budget: Budget, caller: &OrgContext) -> Self {
        Self {
            budget,
            org_id: caller.org_id,
            user_id: caller.user_id,
        }
    }
}

impl fmt::Display for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.budget, self.org_id, self.user_id)
    }
}

/// `limit` requests per `period`, with a burst of `limit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Tokens per period, and the bucket's size. Never 0 (a 0 setting disables the budget).
    pub limit: u32,
    /// The period the limit is counted over.
    pub period: Duration,
}

impl Quota {
    /// `limit` per minute; `None` for 0 (the budget is disabled).
    #[must_use]
    pub const fn per_minute(limit: u32) -> Option<Self> {
        if limit == 0 {
            None
        } else {
            Some(Self {
                limit,
                period: PERIOD,
            })
        }
    }

    /// The period, in microseconds (at least 1).
    #[must_use]
    pub fn period_micros(&self) -> u64 {
        u64::try_from(self.period.as_micros())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// The time one token takes to refill, in microseconds (at least 1). Rounded down, so that
    /// `limit` tokens always fit in one period.
    #[must_use]
    pub fn interval_micros(&self) -> u64 {
        (self.period_micros() / u64::from(self.limit.max(1))).max(1)
    }
}

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go ahead (it then spent one token).
    pub allowed: bool,
    /// The quota checked.
    pub quota: Quota,
    /// Tokens left after this request.
    pub remaining: u32,
    /// How long until the bucket is full again.
    pub reset_after: Duration,
    /// When refused: how long until one token is available (zero when allowed).
    pub retry_after: Duration,
}

impl Decision {
    /// The decision for a bucket whose TAT is `ahead_micros` past now once the request is
    /// accounted for (spent when allowed, untouched when refused), `retry_micros` being the
    /// wait before a refused request would be allowed.
    #[must_use]
    pub fn from_ahead(quota: Quota, allowed: bool, ahead_micros: u64, retry_micros: u64) -> Self {
        let period = quota.period_micros();
        let free = period.saturating_sub(ahead_micros) / quota.interval_micros();
        Self {
            allowed,
            quota,
            remaining: u32::try_from(free).unwrap_or(u32::MAX).min(quota.limit),
            reset_after: Duration::from_micros(ahead_micros),
            retry_after: if allowed {
                Duration::ZERO
            } else {
                Duration::from_micros(retry_micros.max(1))
            },
        }
    }

    /// `Retry-After`: whole seconds until a refused request may succeed, rounded up (at least 1
    /// when refused, 0 when allowed).
    #[must_use]
    pub fn retry_after_seconds(&self) -> u64 {
        ceil_seconds(self.retry_after)
    }

    /// `RateLimit-Reset`: whole seconds until the bucket is full, rounded up.
    #[must_use]
    pub fn reset_seconds(&self) -> u64 {
        ceil_seconds(self.reset_after)
    }
}

fn ceil_seconds(duration: Duration) -> u64 {
    let micros = u64::try_from(duration.as_micros()).unwrap_or(u64::MAX);
    micros.div_ceil(1_000_000)
}

/// One request against a bucket whose TAT is `tat` (0 for a bucket never used), at `now`.
/// Answers the decision and, when allowed, the bucket's new TAT.
#[must_use]
pub fn gcra(quota: Quota, tat: u64, now: u64) -> (Decision, Option<u64>) {
    let period = quota.period_micros();
    let base = tat.max(now);
    let next = base.saturating_add(quota.interval_micros());
    let ahead = next - now;
    if ahead > period {
        let retry = ahead - period;
        (Decision::from_ahead(quota, false, base - now, retry), None)
    } else {
        (Decision::from_ahead(quota, true, ahead, 0), Some(next))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const SECOND: u64 = 1_000_000;

    /// Runs `count` requests at `now` on `tat`, answering the decisions and the final TAT.
    fn burst(quota: Quota, mut tat: u64, now: u64, count: usize) -> (Vec<Decision>, u64) {
        let mut decisions = Vec::new();
        for _ in 0..count {
            let (decision, next) = gcra(quota, tat, now);
            if let Some(next) = next {
                tat = next;
            }
            decisions.push(decision);
        }
        (decisions, tat)
    }

    #[test]
    fn a_full_bucket_allows_the_whole_burst_then_refuses() {
        let quota = Quota::per_minute(6).unwrap();
        let now = 100 * SECOND;
        let (decisions, _) = burst(quota, 0, now, 7);
        let remaining: Vec<u32> = decisions.iter().map(|d| d.remaining).collect();
        assert_eq!(remaining, [5, 4, 3, 2, 1, 0, 0]);
        assert!(decisions[..6].iter().all(|d| d.allowed));
        let refused = decisions[6];
        assert!(!refused.allowed);
        // One token per 10 s: the next one is 10 s away; the bucket is full in 60 s.
        assert_eq!(refused.retry_after, Duration::from_secs(10));
        assert_eq!(refused.retry_after_seconds(), 10);
        assert_eq!(refused.reset_seconds(), 60);
        assert_eq!(decisions[0].retry_after_seconds(), 0);
        assert_eq!(decisions[0].reset_seconds(), 10);
    }

    #[test]
    fn tokens_refill_continuously() {
        let quota = Quota::per_minute(6).unwrap();
        let start = 100 * SECOND;
        let (_, tat) = burst(quota, 0, start, 6);
        // 4.5 s later: still nothing, 5.5 s to wait (rounded up to 6 in Retry-After).
        let (refused, none) = gcra(quota, tat, start + 4_500_000);
        assert!(!refused.allowed && none.is_none());
        assert_eq!(refused.retry_after, Duration::from_micros(5_500_000));
        assert_eq!(refused.retry_after_seconds(), 6);
        // 10 s later: exactly one token.
        let (decisions, tat) = burst(quota, tat, start + 10 * SECOND, 2);
        assert!(decisions[0].allowed);
        assert_eq!(decisions[0].remaining, 0);
        assert!(!decisions[1].allowed);
        // 30 s after that: three more.
        let (decisions, _) = burst(quota, tat, start + 40 * SECOND, 4);
        let allowed: Vec<bool> = decisions.iter().map(|d| d.allowed).collect();
        assert_eq!(allowed, [true, true, true, false]);
    }

    #[test]
    fn an_idle_bucket_never_holds_more_than_the_burst() {
        let quota = Quota::per_minute(3).unwrap();
        let (_, tat) = burst(quota, 0, SECOND, 3);
        let (decisions, _) = burst(quota, tat, 3_600 * SECOND, 4);
        let remaining: Vec<u32> = decisions.iter().map(|d| d.remaining).collect();
        assert_eq!(remaining, [2, 1, 0, 0]);
        assert!(!decisions[3].allowed);
    }

    #[test]
    fn a_limit_that_does_not_divide_the_period_keeps_its_burst() {
        let quota = Quota::per_minute(7).unwrap();
        let (decisions, _) = burst(quota, 0, 5 * SECOND, 8);
        assert_eq!(decisions.iter().filter(|d| d.allowed).count(), 7);
        assert_eq!(decisions[6].remaining, 0);
    }

    #[test]
    fn zero_disables_a_budget() {
        assert_eq!(Quota::per_minute(0), None);
        let quota = Quota::per_minute(600).unwrap();
        assert_eq!(quota.interval_micros(), 100_000);
    }
}
