//! [`DeadLetterReplayer`]: runs a claimed dead-letter entry again and settles it.
//!
//! The replay runs as the entry's user in the entry's organization, after checking that the
//! user is still a member there (the role is read afresh); an entry without a user, whose user
//! left, or whose input cannot be read is abandoned. A chat entry re-runs the chat pipeline for
//! the stored user message (the answer is stored under the same `message_id`); a script or
//! email entry re-runs the generation with the stored brief. The replay's own failure updates
//! the entry (next attempt after a backoff, or abandoned once its replays are spent) and never
//! writes a second one.

use super::{DeadLetterConfig, ReplayInput, ReplayOrigin, error_type};
use crate::chat::ChatService;
use crate::generation::GenerationService;
use hellosales_domain::dead_letters::{AttemptFailure, DeadLetter, DeadLetterStatus};
use hellosales_domain::ports::{DeadLetterStore, IdentityRepository};
use hellosales_domain::{AppError, AppResult, OrgContext};
use std::fmt;
use std::sync::Arc;
use tracing::Instrument as _;
use uuid::Uuid;

/// The metric counting replays by outcome.
pub const REPLAYS_TOTAL: &str = "dlq_replays_total";

/// How a replay ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplayOutcome {
    /// It succeeded: the entry is resolved.
    Resolved,
    /// It failed; another replay is scheduled, or an admin may retry.
    Failed,
    /// It failed and the entry is abandoned.
    Abandoned,
    /// The entry was settled or claimed again meanwhile: nothing was written.
    Superseded,
}

impl ReplayOutcome {
    /// Its name (the metric label).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Resolved => "resolved",
            Self::Failed => "failed",
            Self::Abandoned => "abandoned",
            Self::Superseded => "superseded",
        }
    }
}

/// Replays entries with the chat and generation services. Cheap to clone.
#[derive(Clone)]
pub struct DeadLetterReplayer {
    store: Arc<dyn DeadLetterStore>,
    identities: Arc<dyn IdentityRepository>,
    chat: ChatService,
    generation: GenerationService,
    config: DeadLetterConfig,
}

impl fmt::Debug for DeadLetterReplayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetterReplayer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Why a replay did not run or did not succeed.
enum Refusal {
    /// Give up on the entry.
    Abandon(AppError),
    /// This attempt failed.
    Failed(AppError),
}

impl DeadLetterReplayer {
    /// A replayer over the services and stores.
    #[must_use]
    pub fn new(
        store: Arc<dyn DeadLetterStore>,
        identities: Arc<dyn IdentityRepository>,
        chat: ChatService,
        generation: GenerationService,
        config: DeadLetterConfig,
    ) -> Self {
        Self {
            store,
            identities,
            chat,
            generation,
            config,
        }
    }

    /// Replays `entry`, which the caller has claimed, and settles it. Returns the outcome and
    /// the entry as it now is (`None` when superseded).
    ///
    /// # Errors
    /// Only when the entry's new state cannot be written.
    pub async fn replay(
        &self,
        entry: DeadLetter,
    ) -> AppResult<(ReplayOutcome, Option<DeadLetter>)> {
        let span = tracing::info_span!(
            "dlq.replay",
            dead_letter_id = %entry.id,
            org_id = %entry.org_id,
            attempt = entry.retry_count,
            outcome = tracing::field::Empty,
        );
        let result = self.settle(&entry).instrument(span.clone()).await;
        if let Ok((outcome, _)) = &result {
            span.record("outcome", outcome.as_str());
            metrics::counter!(REPLAYS_TOTAL, "outcome" => outcome.as_str()).increment(1);
        }
        result
    }

    async fn settle(&self, entry: &DeadLetter) -> AppResult<(ReplayOutcome, Option<DeadLetter>)> {
        let attempt = entry.attempt();
        match self.run(entry).await {
            Ok(notes) => {
                let updated = self.store.mark_resolved(attempt, &notes).await?;
                let outcome = if updated.is_some() {
                    ReplayOutcome::Resolved
                } else {
                    ReplayOutcome::Superseded
                };
                tracing::info!(outcome = outcome.as_str(), "dead-letter entry replayed");
                Ok((outcome, updated))
            }
            Err(refusal) => {
                let (error, abandon) = match refusal {
                    Refusal::Abandon(error) => (error, true),
                    Refusal::Failed(error) => (error, false),
                };
                let failure = AttemptFailure {
                    error_type: error_type(&error).to_owned(),
                    error_code: error.code().to_owned(),
                    error_message: error.public_message(),
                    next_retry_at: error
                        .retryable()
                        .then(|| self.config.next_retry_at(entry.retry_count)),
                    abandon,
                };
                let updated = self.store.mark_failed_attempt(attempt, &failure).await?;
                let outcome = match &updated {
                    None => ReplayOutcome::Superseded,
                    Some(now) if now.status == DeadLetterStatus::Abandoned => {
                        ReplayOutcome::Abandoned
                    }
                    Some(_) => ReplayOutcome::Failed,
                };
                tracing::warn!(
                    outcome = outcome.as_str(),
                    code = error.code(),
                    "a dead-letter replay failed"
                );
                Ok((outcome, updated))
            }
        }
    }

    /// Runs the entry again; the resolution notes on success.
    async fn run(&self, entry: &DeadLetter) -> Result<String, Refusal> {
        let user = entry.user_id.ok_or_else(|| {
            Refusal::Abandon(AppError::InvalidState {
                message: "the failed run has no user to replay it as".to_owned(),
            })
        })?;
        let me = match self.identities.me(user, entry.org_id).await {
            Ok(me) => me,
            Err(AppError::NotFound { .. }) => {
                return Err(Refusal::Abandon(AppError::InvalidState {
                    message: "the user is no longer a member of the organization".to_owned(),
                }));
            }
            Err(error) => return Err(Refusal::Failed(error)),
        };
        let input: ReplayInput = entry
            .input_data
            .clone()
            .ok_or_else(|| "no input".to_owned())
            .and_then(|input| serde_json::from_value(input).map_err(|e| e.to_string()))
            .map_err(|problem| {
                Refusal::Abandon(AppError::InvalidState {
                    message: format!("the failed run's input cannot be replayed: {problem}"),
                })
            })?;
        let caller = OrgContext {
            user_id: user,
            org_id: entry.org_id,
            role: me.role,
            request_id: format!("dlq-{}-{}", entry.id, entry.retry_count),
        };
        let origin = ReplayOrigin {
            dead_letter_id: entry.id,
            replay_of: entry.pipeline_run_id,
        };
        let runs: Vec<Uuid> = match input {
            ReplayInput::Chat {
                session_id,
                interaction_id,
                message_id,
                content,
            } => vec![
                self.chat
                    .replay_turn(
                        &caller,
                        session_id,
                        interaction_id,
                        &message_id,
                        content,
                        &origin,
                    )
                    .await
                    .map_err(Refusal::Failed)?,
            ],
            ReplayInput::Script { brief } | ReplayInput::Email { brief } => self
                .generation
                .replay(&caller, brief, &origin)
                .await
                .map_err(Refusal::Failed)?,
        };
        let runs: Vec<String> = runs.iter().map(Uuid::to_string).collect();
        Ok(format!("replayed by pipeline run {}", runs.join(", ")))
    }
}
