//! `profile_enrich` and `summary_enrich`: what the model is told besides the message.
//!
//! * `profile_enrich` answers `profile` ([`ChatProfile`]): the user's name and the
//!   organization's name (loaded with the caller before the run, carried in the snapshot) and
//!   the facts of the organization's company profile (read here).
//! * `summary_enrich` answers `summary` (the latest [`ChatSummary`], or `null`), `has_summary`
//!   and `history`: the dialogue after the summary's cutoff and before the new message, at most
//!   [`MAX_HISTORY`] messages.

use super::{DISPLAY_NAME, ORG_NAME, USER_SEQUENCE, run_scope, stage_error};
use crate::chat::prompt::{ChatProfile, ChatSummary, history_messages};
use hellosales_domain::ports::{CompanyProfileStore, SessionStore};
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};
use std::sync::Arc;

/// The most earlier messages sent with a new one, whatever the summary cadence.
pub const MAX_HISTORY: u32 = 40;

/// Adds who the user is and what their company sells.
pub struct ProfileEnrichStage {
    profiles: Arc<dyn CompanyProfileStore>,
}

impl ProfileEnrichStage {
    /// A stage reading company profiles from `profiles`.
    #[must_use]
    pub fn new(profiles: Arc<dyn CompanyProfileStore>) -> Self {
        Self { profiles }
    }
}

#[async_trait]
impl stageflow::Stage for ProfileEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let Some(org) = ctx.snapshot().org_id else {
            return Ok(StageOutput::skip("No org_id provided"));
        };
        let company = self
            .profiles
            .get(hellosales_domain::OrgId(org))
            .await
            .map_err(stage_error)?;
        let text = |key: &str| {
            ctx.snapshot()
                .metadata
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let profile = ChatProfile::new(text(DISPLAY_NAME), text(ORG_NAME), company.as_ref());
        Ok(StageOutput::ok()
            .with("has_company_profile", company.is_some())
            .with("profile", to_value(&profile)?))
    }
}

/// Adds the conversation so far: the latest summary and the dialogue after it.
pub struct SummaryEnrichStage {
    sessions: Arc<dyn SessionStore>,
}

impl SummaryEnrichStage {
    /// A stage reading sessions from `sessions`.
    #[must_use]
    pub fn new(sessions: Arc<dyn SessionStore>) -> Self {
        Self { sessions }
    }
}

#[async_trait]
impl stageflow::Stage for SummaryEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _user, session) = run_scope(ctx)?;
        let user_sequence = ctx
            .snapshot()
            .metadata
            .get(USER_SEQUENCE)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                StageError::new(codes::INPUT_MISSING, "the run has no user message sequence")
            })?;
        let summary = self
            .sessions
            .latest_summary(org, session)
            .await
            .map_err(stage_error)?
            .map(|summary| ChatSummary {
                text: summary.summary_text,
                cutoff_sequence: summary.cutoff_sequence,
                version: summary.version,
            });
        let cutoff = summary.as_ref().map_or(0, |s| s.cutoff_sequence);
        let through = user_sequence.saturating_sub(1);
        let after = cutoff.max(through.saturating_sub(MAX_HISTORY));
        let history = if through > after {
            self.sessions
                .interactions_between(org, session, after, Some(through))
                .await
                .map_err(stage_error)?
        } else {
            Vec::new()
        };
        Ok(StageOutput::ok()
            .with("has_summary", summary.is_some())
            .with("summary", to_value(&summary)?)
            .with("history", to_value(&history_messages(&history))?))
    }
}

/// `value` as stage data.
fn to_value(value: &impl serde::Serialize) -> Result<serde_json::Value, StageError> {
    serde_json::to_value(value)
        .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))
}

stage_debug!(ProfileEnrichStage, SummaryEnrichStage);
