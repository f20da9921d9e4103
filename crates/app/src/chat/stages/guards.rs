//! `input_guard` and `output_guard`: the [`GuardService`] on the way in and on the way out.
//!
//! * `input_guard` cancels the run when the message is blocked (event `guard.input.blocked`,
//!   data `blocked`, `reason`, `category`), passes a redacted text on when personal data was
//!   redacted, and the text as it is otherwise (`input_text`).
//! * `output_guard` lets a safe answer through (`response`, `filtered: false`) and replaces an
//!   unsafe one with [`FILTERED_RESPONSE`] (event `guard.output.filtered`, `filtered: true`,
//!   `filter_reason`), as the specification says; a redacted answer passes redacted.

use super::{FILTERED, GUARD_POLICY, INPUT_TEXT, RESPONSE, SYSTEM_PROMPT, stage_error};
use hellosales_domain::ports::{GuardPolicy, GuardService, GuardVerdict};
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait};
use std::sync::Arc;

/// What the user sees instead of an answer the output guard refused.
pub const FILTERED_RESPONSE: &str = "I apologize, but I cannot provide that response.";

/// The organization's policy, from the snapshot (none: the empty policy).
fn policy(ctx: &StageContext) -> GuardPolicy {
    ctx.snapshot()
        .metadata
        .get(GUARD_POLICY)
        .and_then(|value| serde_json::from_value(value.clone()).ok())
        .unwrap_or_default()
}

/// Checks the user's message.
pub struct InputGuardStage {
    guard: Arc<dyn GuardService>,
}

impl InputGuardStage {
    /// A stage checking with `guard`.
    #[must_use]
    pub fn new(guard: Arc<dyn GuardService>) -> Self {
        Self { guard }
    }
}

#[async_trait]
impl stageflow::Stage for InputGuardStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let text = ctx.snapshot().input_text.as_deref().unwrap_or_default();
        let verdict = self
            .guard
            .check_input(&policy(ctx), text)
            .await
            .map_err(stage_error)?;
        match verdict {
            GuardVerdict::Allowed => Ok(StageOutput::ok()
                .with("validated", true)
                .with(INPUT_TEXT, text)),
            GuardVerdict::Redacted { text, categories } => {
                let categories: Vec<&str> = categories.iter().map(|c| c.as_str()).collect();
                ctx.emit_event("guard.input.redacted", json!({ "categories": categories }));
                Ok(StageOutput::ok()
                    .with("validated", true)
                    .with("redacted", categories)
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
        let verdict = self
            .guard
            .check_output(&policy(ctx), &response, &system_prompt)
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
