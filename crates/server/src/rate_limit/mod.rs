//! Per-user rate limits: a token bucket per organization, user and budget.
//!
//! Three budgets ([`Budget`]), each `N` per minute with a burst of `N`, refilling continuously:
//! authenticated REST requests (`RATE_LIMIT_REQUESTS_PER_MINUTE`, default 600), chat messages
//! (`RATE_LIMIT_CHAT_PER_MINUTE`, 30) and generations (`RATE_LIMIT_GENERATIONS_PER_MINUTE`, 10).
//! A budget set to 0 is not limited.
//!
//! - [`middleware::limit_requests`] spends the REST budget of every authenticated `/api`
//!   request and adds the `RateLimit-*` headers to its response ([`headers`]); unauthenticated
//!   requests (health, docs, the OpenAPI document, a bad token) are not counted.
//! - [`ChatBudget`] and [`GenerationBudget`] are extractors that spend the chat and generation
//!   budgets of the HTTP chat and generation endpoints before their handlers run; the WebSocket
//!   connection calls [`RateLimits::spend`] itself before a `chat` or `generate.*` frame starts
//!   anything. Over the limit: `429 RATE_LIMITED` with `Retry-After` (or an `error` frame).
//!
//! Backends ([`RateLimiter`]): in-process buckets ([`memory`]) by default; Redis ([`redis`])
//! when `REDIS_URL` is set, so that every instance shares the buckets.
//!
//! **When Redis fails** (unreachable, slower than [`redis::CHECK_TIMEOUT`], a script error) the
//! request is still served, never answered 500: the error is counted in
//! `rate_limit_backend_errors_total`, logged (`warn` when an outage starts, `debug` while it
//! lasts), and the check is answered by this instance's in-process buckets, so users stay
//! limited per instance until Redis answers again. After a failure Redis is left alone for
//! [`BACKEND_RETRY_INTERVAL`], so that an outage does not add a timeout to every request.

pub mod budget;
pub mod headers;
pub mod memory;
pub mod middleware;
pub mod redis;

pub use budget::{BucketKey, Budget, Decision, Quota};
pub use memory::MemoryLimiter;
pub use middleware::{ChatBudget, GenerationBudget, limit_requests};
pub use redis::RedisLimiter;

use crate::config::Config;
use crate::telemetry::prometheus::{RATE_LIMIT_BACKEND_ERRORS_TOTAL, RATE_LIMIT_REJECTIONS_TOTAL};
use hellosales_domain::{AppError, OrgContext};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a failed shared backend is skipped before it is asked again.
pub const BACKEND_RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Where buckets live.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Checks `key`'s bucket against `quota`, spending one token when allowed.
    ///
    /// # Errors
    /// The backend cannot answer (a remote store that is unreachable or too slow).
    async fn check(&self, key: &BucketKey, quota: Quota) -> Result<Decision, BackendError>;

    /// The backend's name, in logs and metrics.
    fn name(&self) -> &'static str;
}

/// A backend that could not answer. Its message names the failure's kind, never a URL or a
/// password.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BackendError(String);

impl BackendError {
    /// An error described by `message`.
    #[must_use]
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }

    /// A Redis error, by its kind (its text may repeat the address).
    #[must_use]
    pub fn redis(error: &::redis::RedisError) -> Self {
        Self(format!("redis: {:?}", error.kind()))
    }
}

/// The quota of each budget; `None` is unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// Authenticated REST requests.
    pub requests: Option<Quota>,
    /// Chat messages.
    pub chat: Option<Quota>,
    /// Generations.
    pub generations: Option<Quota>,
}

impl Quotas {
    /// The quotas of the `RATE_LIMIT_*_PER_MINUTE` settings.
    #[must_use]
    pub const fn from_config(config: &Config) -> Self {
        Self {
            requests: Quota::per_minute(config.rate_limit_requests_per_minute),
            chat: Quota::per_minute(config.rate_limit_chat_per_minute),
            generations: Quota::per_minute(config.rate_limit_generations_per_minute),
        }
    }

    /// The quota of `budget`.
    #[must_use]
    pub const fn of(&self, budget: Budget) -> Option<Quota> {
        match budget {
            Budget::Requests => self.requests,
            Budget::Chat => self.chat,
            Budget::Generations => self.generations,
        }
    }
}

/// A request over its budget.
#[derive(Clone, Copy, Debug)]
pub struct Limited {
    /// The budget spent.
    pub budget: Budget,
    /// The refusal, with its limit and wait.
    pub decision: Decision,
}

impl Limited {
    /// The error reported: `RATE_LIMITED`, retryable, with the seconds to wait.
    #[must_use]
    pub fn error(&self) -> AppError {
        AppError::RateLimited {
            retry_after_seconds: self.decision.retry_after_seconds().max(1),
        }
    }
}

/// The rate limits of the server: quotas and the backend. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RateLimits {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    quotas: Quotas,
    backend: Arc<dyn RateLimiter>,
    /// Answers when a shared backend fails (`None` when the backend is in-process).
    fallback: Option<MemoryLimiter>,
    /// While set and in the future, the backend is skipped.
    skip_backend_until: Mutex<Option<Instant>>,
    /// Whether the backend failed last time (to log the start of an outage once).
    failing: AtomicBool,
}

impl RateLimits {
    /// `quotas` checked on `backend`; `fallback` answers when the backend fails (without one,
    /// a failing backend lets requests through).
    #[must_use]
    pub fn new(
        quotas: Quotas,
        backend: Arc<dyn RateLimiter>,
        fallback: Option<MemoryLimiter>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                quotas,
                backend,
                fallback,
                skip_backend_until: Mutex::new(None),
                failing: AtomicBool::new(false),
            }),
        }
    }

    /// In-process buckets only.
    #[must_use]
    pub fn in_memory(quotas: Quotas) -> Self {
        Self::new(quotas, Arc::new(MemoryLimiter::new(budget::PERIOD)), None)
    }

    /// The limits of `config`: in Redis (with an in-process fallback) when a client is given,
    /// in process otherwise.
    #[must_use]
    pub fn from_config(config: &Config, redis: Option<&::redis::Client>) -> Self {
        let quotas = Quotas::from_config(config);
        match redis {
            Some(client) => Self::new(
                quotas,
                Arc::new(RedisLimiter::new(
                    client.clone(),
                    config.rate_limit_redis_prefix.clone(),
                )),
                Some(MemoryLimiter::new(budget::PERIOD)),
            ),
            None => Self::in_memory(quotas),
        }
    }

    /// The quota of `budget` (`None`: not limited).
    #[must_use]
    pub fn quota(&self, budget: Budget) -> Option<Quota> {
        self.inner.quotas.of(budget)
    }

    /// Spends one token of `caller`'s `budget`: the decision (with what is left), `None` when
    /// the budget is not limited (or cannot be checked at all).
    ///
    /// # Errors
    /// [`Limited`] when the bucket is empty.
    pub async fn spend(
        &self,
        budget: Budget,
        caller: &OrgContext,
    ) -> Result<Option<Decision>, Limited> {
        let Some(quota) = self.quota(budget) else {
            return Ok(None);
        };
        let key = BucketKey::new(budget, caller);
        let decision = self.check(&key, quota).await;
        match decision {
            Some(decision) if !decision.allowed => {
                metrics::counter!(RATE_LIMIT_REJECTIONS_TOTAL, "budget" => budget.as_str())
                    .increment(1);
                Err(Limited { budget, decision })
            }
            other => Ok(other),
        }
    }

    async fn check(&self, key: &BucketKey, quota: Quota) -> Option<Decision> {
        let inner = &self.inner;
        if !self.backend_skipped() {
            match inner.backend.check(key, quota).await {
                Ok(decision) => {
                    if inner.failing.swap(false, Ordering::Relaxed) {
                        tracing::info!(
                            backend = inner.backend.name(),
                            "the rate-limit backend answers again"
                        );
                    }
                    return Some(decision);
                }
                Err(error) => self.backend_failed(&error),
            }
        }
        match &inner.fallback {
            Some(fallback) => Some(fallback.spend(key, quota).await),
            None => None,
        }
    }

    fn backend_skipped(&self) -> bool {
        let mut until = self
            .inner
            .skip_backend_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match *until {
            Some(deadline) if Instant::now() < deadline => true,
            Some(_) => {
                *until = None;
                false
            }
            None => false,
        }
    }

    fn backend_failed(&self, error: &BackendError) {
        let inner = &self.inner;
        let backend = inner.backend.name();
        metrics::counter!(RATE_LIMIT_BACKEND_ERRORS_TOTAL, "backend" => backend).increment(1);
        if inner.failing.swap(true, Ordering::Relaxed) {
            tracing::debug!(backend, error = %error, "the rate-limit backend still fails");
        } else {
            tracing::warn!(
                backend,
                error = %error,
                "the rate-limit backend failed; limiting in process until it answers"
            );
        }
        *inner
            .skip_backend_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Instant::now().checked_add(BACKEND_RETRY_INTERVAL);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use hellosales_domain::{OrgId, Role, UserId};

    /// A backend that always fails.
    #[derive(Debug)]
    struct Broken;

    #[async_trait::async_trait]
    impl RateLimiter for Broken {
        async fn check(&self, _: &BucketKey, _: Quota) -> Result<Decision, BackendError> {
            Err(BackendError::new("broken"))
        }
        fn name(&self) -> &'static str {
            "broken"
        }
    }

    fn caller() -> OrgContext {
        OrgContext {
            user_id: UserId::new(),
            org_id: OrgId::new(),
            role: Role::Member,
            request_id: "r".to_owned(),
        }
    }

    fn quotas(chat: u32) -> Quotas {
        Quotas {
            requests: None,
            chat: Quota::per_minute(chat),
            generations: None,
        }
    }

    #[tokio::test]
    async fn a_spent_budget_is_refused_with_its_wait() {
        let limits = RateLimits::in_memory(quotas(1));
        let caller = caller();
        let first = limits.spend(Budget::Chat, &caller).await.unwrap().unwrap();
        assert_eq!(first.remaining, 0);
        let limited = limits.spend(Budget::Chat, &caller).await.unwrap_err();
        assert_eq!(limited.budget, Budget::Chat);
        let error = limited.error();
        assert_eq!(error.code(), "RATE_LIMITED");
        assert!(error.retryable());
        assert_eq!(error.retry_after_seconds(), Some(60));
        // Disabled budgets are never refused.
        for _ in 0..3 {
            assert!(
                limits
                    .spend(Budget::Requests, &caller)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }

    #[tokio::test]
    async fn a_failing_backend_falls_back_to_the_process_or_lets_through() {
        let caller = caller();
        let with_fallback = RateLimits::new(
            quotas(1),
            Arc::new(Broken),
            Some(MemoryLimiter::new(budget::PERIOD)),
        );
        assert!(with_fallback.spend(Budget::Chat, &caller).await.is_ok());
        assert!(with_fallback.spend(Budget::Chat, &caller).await.is_err());

        let without = RateLimits::new(quotas(1), Arc::new(Broken), None);
        for _ in 0..3 {
            assert!(
                without
                    .spend(Budget::Chat, &caller)
                    .await
                    .unwrap()
                    .is_none()
            );
        }
    }
}
