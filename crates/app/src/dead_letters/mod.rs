//! The dead-letter queue's application side (specification §3.3, §9.1): what a failed chat or
//! generation run leaves behind, and how it is run again.
//!
//! * [`recorder`]: the [`DeadLetterRecorder`] both services call when a run fails (never for a
//!   cancelled or guard-blocked run); best effort;
//! * [`replay`]: the [`DeadLetterReplayer`] that runs an entry again as its user (still a
//!   member of its organization), and settles the entry;
//! * [`worker`]: the [`DeadLetterWorker`] that claims due entries and replays them, on any
//!   number of instances;
//! * [`service`]: the [`DeadLetterService`] behind the admins' endpoints.
//!
//! Storage is the domain's [`DeadLetterStore`](hellosales_domain::ports::DeadLetterStore) port.

pub mod recorder;
pub mod replay;
pub mod service;
pub mod worker;

pub use recorder::{DeadLetterRecorder, ReplayInput, ReplayOrigin, error_type};
pub use replay::{DeadLetterReplayer, ReplayOutcome};
pub use service::DeadLetterService;
pub use worker::{DeadLetterWorker, WorkerConfig};

use rand::Rng as _;
use std::time::Duration;

/// How failed runs are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetterConfig {
    /// Replays allowed per entry (`DLQ_MAX_RETRIES`).
    pub max_retries: i32,
    /// The wait before the first replay; each further one waits twice as long
    /// (`DLQ_BACKOFF_BASE_MS`).
    pub backoff_base: Duration,
    /// The longest wait between replays.
    pub backoff_max: Duration,
}

impl Default for DeadLetterConfig {
    fn default() -> Self {
        Self {
            max_retries: 3,
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(60 * 60),
        }
    }
}

impl DeadLetterConfig {
    /// The wait before replay number `attempt + 1` (after `attempt` replays): the base doubled
    /// `attempt` times, at most the maximum, then between half and all of it (jitter, so that
    /// entries that failed together are not replayed together).
    #[must_use]
    pub fn backoff(&self, attempt: i32) -> Duration {
        let exponent = u32::try_from(attempt.clamp(0, 30)).unwrap_or(0);
        let delay = self
            .backoff_base
            .saturating_mul(2_u32.saturating_pow(exponent))
            .min(self.backoff_max);
        if delay.is_zero() {
            return delay;
        }
        let half = delay / 2;
        half + half.mul_f64(rand::rng().random_range(0.0..=1.0))
    }

    /// The time of the replay after `attempt` replays, from now.
    #[must_use]
    pub fn next_retry_at(&self, attempt: i32) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Utc::now();
        chrono::Duration::from_std(self.backoff(attempt))
            .ok()
            .and_then(|wait| now.checked_add_signed(wait))
            .unwrap_or(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_maximum() {
        let config = DeadLetterConfig {
            max_retries: 3,
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(60),
        };
        for (attempt, full) in [(0, 10), (1, 20), (2, 40), (3, 60), (40, 60)] {
            let wait = config.backoff(attempt);
            let full = Duration::from_secs(full);
            assert!(wait >= full / 2 && wait <= full, "{attempt}: {wait:?}");
        }
        let none = DeadLetterConfig {
            backoff_base: Duration::ZERO,
            ..config
        };
        assert_eq!(none.backoff(2), Duration::ZERO);
    }
}
