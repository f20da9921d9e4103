//! How [`LlmRoutes`](crate::LlmRoutes) guards each provider call, and what it tells its caller
//! about it.
//!
//! * A **circuit breaker per provider and model** (key `provider:model`, the registry shared with
//!   the pipelines): failures that say something about the provider (timeouts, rate limits,
//!   server errors, broken streams) count; a breaker that opens refuses calls at once with
//!   `PROVIDER_CIRCUIT_OPEN`, and the router goes to the next route when there is one.
//! * **Retries** of a retryable refusal, before any content was streamed, with exponential
//!   backoff and jitter; a rate limit waits at least the provider's `Retry-After`, and one that
//!   asks for longer than the policy's largest delay is not waited for. Each attempt is its own
//!   `provider_calls` row (the recording wrapper sees each one).
//! * [`RouteNotice`]s for each retry, fallback and breaker change, sent to a [`RouteObserver`]:
//!   a pipeline stage turns them into its run's events.

use hellosales_domain::AppError;
use hellosales_domain::error::ProviderFailure;
use stageflow::interceptors::{CircuitBreakers, RetryConfig};
use std::sync::Arc;
use std::time::Duration;

/// The protection of every route.
#[derive(Clone, Debug)]
pub struct RoutePolicy {
    /// The breakers, keyed `provider:model`; `None` disables circuit breaking.
    pub breakers: Option<Arc<CircuitBreakers>>,
    /// Attempts per route and the backoff between them (`max_attempts: 1` disables retries).
    pub retry: RetryConfig,
}

impl Default for RoutePolicy {
    /// No breaker, no retry: each route is asked once.
    fn default() -> Self {
        Self {
            breakers: None,
            retry: RetryConfig {
                max_attempts: 1,
                ..RetryConfig::default()
            },
        }
    }
}

impl RoutePolicy {
    /// The wait before attempt `attempt + 1` after `error`, or `None` when the error asks for
    /// longer than the policy's largest delay (then the next route, or the error, is better
    /// than waiting).
    pub(crate) fn wait_after(&self, attempt: u32, error: &AppError) -> Option<Duration> {
        let backoff = self.retry.delay(attempt);
        match error.retry_after_seconds().map(Duration::from_secs) {
            Some(asked) if asked > self.retry.max_delay => None,
            Some(asked) => Some(asked.max(backoff)),
            None => Some(backoff),
        }
    }
}

/// The breaker key of a provider and model.
#[must_use]
pub fn breaker_key(provider: &str, model: &str) -> String {
    format!("{provider}:{model}")
}

/// Whether `error` says something about the provider's health (and so counts toward its
/// breaker): a timeout, a rate limit, a server error or a broken stream. A request the
/// provider rightly refused (bad request, bad key) or a local capacity limit does not.
pub(crate) fn counts_against_provider(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Provider {
            failure: ProviderFailure::Timeout
                | ProviderFailure::RateLimited { .. }
                | ProviderFailure::ServerError
                | ProviderFailure::MalformedStream,
            ..
        }
    )
}

/// Something the router did that its caller may want to record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteNotice<'a> {
    /// A retryable refusal; the same route is asked again after `delay`.
    RetryScheduled {
        /// The provider.
        provider: &'a str,
        /// The model asked.
        model: &'a str,
        /// The attempt that failed (from 1).
        attempt: u32,
        /// The wait before the next one.
        delay: Duration,
        /// The failure's code.
        error_code: &'a str,
    },
    /// The route failed; the next one is asked.
    FellBack {
        /// The provider that failed.
        from_provider: &'a str,
        /// Its model.
        from_model: &'a str,
        /// The provider asked next.
        to_provider: &'a str,
        /// Its model.
        to_model: &'a str,
        /// Why.
        error_code: &'a str,
    },
    /// A breaker opened.
    CircuitOpened {
        /// Its key (`provider:model`).
        key: &'a str,
        /// The failures that opened it.
        failures: usize,
        /// How long it refuses calls.
        open_for: Duration,
    },
    /// A probe succeeded: the breaker closed.
    CircuitClosed {
        /// Its key.
        key: &'a str,
    },
    /// An open breaker refused the call without asking the provider.
    CircuitRejected {
        /// Its key.
        key: &'a str,
        /// When it lets a probe through.
        retry_after: Duration,
    },
}

/// Receives the router's notices (synchronously, on the calling task).
pub trait RouteObserver: Send + Sync {
    /// One notice.
    fn notice(&self, notice: RouteNotice<'_>);
}

/// An observer that ignores every notice (the router logs them anyway).
#[derive(Clone, Copy, Debug, Default)]
pub struct IgnoreNotices;

impl RouteObserver for IgnoreNotices {
    fn notice(&self, _notice: RouteNotice<'_>) {}
}

/// The error of a call an open breaker refused.
pub(crate) fn circuit_open_error(provider: &str, model: &str, retry_after: Duration) -> AppError {
    AppError::Provider {
        provider: provider.to_owned(),
        operation: "llm".to_owned(),
        failure: ProviderFailure::CircuitOpen,
        message: format!(
            "{provider} ({model}) failed repeatedly; calls are refused for the next {} s",
            retry_after.as_secs().max(1)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RoutePolicy {
        RoutePolicy {
            breakers: None,
            retry: RetryConfig {
                max_attempts: 3,
                base_delay: Duration::from_millis(100),
                max_delay: Duration::from_secs(5),
                multiplier: 2.0,
                jitter: false,
            },
        }
    }

    fn provider_error(failure: ProviderFailure) -> AppError {
        AppError::Provider {
            provider: "groq".to_owned(),
            operation: "llm".to_owned(),
            failure,
            message: "refused".to_owned(),
        }
    }

    #[test]
    fn a_server_error_waits_the_backoff() {
        let error = provider_error(ProviderFailure::ServerError);
        assert_eq!(
            policy().wait_after(1, &error),
            Some(Duration::from_millis(100))
        );
        assert_eq!(
            policy().wait_after(2, &error),
            Some(Duration::from_millis(200))
        );
    }

    #[test]
    fn a_rate_limit_waits_at_least_its_retry_after_and_never_beyond_the_cap() {
        let limited = |seconds| {
            provider_error(ProviderFailure::RateLimited {
                retry_after_seconds: seconds,
            })
        };
        assert_eq!(
            policy().wait_after(1, &limited(2)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            policy().wait_after(1, &limited(5)),
            Some(Duration::from_secs(5))
        );
        assert_eq!(policy().wait_after(1, &limited(6)), None);
    }

    #[test]
    fn only_failures_of_the_provider_count_against_it() {
        for failure in [
            ProviderFailure::Timeout,
            ProviderFailure::ServerError,
            ProviderFailure::MalformedStream,
            ProviderFailure::RateLimited {
                retry_after_seconds: 1,
            },
        ] {
            assert!(counts_against_provider(&provider_error(failure)));
        }
        for failure in [
            ProviderFailure::BadRequest,
            ProviderFailure::Authentication,
            ProviderFailure::Busy,
            ProviderFailure::CircuitOpen,
        ] {
            assert!(!counts_against_provider(&provider_error(failure)));
        }
        assert!(!counts_against_provider(&AppError::internal("bug")));
    }
}
