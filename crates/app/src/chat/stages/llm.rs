//! `llm`: asks the model for the answer and streams it to the caller as it is written.
//!
//! The prompt is the system prompt (profile, summary, recalled messages), the dialogue after the summary's
//! cutoff, and the (guarded) message; the model is the run's `model` config value (chosen by
//! the quality mode). Each non-empty delta goes to the run's stream as
//! `{"delta": "…", "index": n}` ([`crate::streamed::stream_answer`]). The call is never
//! retried here: once tokens have reached the user a second attempt
//! would splice two answers (the routes fall back to another provider only before the first
//! token).

use super::enrich::MEMORY;
use super::{INPUT_TEXT, MAX_TOKENS, MODEL, SYSTEM_PROMPT, TEMPERATURE, run_scope};
use crate::chat::prompt::{ChatProfile, ChatSummary, INSTRUCTIONS, chat_messages, system_prompt};
use crate::semantic::Recalled;
use crate::streamed::stream_answer;
use hellosales_domain::ports::{AiService, CallContext, ChatMessage, ChatRequest};
use hellosales_providers::LlmRoutes;
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};

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
        let memory: Vec<Recalled> = ctx.inputs().get_opt(MEMORY)?.unwrap_or_default();
        let model: String = ctx
            .config_value(MODEL)?
            .ok_or_else(|| StageError::new(codes::INPUT_MISSING, "no model configured"))?;
        let system = system_prompt(&profile, summary.as_ref(), &memory);
        let mut request = ChatRequest::new(model.clone(), chat_messages(system, history, &input));
        request.temperature = ctx.config_value(TEMPERATURE)?;
        request.max_tokens = ctx.config_value(MAX_TOKENS)?;
        ctx.emit_event(
            "llm.generation.started",
            json!({
                "message_count": request.messages.len(),
                "has_summary": summary.is_some(),
                "memory_count": memory.len(),
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
        let Some(answer) =
            stream_answer(ctx, &self.llm, &call, request, &serde_json::Map::new()).await?
        else {
            return Ok(StageOutput::cancel("cancelled"));
        };
        // Only the instructions are secret: the profile and summary may be quoted.
        Ok(answer.into_output(&model).with(SYSTEM_PROMPT, INSTRUCTIONS))
    }
}

stage_debug!(LlmStage);
