//! [`Attempt`]: what is observed of one call while it runs (timings, output, usage, finish
//! reason), turned into its [`ProviderCallRecord`] when it ends.
//!
//! Timings use tokio's clock (so tests with paused time are deterministic); the wall-clock
//! `started_at` is taken once and `completed_at` is `started_at` plus the measured latency.

use super::redact::redact_secrets;
use crate::tokens;
use chrono::{DateTime, Utc};
use hellosales_domain::AppError;
use hellosales_domain::ports::{
    CallContext, ChatEvent, ChatRequest, LLM_OPERATION, ProviderCallRecord,
};
use std::time::Duration;
use tokio::time::Instant;
use uuid::Uuid;

/// The `error_code` of a call whose stream the caller dropped before it ended.
pub const CANCELLED: &str = "CANCELLED";
/// The `error_code` of a stream that ended without `Done` or an error.
const MALFORMED_STREAM: &str = "PROVIDER_MALFORMED_STREAM";

/// How an attempt ended.
#[derive(Debug)]
pub(super) enum Ending<'a> {
    /// `Done` was received.
    Completed,
    /// The request was refused before any stream (no tokens consumed).
    Refused(&'a AppError),
    /// The stream yielded an error.
    Failed(&'a AppError),
    /// The stream ended without `Done`.
    EndedEarly,
    /// The caller dropped the stream first.
    Cancelled,
}

/// One call in progress.
#[derive(Debug)]
pub(super) struct Attempt {
    id: Uuid,
    context: CallContext,
    provider: String,
    model: String,
    prompt_messages: Option<serde_json::Value>,
    prompt_tokens_estimate: u32,
    output: Option<String>,
    output_chars: usize,
    usage: Option<(u32, u32)>,
    finish_reason: Option<String>,
    response_model: Option<String>,
    started: Instant,
    started_at: DateTime<Utc>,
    ttft: Option<Duration>,
}

impl Attempt {
    /// Starts timing a call of `request` on `provider`. With `store_prompts` off, neither the
    /// prompt nor the output is kept.
    pub(super) fn start(
        context: &CallContext,
        provider: &str,
        request: &ChatRequest,
        store_prompts: bool,
    ) -> Self {
        Self {
            id: Uuid::now_v7(),
            context: context.clone(),
            provider: provider.to_owned(),
            model: request.model.clone(),
            prompt_messages: store_prompts
                .then(|| serde_json::to_value(&request.messages).ok())
                .flatten(),
            prompt_tokens_estimate: tokens::estimate_messages(&request.messages),
            output: store_prompts.then(String::new),
            output_chars: 0,
            usage: None,
            finish_reason: None,
            response_model: None,
            started: Instant::now(),
            started_at: Utc::now(),
            ttft: None,
        }
    }

    /// The id its record will have.
    pub(super) const fn id(&self) -> Uuid {
        self.id
    }

    /// Takes note of one event of the stream.
    pub(super) fn observe(&mut self, event: &ChatEvent) {
        match event {
            ChatEvent::Delta(text) => {
                if self.ttft.is_none() && !text.is_empty() {
                    self.ttft = Some(self.started.elapsed());
                }
                self.output_chars += text.chars().count();
                if let Some(output) = &mut self.output {
                    output.push_str(text);
                }
            }
            ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            } => self.usage = Some((*prompt_tokens, *completion_tokens)),
            ChatEvent::Done {
                finish_reason,
                model,
            } => {
                self.finish_reason.clone_from(finish_reason);
                self.response_model.clone_from(model);
            }
        }
    }

    /// The record of the attempt, ended now in the way given; not priced yet (`priced` false,
    /// no cost: the recorder prices it).
    pub(super) fn finish(self, ending: &Ending<'_>) -> ProviderCallRecord {
        let latency = self.started.elapsed();
        let (tokens_in, tokens_out, tokens_estimated) = self.tokens(ending);
        let (error_code, error) = failure(ending, &self.provider).unzip();
        ProviderCallRecord {
            id: self.id,
            service: self.context.service,
            operation: LLM_OPERATION.to_owned(),
            provider: self.provider,
            model_id: Some(self.model),
            request_id: self.context.request_id,
            pipeline_run_id: self.context.pipeline_run_id,
            session_id: self.context.session_id,
            interaction_id: self.context.interaction_id,
            user_id: self.context.user_id,
            org_id: self.context.org_id,
            prompt_messages: self.prompt_messages,
            output_content: self.output,
            latency_ms: millis(latency),
            ttft_ms: self.ttft.map(millis),
            tokens_in,
            tokens_out,
            tokens_estimated,
            audio_duration_ms: None,
            cost_usd_micros: None,
            priced: false,
            success: matches!(ending, Ending::Completed),
            error,
            error_code,
            finish_reason: self.finish_reason,
            response_model: self.response_model,
            started_at: self.started_at,
            completed_at: completed_at(self.started_at, latency),
        }
    }

    /// Tokens in and out, and whether they are estimates: none for a refused request, the
    /// provider's usage when it reported one, otherwise estimates from the text.
    fn tokens(&self, ending: &Ending<'_>) -> (Option<u32>, Option<u32>, bool) {
        match (ending, self.usage) {
            (Ending::Refused(_), _) => (None, None, false),
            (_, Some((input, output))) => (Some(input), Some(output), false),
            (_, None) => (
                Some(self.prompt_tokens_estimate),
                Some(tokens::estimate_from_chars(self.output_chars)),
                true,
            ),
        }
    }
}

/// The error code and message of an attempt that did not complete; the message is scrubbed
/// of secrets.
fn failure(ending: &Ending<'_>, provider: &str) -> Option<(String, String)> {
    match ending {
        Ending::Completed => None,
        Ending::Refused(err) | Ending::Failed(err) => {
            Some((err.code().to_owned(), redact_secrets(&err.public_message())))
        }
        Ending::EndedEarly => Some((
            MALFORMED_STREAM.to_owned(),
            format!("{provider} llm stream ended before completing"),
        )),
        Ending::Cancelled => Some((
            CANCELLED.to_owned(),
            "the caller stopped reading before the stream ended".to_owned(),
        )),
    }
}

/// The wall-clock end of a call that started at `started_at` and took `latency`.
pub(super) fn completed_at(started_at: DateTime<Utc>, latency: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(latency)
        .ok()
        .and_then(|latency| started_at.checked_add_signed(latency))
        .unwrap_or(started_at)
}

/// A duration in whole milliseconds, saturating.
pub(super) fn millis(duration: Duration) -> u32 {
    u32::try_from(duration.as_millis()).unwrap_or(u32::MAX)
}
