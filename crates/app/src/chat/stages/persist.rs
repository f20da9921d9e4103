//! `persist`: stores the assistant's answer (as the output guard left it) as the session's
//! next interaction, carrying the client's message id, the LLM call and the run, and adds the
//! run's cost to the session. It depends on `output_guard` (the answer) and on `llm` (the
//! call's id and cost).

use super::{
    FILTERED, INTERACTION_ID, LLM, MESSAGE_ID, OUTPUT_GUARD, PROVIDER_CALL_ID, RESPONSE, run_scope,
    stage_error,
};
use hellosales_domain::ports::SessionStore;
use hellosales_domain::sessions::{InteractionRole, NewInteraction};
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait};
use std::sync::Arc;
use uuid::Uuid;

/// Stores the answer.
pub struct PersistStage {
    sessions: Arc<dyn SessionStore>,
}

impl PersistStage {
    /// A stage writing to `sessions`.
    #[must_use]
    pub fn new(sessions: Arc<dyn SessionStore>) -> Self {
        Self { sessions }
    }
}

#[async_trait]
impl stageflow::Stage for PersistStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, user, session) = run_scope(ctx)?;
        // The answer as the output guard left it; the call and its cost from the LLM stage.
        let response: String = ctx.inputs().get_from(OUTPUT_GUARD, RESPONSE)?;
        let filtered: bool = ctx.inputs().get_from(OUTPUT_GUARD, FILTERED)?;
        let call_id: Option<Uuid> = ctx
            .inputs()
            .get_from::<String>(LLM, PROVIDER_CALL_ID)?
            .parse()
            .ok();
        let cost: Option<i64> = ctx.inputs().get_from(LLM, "cost_usd_micros")?;
        let message_id = ctx
            .snapshot()
            .metadata
            .get(MESSAGE_ID)
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        let interaction = NewInteraction::text(InteractionRole::Assistant, response)
            .with_message_id(message_id)
            .with_llm_call(call_id)
            .with_metadata(json!({
                "filtered": filtered,
                "pipeline_run_id": ctx.snapshot().pipeline_run_id.to_string(),
                "answers_interaction_id": ctx.snapshot().interaction_id.map(|id| id.to_string()),
            }));
        let stored = self
            .sessions
            .append(org, user, session, &interaction)
            .await
            .map_err(stage_error)?;
        if let Some(cost) = cost.filter(|&c| c > 0) {
            self.sessions
                .add_cost(org, session, cost)
                .await
                .map_err(stage_error)?;
        }
        Ok(StageOutput::ok()
            .with("persisted", true)
            .with(INTERACTION_ID, stored.id.to_string())
            .with("sequence_number", stored.sequence_number))
    }
}

stage_debug!(PersistStage);
