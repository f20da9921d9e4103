//! [`RetryInterceptor`]: runs a failed stage again, with exponential backoff and jitter.
//!
//! Only retryable failures are retried: an error whose
//! [`retryable`](crate::StageError::retryable) flag is set (timeouts included) or a
//! [`StageStatus::Retry`](crate::StageStatus::Retry) output. A rejection by an open circuit is
//! never retried within the run, nor is an attempt that failed while its run was being cancelled
//! (a sibling failed or cancelled, or the caller cancelled): no new attempt, no event. Emits
//! `stage.retry_scheduled` before each new attempt and `stage.retry_exhausted` when the last
//! allowed attempt failed.

use std::time::Duration;

use rand::Rng;
use serde_json::json;

use super::{ErrorAction, Interceptor};
use crate::context::StageContext;
use crate::error::{StageError, StageErrorKind};
use crate::events::names;

/// The retry policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    /// Attempts in total, the first included (1 disables retries). A stage can override it with
    /// [`StageSpec::max_attempts`](crate::StageSpec::max_attempts).
    pub max_attempts: u32,
    /// The delay before the second attempt.
    pub base_delay: Duration,
    /// The largest delay.
    pub max_delay: Duration,
    /// How much the delay grows after each attempt.
    pub multiplier: f64,
    /// Whether to randomize each delay between half and all of its value (so that many runs
    /// failing together do not retry together).
    pub jitter: bool,
}

impl Default for RetryConfig {
    /// 3 attempts, 200 ms then 400 ms (± jitter), at most 10 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            multiplier: 2.0,
            jitter: true,
        }
    }
}

impl RetryConfig {
    /// The delay after failed attempt number `attempt` (from 1), before jitter.
    #[must_use]
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exponent = i32::try_from(attempt.saturating_sub(1)).unwrap_or(i32::MAX);
        let factor = self.multiplier.max(1.0).powi(exponent);
        let delay = self.base_delay.as_secs_f64() * factor;
        if delay.is_finite() && delay < self.max_delay.as_secs_f64() {
            Duration::from_secs_f64(delay)
        } else {
            self.max_delay
        }
    }

    /// The delay after failed attempt number `attempt` (from 1), with jitter when enabled:
    /// between half and all of [`backoff`](Self::backoff).
    #[must_use]
    pub fn delay(&self, attempt: u32) -> Duration {
        let delay = self.backoff(attempt);
        if !self.jitter || delay.is_zero() {
            return delay;
        }
        let half = delay / 2;
        let extra = rand::rng().random_range(0.0..=1.0);
        half + half.mul_f64(extra)
    }
}

/// Retries retryable failures up to `max_attempts` attempts.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryInterceptor {
    config: RetryConfig,
}

impl RetryInterceptor {
    /// Its priority: outside the circuit breaker and the timeout, inside tracing, metrics and
    /// logging.
    pub const PRIORITY: i32 = 40;

    /// A retry interceptor following `config`.
    #[must_use]
    pub const fn new(config: RetryConfig) -> Self {
        Self { config }
    }
}

impl Interceptor for RetryInterceptor {
    fn name(&self) -> &str {
        "retry"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn on_error(&self, ctx: &StageContext, error: &StageError, attempt: u32) -> ErrorAction {
        if ctx.run_is_stopping() {
            // The attempt ended because the run is stopping: nothing to retry, nothing to report.
            return ErrorAction::Fail;
        }
        if !error.retryable() || matches!(error.kind(), StageErrorKind::CircuitOpen(_)) {
            return ErrorAction::Fail;
        }
        let max_attempts = ctx
            .max_attempts_override()
            .unwrap_or(self.config.max_attempts)
            .max(1);
        if attempt >= max_attempts {
            if max_attempts > 1 {
                ctx.emit_event(
                    names::STAGE_RETRY_EXHAUSTED,
                    json!({
                        "attempts": attempt,
                        "max_attempts": max_attempts,
                        "error": error.message(),
                        "error_code": error.code(),
                    }),
                );
            }
            return ErrorAction::Fail;
        }
        let delay = self.config.delay(attempt);
        ctx.emit_event(
            names::STAGE_RETRY_SCHEDULED,
            json!({
                "attempt": attempt,
                "next_attempt": attempt + 1,
                "max_attempts": max_attempts,
                "delay_ms": u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "error": error.message(),
                "error_code": error.code(),
            }),
        );
        ErrorAction::Retry { delay }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_up_to_the_cap() {
        let config = RetryConfig {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            multiplier: 2.0,
            jitter: false,
        };
        let delays: Vec<_> = (1..=4).map(|n| config.delay(n).as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        assert_eq!(config.backoff(u32::MAX), Duration::from_millis(350));
    }

    #[test]
    fn jitter_stays_between_half_and_all_of_the_delay() {
        let config = RetryConfig {
            base_delay: Duration::from_millis(100),
            ..RetryConfig::default()
        };
        for _ in 0..100 {
            let delay = config.delay(2);
            assert!(delay >= Duration::from_millis(100) && delay <= Duration::from_millis(200));
        }
    }
}
