//! [`TimeoutInterceptor`]: bounds each stage attempt.

use std::time::Duration;

use super::Interceptor;
use crate::context::StageContext;
use crate::error::StageError;

/// The timeout of a stage attempt when nothing else is configured.
pub const DEFAULT_STAGE_TIMEOUT: Duration = Duration::from_secs(30);

/// Fails a stage attempt that runs longer than its timeout with a retryable
/// [`StageError::timeout`] (code `STAGE_TIMEOUT`). The stage's future is dropped, which cancels
/// it.
///
/// The timeout is **per attempt**: each attempt the retry interceptor makes gets the full
/// timeout again, so a stage can take up to `max_attempts` timeouts plus the backoff.
///
/// The timeout is the stage's own ([`StageSpec::timeout`](crate::StageSpec::timeout)) or this
/// interceptor's default. Before each attempt the interceptor hands it to
/// [`StageContext::limit_attempt`], and the engine enforces it around the stage call itself
/// (whatever the interceptor's priority): the timer starts when the stage first waits, so a stage
/// that completes without waiting costs no timer and no allocation. The stage can read the limit
/// with [`StageContext::attempt_limit`] to pass it on. Uses Tokio time, so tests can pause the
/// clock.
#[derive(Debug, Clone, Copy)]
pub struct TimeoutInterceptor {
    default: Duration,
}

impl Default for TimeoutInterceptor {
    fn default() -> Self {
        Self::new(DEFAULT_STAGE_TIMEOUT)
    }
}

impl TimeoutInterceptor {
    /// Its priority: the innermost default interceptor, so it bounds each attempt.
    pub const PRIORITY: i32 = 60;

    /// A timeout interceptor whose default is `default`.
    #[must_use]
    pub const fn new(default: Duration) -> Self {
        Self { default }
    }
}

impl Interceptor for TimeoutInterceptor {
    fn name(&self) -> &str {
        "timeout"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn before(&self, ctx: &StageContext) -> Result<(), StageError> {
        ctx.limit_attempt(ctx.timeout_override().unwrap_or(self.default));
        Ok(())
    }
}
