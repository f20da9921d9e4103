//! The stages of the `chat` pipeline (specification §4.3), each in the file of its kind:
//!
//! * [`guards`]: `input_guard` (cancels the run on a blocked message; passes a redacted one
//!   on) and `output_guard` (replaces an unsafe answer);
//! * [`enrich`]: `profile_enrich` (the user, the organization, the company profile) and
//!   `summary_enrich` (the latest summary and the dialogue after its cutoff);
//! * [`llm`]: streams the model's answer to the caller, token by token;
//! * [`persist`]: stores the assistant's message and the run's cost in the session.
//!
//! What a run is about travels in its [`ContextSnapshot`](stageflow::ContextSnapshot): the
//! tenant and session ids, the user's text, and the metadata keys of this module (the message
//! id, the user message's sequence number). Everything else the stages read themselves. Data
//! passed between stages uses the key constants below.

pub mod enrich;
pub mod guards;
pub mod llm;
pub mod persist;

use hellosales_domain::{AppError, OrgId, SessionId, UserId};
use stageflow::{StageContext, StageError, codes};
use std::sync::Arc;

/// The name of the input guard stage.
pub const INPUT_GUARD: &str = "input_guard";
/// The name of the profile enrichment stage.
pub const PROFILE_ENRICH: &str = "profile_enrich";
/// The name of the summary enrichment stage.
pub const SUMMARY_ENRICH: &str = "summary_enrich";
/// The name of the LLM stage.
pub const LLM: &str = "llm";
/// The name of the output guard stage.
pub const OUTPUT_GUARD: &str = "output_guard";
/// The name of the persistence stage.
pub const PERSIST: &str = "persist";

/// Snapshot metadata: the client's message id.
pub const MESSAGE_ID: &str = "message_id";
/// Snapshot metadata: the sequence number of the stored user message.
pub const USER_SEQUENCE: &str = "user_sequence";
/// Stage data of `input_guard`: the organization's
/// [`GuardPolicy`](hellosales_domain::ports::GuardPolicy).
pub const GUARD_POLICY: &str = "guard_policy";
/// Run config: the model to ask.
pub const MODEL: &str = "model";
/// Run config: the sampling temperature.
pub const TEMPERATURE: &str = "temperature";
/// Run config: the most tokens to generate.
pub const MAX_TOKENS: &str = "max_tokens";

/// Stage data of a voice turn's `stt` stage: what was heard, which replaces the snapshot's
/// `input_text` for the stages that depend on it.
pub const TRANSCRIPT: &str = "transcript";

/// Stage data: the (possibly redacted) user text.
pub const INPUT_TEXT: &str = "input_text";
pub use crate::streamed::{PROVIDER_CALL_ID, RESPONSE};
/// Stage data: the system prompt the model was given.
pub const SYSTEM_PROMPT: &str = "system_prompt";
/// Stage data: whether the output guard replaced the answer.
pub const FILTERED: &str = "filtered";
/// Stage data: the stored assistant interaction.
pub const INTERACTION_ID: &str = "interaction_id";

/// The tenant and session a run is for, from its snapshot.
pub(crate) fn run_scope(ctx: &StageContext) -> Result<(OrgId, UserId, SessionId), StageError> {
    let snapshot = ctx.snapshot();
    match (snapshot.org_id, snapshot.user_id, snapshot.session_id) {
        (Some(org), Some(user), Some(session)) => {
            Ok((OrgId(org), UserId(user), SessionId(session)))
        }
        _ => Err(StageError::new(
            codes::INPUT_MISSING,
            "the chat run has no organization, user or session",
        )),
    }
}

/// The user's text of a run: the transcript of the `stt` stage in a voice turn, otherwise the
/// snapshot's input text.
pub(crate) fn user_text(ctx: &StageContext) -> Result<String, StageError> {
    match ctx.inputs().get_opt::<String>(TRANSCRIPT)? {
        Some(heard) => Ok(heard),
        None => Ok(ctx.snapshot().input_text.clone().unwrap_or_default()),
    }
}

/// A stage error carrying `error`: its code, public message and retryability, with the error
/// itself kept as the source so that the service can answer the client with it.
pub(crate) fn stage_error(error: AppError) -> StageError {
    StageError::new(error.code(), error.public_message())
        .with_retryable(error.retryable())
        .with_source(SharedAppError(Arc::new(error)))
}

/// The client's error for stage `stage`'s failure `error` in run `run_id`: the stage's own
/// [`AppError`] when it carried one (a provider's, with its code and retryability); an open
/// circuit as `PROVIDER_CIRCUIT_OPEN` (retry later); `STAGE_FAILED` otherwise.
pub(crate) fn failure_error(stage: &str, error: &StageError, run_id: uuid::Uuid) -> AppError {
    if let Some(copy) = std::error::Error::source(error)
        .and_then(|source| source.downcast_ref::<SharedAppError>())
        .and_then(|shared| shared.0.client_copy())
    {
        return copy;
    }
    if let stageflow::StageErrorKind::CircuitOpen(open) = error.kind() {
        return AppError::Provider {
            provider: stage.to_owned(),
            operation: "stage".to_owned(),
            failure: hellosales_domain::error::ProviderFailure::CircuitOpen,
            message: format!(
                "too many recent failures; calls are refused for the next {} s",
                open.retry_after.as_secs().max(1)
            ),
        };
    }
    AppError::StageFailed {
        stage: stage.to_owned(),
        pipeline_run_id: Some(run_id.to_string()),
        message: error.message().to_owned(),
        retryable: error.retryable(),
    }
}

/// An [`AppError`] shared between a stage error (which is `Clone`) and whoever reads it back.
#[derive(Clone, Debug)]
pub struct SharedAppError(pub Arc<AppError>);

impl std::fmt::Display for SharedAppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SharedAppError {}

#[cfg(test)]
#[path = "stage_tests.rs"]
mod tests;
