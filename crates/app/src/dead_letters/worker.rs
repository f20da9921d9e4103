//! [`DeadLetterWorker`]: the background task that replays due dead-letter entries.
//!
//! Every poll interval it claims up to a batch of due entries (across organizations) and
//! replays them one after another. Claims are leased in the database, so any number of
//! workers on any number of instances share the queue and never replay an entry twice; an
//! entry whose worker died is due again when its lease ends. The task stops as soon as its
//! cancellation token is cancelled: a replay it interrupts leaves its entry claimed, due
//! again when the lease ends.

use super::DeadLetterReplayer;
use hellosales_domain::AppResult;
use hellosales_domain::ports::DeadLetterStore;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

/// The worker's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkerConfig {
    /// How often due entries are looked for (`DLQ_POLL_INTERVAL_MS`).
    pub poll_interval: Duration,
    /// The most entries claimed at once (`DLQ_BATCH_SIZE`).
    pub batch_size: u64,
    /// How long a claim keeps other workers off an entry (`DLQ_LEASE_SECONDS`).
    pub lease: Duration,
    /// This worker's name, in the logs.
    pub name: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            batch_size: 10,
            lease: Duration::from_secs(120),
            name: format!("dlq-{}", uuid::Uuid::now_v7()),
        }
    }
}

/// Claims and replays due entries. Cheap to clone.
#[derive(Clone)]
pub struct DeadLetterWorker {
    store: Arc<dyn DeadLetterStore>,
    replayer: DeadLetterReplayer,
    config: WorkerConfig,
}

impl fmt::Debug for DeadLetterWorker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetterWorker")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DeadLetterWorker {
    /// A worker claiming from `store` and replaying with `replayer`.
    #[must_use]
    pub fn new(
        store: Arc<dyn DeadLetterStore>,
        replayer: DeadLetterReplayer,
        config: WorkerConfig,
    ) -> Self {
        Self {
            store,
            replayer,
            config,
        }
    }

    /// Claims one batch of due entries and replays them; returns how many were replayed.
    ///
    /// # Errors
    /// When the claim fails (the database is unreachable). A replay whose outcome cannot be
    /// written is logged and the batch goes on.
    pub async fn run_once(&self) -> AppResult<usize> {
        let span = tracing::debug_span!("dlq.tick", worker = %self.config.name);
        async {
            let batch = self
                .store
                .claim_due(&self.config.name, self.config.batch_size, self.config.lease)
                .await?;
            let claimed = batch.len();
            for entry in batch {
                let id = entry.id;
                if let Err(error) = self.replayer.replay(entry).await {
                    tracing::warn!(dead_letter_id = %id, error = %error, code = error.code(), "the replay's outcome was not recorded");
                }
            }
            Ok(claimed)
        }
        .instrument(span)
        .await
    }

    /// Replays due entries every poll interval until `stop` is cancelled.
    pub async fn run(self, stop: CancellationToken) {
        let mut ticks = tokio::time::interval(self.config.poll_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tracing::info!(worker = %self.config.name, "dead-letter replay worker started");
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = ticks.tick() => {}
            }
            // A full batch suggests more are due: claim again at once.
            loop {
                let replayed = tokio::select! {
                    () = stop.cancelled() => return,
                    replayed = self.run_once() => replayed,
                };
                match replayed {
                    Ok(n) if u64::try_from(n).unwrap_or(0) >= self.config.batch_size => {}
                    Ok(_) => break,
                    Err(error) => {
                        tracing::warn!(error = %error, code = error.code(), "claiming dead-letter entries failed");
                        break;
                    }
                }
            }
        }
        tracing::info!(worker = %self.config.name, "dead-letter replay worker stopped");
    }
}
