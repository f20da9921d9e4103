//! [`DeadLetterRecorder`]: writes the dead-letter entry of a failed run.
//!
//! Called by the chat and generation services with the run's snapshot, the engine's error and
//! the client's error. Nothing is written for a run that was cancelled (by the user or a
//! stage) or blocked by a guard: those are outcomes, not failures. A retryable failure is
//! scheduled for a replay after the first backoff; any other waits for an admin's retry.
//! Writing is best effort: a failure to write is logged at `warn` and the caller still answers
//! its typed error.

use super::DeadLetterConfig;
use crate::generation::Brief;
use hellosales_domain::dead_letters::NewDeadLetter;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::DeadLetterStore;
use hellosales_domain::{AppError, InteractionId, OrgId, SessionId, UserId};
use serde::{Deserialize, Serialize};
use stageflow::{ContextSnapshot, PipelineError, StageErrorKind};
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

/// What a replay needs, stored as the entry's `input_data`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "service", rename_all = "snake_case")]
pub enum ReplayInput {
    /// A chat turn: the stored user message, answered again under its `message_id`.
    Chat {
        /// The session.
        session_id: SessionId,
        /// The stored user message.
        interaction_id: InteractionId,
        /// The client's message id (the answer is stored under it).
        message_id: String,
        /// The user's text.
        content: String,
    },
    /// A script generation (the variants not yet written).
    Script {
        /// The request.
        brief: Brief,
    },
    /// An email generation (the variants not yet written).
    Email {
        /// The request.
        brief: Brief,
    },
}

impl ReplayInput {
    /// The service that replays it: `chat`, `script` or `email`.
    #[must_use]
    pub const fn service(&self) -> &'static str {
        match self {
            Self::Chat { .. } => "chat",
            Self::Script { .. } => "script",
            Self::Email { .. } => "email",
        }
    }
}

/// A run that replays a dead-letter entry: its run metadata names both, and its failure
/// updates the entry instead of writing a new one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplayOrigin {
    /// The entry.
    pub dead_letter_id: Uuid,
    /// The run that failed first.
    pub replay_of: Option<Uuid>,
}

impl ReplayOrigin {
    /// Adds `replay_of` and `dead_letter_id` to a run's metadata object.
    pub fn annotate(origin: Option<&Self>, metadata: &mut serde_json::Value) {
        if let (Some(origin), Some(object)) = (origin, metadata.as_object_mut()) {
            object.insert(
                "dead_letter_id".to_owned(),
                origin.dead_letter_id.to_string().into(),
            );
            object.insert(
                "replay_of".to_owned(),
                origin.replay_of.map(|id| id.to_string()).into(),
            );
        }
    }
}

/// The kind of failure an error is: `timeout`, `provider`, `invalid_output`, `stage` or
/// `pipeline`.
#[must_use]
pub fn error_type(error: &AppError) -> &'static str {
    match error {
        AppError::Provider {
            failure: ProviderFailure::Timeout,
            ..
        } => "timeout",
        AppError::Provider { .. } => "provider",
        AppError::GenerationInvalidOutput { .. } => "invalid_output",
        AppError::StageFailed { message, .. } if message.contains("timed out") => "timeout",
        AppError::StageFailed { .. } => "stage",
        _ => "pipeline",
    }
}

/// Writes failed runs to the dead-letter queue. Cheap to clone.
#[derive(Clone)]
pub struct DeadLetterRecorder {
    store: Arc<dyn DeadLetterStore>,
    config: DeadLetterConfig,
}

impl fmt::Debug for DeadLetterRecorder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetterRecorder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DeadLetterRecorder {
    /// A recorder writing to `store`.
    #[must_use]
    pub fn new(store: Arc<dyn DeadLetterStore>, config: DeadLetterConfig) -> Self {
        Self { store, config }
    }

    /// The retry settings.
    #[must_use]
    pub const fn config(&self) -> &DeadLetterConfig {
        &self.config
    }

    /// Records the failure of the run of `snapshot` (see the module documentation for what is
    /// skipped). `client` is the error the caller answers; `input` what a replay needs.
    pub async fn record_failure(
        &self,
        snapshot: &ContextSnapshot,
        failure: &PipelineError,
        client: &AppError,
        input: &ReplayInput,
    ) {
        if matches!(failure, PipelineError::Cancelled(_))
            || matches!(
                client,
                AppError::GuardBlocked { .. } | AppError::PipelineCancelled { .. }
            )
        {
            return;
        }
        let Some(org) = snapshot.org_id else {
            return;
        };
        let failed_stage = match failure {
            PipelineError::StageFailed { stage, .. } => Some(stage.clone()),
            _ => None,
        };
        let (snapshot_json, input_json) = match (
            serde_json::to_value(snapshot),
            serde_json::to_value(input),
        ) {
            (Ok(snapshot), Ok(input)) => (snapshot, input),
            (Err(error), _) | (_, Err(error)) => {
                tracing::warn!(error = %error, "a failed run could not be serialised for the dead-letter queue");
                return;
            }
        };
        let kind = match failure {
            PipelineError::StageFailed { error, .. }
                if matches!(error.kind(), StageErrorKind::Timeout { .. }) =>
            {
                "timeout"
            }
            _ => error_type(client),
        };
        let entry = NewDeadLetter {
            pipeline_run_id: Some(snapshot.pipeline_run_id),
            error_type: kind.to_owned(),
            error_code: Some(client.code().to_owned()),
            error_message: Some(client.public_message()),
            failed_stage,
            context_snapshot: snapshot_json,
            input_data: Some(input_json),
            request_id: snapshot.request_id.clone(),
            session_id: snapshot.session_id.map(SessionId),
            user_id: snapshot.user_id.map(UserId),
            org_id: OrgId(org),
            max_retries: self.config.max_retries,
            next_retry_at: client.retryable().then(|| self.config.next_retry_at(0)),
        };
        match self.store.record(&entry).await {
            Ok(stored) => tracing::info!(
                dead_letter_id = %stored.id,
                pipeline_run_id = %snapshot.pipeline_run_id,
                error_code = client.code(),
                service = input.service(),
                "the failed run was written to the dead-letter queue"
            ),
            Err(error) => tracing::warn!(
                pipeline_run_id = %snapshot.pipeline_run_id,
                error = %error,
                code = error.code(),
                "the failed run could not be written to the dead-letter queue"
            ),
        }
    }
}
