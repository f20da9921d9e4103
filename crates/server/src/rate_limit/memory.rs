//! The in-process backend: one GCRA bucket per key in a bounded cache whose idle entries
//! expire, so memory stays bounded by the active users (an entry idle for a whole period is a
//! full bucket, exactly what a missing entry means). Serves a single instance; with several
//! instances each would keep its own buckets (use Redis there).

use super::budget::{BucketKey, Decision, Quota, gcra};
use super::{BackendError, RateLimiter};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The most buckets kept at once; beyond it the least recently used are forgotten (they start
/// again full).
const MAX_BUCKETS: u64 = 1_000_000;

/// Where the backend reads the time: microseconds since an arbitrary, fixed origin.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Now, in microseconds.
    fn now_micros(&self) -> u64;
}

/// The monotonic clock of the process.
#[derive(Debug)]
pub struct MonotonicClock {
    origin: Instant,
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Clock for MonotonicClock {
    fn now_micros(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_micros()).unwrap_or(u64::MAX)
    }
}

/// A clock that moves only when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock {
    now: AtomicU64,
}

impl ManualClock {
    /// A clock at `start`.
    #[must_use]
    pub fn at(start: Duration) -> Self {
        let clock = Self::default();
        clock.advance(start);
        clock
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let micros = u64::try_from(by.as_micros()).unwrap_or(u64::MAX);
        self.now.fetch_add(micros, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_micros(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }
}

/// In-process buckets. Cheap to clone (shared cache).
#[derive(Clone)]
pub struct MemoryLimiter {
    buckets: moka::future::Cache<BucketKey, Arc<Mutex<u64>>>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for MemoryLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryLimiter")
            .field("buckets", &self.buckets.entry_count())
            .finish_non_exhaustive()
    }
}

impl MemoryLimiter {
    /// Buckets on the process clock, forgotten after `idle` without a request (use the
    /// longest period of the quotas checked).
    #[must_use]
    pub fn new(idle: Duration) -> Self {
        Self::with_clock(idle, Arc::new(MonotonicClock::default()))
    }

    /// Buckets on `clock`.
    #[must_use]
    pub fn with_clock(idle: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            buckets: moka::future::Cache::builder()
                .max_capacity(MAX_BUCKETS)
                .time_to_idle(idle)
                .build(),
            clock,
        }
    }

    /// Checks and spends one token of `key`'s bucket.
    pub async fn spend(&self, key: &BucketKey, quota: Quota) -> Decision {
        let bucket = self
            .buckets
            .get_with(*key, async { Arc::new(Mutex::new(0)) })
            .await;
        let now = self.clock.now_micros();
        let mut tat = bucket.lock().unwrap_or_else(PoisonError::into_inner);
        let (decision, next) = gcra(quota, *tat, now);
        if let Some(next) = next {
            *tat = next;
        }
        decision
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryLimiter {
    async fn check(&self, key: &BucketKey, quota: Quota) -> Result<Decision, BackendError> {
        Ok(self.spend(key, quota).await)
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rate_limit::budget::Budget;
    use hellosales_domain::{OrgId, UserId};

    fn key(budget: Budget, org: OrgId, user: UserId) -> BucketKey {
        BucketKey {
            budget,
            org_id: org,
            user_id: user,
        }
    }

    #[tokio::test]
    async fn buckets_are_per_user_per_budget_and_refill_with_the_clock() {
        let clock = Arc::new(ManualClock::at(Duration::from_secs(1)));
        let limiter = MemoryLimiter::with_clock(Duration::from_secs(60), clock.clone());
        let quota = Quota::per_minute(2).unwrap();
        let (org, alice, bob) = (OrgId::new(), UserId::new(), UserId::new());
        let alice_chat = key(Budget::Chat, org, alice);

        assert!(limiter.spend(&alice_chat, quota).await.allowed);
        assert!(limiter.spend(&alice_chat, quota).await.allowed);
        let refused = limiter.spend(&alice_chat, quota).await;
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_seconds(), 30);

        // Another user, another budget, the same user in another organization: untouched.
        for other in [
            key(Budget::Chat, org, bob),
            key(Budget::Requests, org, alice),
            key(Budget::Chat, OrgId::new(), alice),
        ] {
            let decision = limiter.spend(&other, quota).await;
            assert!(decision.allowed, "{other}");
            assert_eq!(decision.remaining, 1, "{other}");
        }

        clock.advance(Duration::from_secs(30));
        let refilled = limiter.spend(&alice_chat, quota).await;
        assert!(refilled.allowed);
        assert_eq!(refilled.remaining, 0);
        assert!(!limiter.spend(&alice_chat, quota).await.allowed);
    }
}
