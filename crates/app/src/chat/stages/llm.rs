//! `llm`: asks the model for the answer and streams it to the caller as it is written.
//!
//! The prompt is the system prompt (profile and summary), the dialogue after the summary's
//! cutoff, and the (guarded) message; the model is the run's `model` config value (chosen by
//! the quality mode). Each non-empty delta goes to the run's stream as
//! `{"delta": "…", "index": n}`; the first is also the event `llm.first_token`. The stage
//! returns once the call's `provider_calls` row is written, so that the run row can refer to
//! it. The call is never retried here: once tokens have reached the user a second attempt
//! would splice two answers (the routes fall back to another provider only before the first
//! token).

use super::{
    INPUT_TEXT, MAX_TOKENS, MODEL, PROVIDER_CALL_ID, RESPONSE, SYSTEM_PROMPT, TEMPERATURE,
    run_scope, stage_error,
};
use crate::chat::prompt::{ChatProfile, ChatSummary, INSTRUCTIONS, chat_messages, system_prompt};
use futures::StreamExt;
use hellosales_domain::ports::{AiService, CallContext, ChatEvent, ChatMessage, ChatRequest};
use hellosales_providers::LlmRoutes;
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};
use std::time::Duration;

/// Streams the model's answer.
pub struct LlmStage {
    llm: LlmRoutes,
}

impl LlmStage {
    /// A stage asking `llm`.
    #[must_use]
    pub fn new(llm: LlmRoutes) -> Self {
        Self { llm }
    }
}

#[async_trait]
impl stageflow::Stage for LlmStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, user, session) = run_scope(ctx)?;
        let input: String = ctx.inputs().get(INPUT_TEXT)?;
        let profile: ChatProfile = ctx.inputs().get_opt("profile")?.unwrap_or_default();
        let summary: Option<ChatSummary> = ctx.inputs().get_opt::<Option<_>>("summary")?.flatten();
        let history: Vec<ChatMessage> = ctx.inputs().get_opt("history")?.unwrap_or_default();
        let model: String = ctx
            .config_value(MODEL)?
            .ok_or_else(|| StageError::new(codes::INPUT_MISSING, "no model configured"))?;
        let system = system_prompt(&profile, summary.as_ref());
        let mut request = ChatRequest::new(model.clone(), chat_messages(system, history, &input));
        request.temperature = ctx.config_value(TEMPERATURE)?;
        request.max_tokens = ctx.config_value(MAX_TOKENS)?;
        ctx.emit_event(
            "llm.generation.started",
            json!({
                "message_count": request.messages.len(),
                "has_summary": summary.is_some(),
                "model": model,
            }),
        );

        let snapshot = ctx.snapshot();
        let mut call = CallContext::new(AiService::Chat)
            .for_tenant(org, user)
            .with_pipeline_run(snapshot.pipeline_run_id)
            .with_session(session.as_uuid(), snapshot.interaction_id);
        if let Some(request_id) = &snapshot.request_id {
            call = call.with_request_id(request_id.clone());
        }
        let cancelled = ctx.cancellation();
        let mut stream = tokio::select! {
            biased;
            () = cancelled.cancelled() => return Ok(StageOutput::cancel("cancelled")),
            stream = self.llm.chat_stream(&call, request) => stream.map_err(stage_error)?,
        };
        let call_id = stream.call_id();

        let mut response = String::new();
        let mut index = 0_u64;
        let mut first_token: Option<Duration> = None;
        let mut finish_reason = None;
        let mut response_model = None;
        loop {
            let event = tokio::select! {
                biased;
                () = cancelled.cancelled() => return Ok(StageOutput::cancel("cancelled")),
                event = stream.next() => event,
            };
            let Some(event) = event else { break };
            match event.map_err(stage_error)? {
                ChatEvent::Delta(delta) if delta.is_empty() => {}
                ChatEvent::Delta(delta) => {
                    if first_token.is_none() {
                        let ttft = ctx.elapsed();
                        first_token = Some(ttft);
                        ctx.emit_event("llm.first_token", json!({ "ttft_ms": millis(ttft) }));
                    }
                    ctx.stream(json!({ "delta": delta, "index": index }))
                        .await?;
                    response.push_str(&delta);
                    index += 1;
                }
                ChatEvent::Usage { .. } => {}
                ChatEvent::Done {
                    finish_reason: reason,
                    model,
                } => {
                    finish_reason = reason;
                    response_model = model;
                }
            }
        }
        let measures = match stream.recorded() {
            Some(written) => {
                let measures = written.measures();
                written.wait().await;
                Some(measures)
            }
            None => None,
        };
        let generation_ms = first_token.map(|ttft| millis(ctx.elapsed().saturating_sub(ttft)));
        ctx.emit_event(
            "llm.generation.completed",
            json!({
                "duration_ms": millis(ctx.elapsed()),
                "tokens_out": measures.and_then(|m| m.tokens_out),
                "finish_reason": finish_reason,
            }),
        );
        Ok(StageOutput::ok()
            .with(RESPONSE, response)
            .with("model", response_model.unwrap_or(model))
            // Only the instructions are secret: the profile and summary may be quoted.
            .with(SYSTEM_PROMPT, INSTRUCTIONS)
            .with(PROVIDER_CALL_ID, call_id.to_string())
            .with("finish_reason", finish_reason)
            .with("tokens", index)
            .with("generation_ms", generation_ms)
            .with("tokens_in", measures.and_then(|m| m.tokens_in))
            .with("tokens_out", measures.and_then(|m| m.tokens_out))
            .with(
                "tokens_estimated",
                measures.is_some_and(|m| m.tokens_estimated),
            )
            .with("cost_usd_micros", measures.and_then(|m| m.cost_usd_micros)))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

stage_debug!(LlmStage);
