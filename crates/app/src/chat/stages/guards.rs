//! `input_guard` and `output_guard`: the [`GuardService`] on the way in and on the way out.
//!
//! * `input_guard` reads the organization's policy (its blocked terms, from its settings),
//!   cancels the run when the message is blocked (event `guard.input.blocked`, data `blocked`,
//!   `reason`, `category`), passes a redacted text on when personal data was redacted, and the
//!   text as it is otherwise (`input_text`, and the `guard_policy` for the output guard).
//! * `output_guard` (which depends on `llm` and on `input_guard`, for the policy it read) lets
//!   a safe answer through (`response`, `filtered: false`) and replaces an
//!   unsafe one with [`FILTERED_RESPONSE`] (event `guard.output.filtered`, `filtered: true`,
//!   `filter_reason`), as the specification says; a redacted answer passes redacted.

use super::{
    FILTERED, GUARD_POLICY, INPUT_GUARD, INPUT_TEXT, RESPONSE, SYSTEM_PROMPT, run_scope,
    stage_error, user_text,
};
use hellosales_domain::ports::{GuardPolicy, GuardService, GuardVerdict, IdentityRepository};
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait};
use std::sync::Arc;

/// What the user sees instead of an answer the output guard refused.
pub const FILTERED_RESPONSE: &str = "I apologize, but I cannot provide that response.";

/// Checks the user's message.
pub struct InputGuardStage {
    guard: Arc<dyn GuardService>,
    identities: Arc<dyn IdentityRepository>,
}

impl InputGuardStage {
    /// A stage checking with `guard` the policies of the organizations in `identities`.
    #[must_use]
    pub fn new(guard: Arc<dyn GuardService>, identities: Arc<dyn IdentityRepository>) -> Self {
        Self { guard, identities }
    }
}

#[async_trait]
impl stageflow::Stage for InputGuardStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, _) = run_scope(ctx)?;
        let organization = self
            .identities
            .organization(org)
            .await
            .map_err(stage_error)?;
        let policy = GuardPolicy::from_settings(&organization.settings);
        let policy_data = serde_json::to_value(&policy)
            .map_err(|error| StageError::new(stageflow::codes::INPUT_INVALID, error.to_string()))?;
        let text = user_text(ctx)?;
        let text = text.as_str();
        let verdict = self
            .guard
            .check_input(&policy, text)
            .await
            .map_err(stage_error)?;
        match verdict {
            GuardVerdict::Allowed => Ok(StageOutput::ok()
                .with("validated", true)
                .with(GUARD_POLICY, policy_data)
                .with(INPUT_TEXT, text)),
            GuardVerdict::Redacted { text, categories } => {
                let categories: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
                ctx.emit_event("guard.input.redacted", json!({ "categories": categories }));
                Ok(StageOutput::ok()
                    .with("validated", true)
                    .with("redacted", categories)
                    .with(GUARD_POLICY, policy_data)
                    .with(INPUT_TEXT, text))
            }
            GuardVerdict::Blocked { reason, category } => {
                ctx.emit_event(
                    "guard.input.blocked",
                    json!({ "reason": reason, "category": category.as_str() }),
                );
                Ok(StageOutput::cancel(format!("Input blocked: {reason}"))
                    .with("blocked", true)
                    .with("reason", reason)
                    .with("category", category.as_str()))
            }
        }
    }
}

/// Checks the model's answer.
pub struct OutputGuardStage {
    guard: Arc<dyn GuardService>,
}

impl OutputGuardStage {
    /// A stage checking with `guard`.
    #[must_use]
    pub fn new(guard: Arc<dyn GuardService>) -> Self {
        Self { guard }
    }
}

#[async_trait]
impl stageflow::Stage for OutputGuardStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let response: String = ctx.inputs().get(RESPONSE)?;
        let system_prompt: String = ctx.inputs().get_opt(SYSTEM_PROMPT)?.unwrap_or_default();
        // The policy the input guard read (a dependency of this stage too).
        let policy: GuardPolicy = ctx
            .inputs()
            .get_from::<Option<GuardPolicy>>(INPUT_GUARD, GUARD_POLICY)
            .ok()
            .flatten()
            .unwrap_or_default();
        let verdict = self
            .guard
            .check_output(&policy, &response, &system_prompt)
            .await
            .map_err(stage_error)?;
        Ok(match verdict {
            GuardVerdict::Allowed => StageOutput::ok()
                .with(RESPONSE, response)
                .with(FILTERED, false)
                .with("validated", true),
            GuardVerdict::Redacted { text, categories } => {
                let categories: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
                ctx.emit_event(
                    "guard.output.filtered",
                    json!({ "reason": "redacted", "categories": categories }),
                );
                StageOutput::ok()
                    .with(RESPONSE, text)
                    .with(FILTERED, true)
                    .with("filter_reason", "redacted")
            }
            GuardVerdict::Blocked { reason, category } => {
                ctx.emit_event(
                    "guard.output.filtered",
                    json!({ "reason": reason, "category": category.as_str() }),
                );
                StageOutput::ok()
                    .with(RESPONSE, FILTERED_RESPONSE)
                    .with(FILTERED, true)
                    .with("filter_reason", reason)
            }
        })
    }
}

stage_debug!(InputGuardStage, OutputGuardStage);
