//! `profile_enrich` and `summary_enrich`: what the model is told besides the message.
//!
//! * `profile_enrich` answers `profile` ([`ChatProfile`]): the user's name, the
//!   organization's name and the facts of its company profile (three reads at once).
//! * `summary_enrich` answers `summary` (the latest [`ChatSummary`], or `null`), `has_summary`,
//!   `history`: the dialogue after the summary's cutoff and before the new message, at most
//!   [`MAX_HISTORY`] messages, and `memory`: the earlier messages the prompt would otherwise
//!   not carry (up to the cutoff, or before the history) that are most similar to the new one
//!   ([`Recalled`], oldest first; empty without semantic memory). A failed lookup is logged
//!   and emitted as `memory.lookup_failed`; the turn goes on without memory.

use super::{USER_SEQUENCE, run_scope, stage_error, user_text};
use crate::chat::prompt::{ChatProfile, ChatSummary, history_messages};
use crate::semantic::{Memory, RecallRequest, Recalled};
use hellosales_domain::ports::{
    AiService, CallContext, CompanyProfileStore, IdentityRepository, SessionStore,
};
use hellosales_domain::{OrgId, SessionId, UserId};
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};
use std::sync::Arc;

/// The most earlier messages sent with a new one, whatever the summary cadence.
pub const MAX_HISTORY: u32 = 40;

/// Stage data of `summary_enrich`: the recalled earlier messages ([`Recalled`]).
pub const MEMORY: &str = "memory";

/// Adds who the user is and what their company sells.
pub struct ProfileEnrichStage {
    profiles: Arc<dyn CompanyProfileStore>,
    identities: Arc<dyn IdentityRepository>,
}

impl ProfileEnrichStage {
    /// A stage reading company profiles from `profiles`, users and organizations from
    /// `identities`.
    #[must_use]
    pub fn new(
        profiles: Arc<dyn CompanyProfileStore>,
        identities: Arc<dyn IdentityRepository>,
    ) -> Self {
        Self {
            profiles,
            identities,
        }
    }
}

#[async_trait]
impl stageflow::Stage for ProfileEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let snapshot = ctx.snapshot();
        let (Some(org), Some(user)) = (snapshot.org_id, snapshot.user_id) else {
            return Ok(StageOutput::skip("No user_id provided"));
        };
        let (org, user) = (OrgId(org), UserId(user));
        let (company, organization, user) = tokio::join!(
            self.profiles.get(org),
            self.identities.organization(org),
            self.identities.user(user),
        );
        let company = company.map_err(stage_error)?;
        let profile = ChatProfile::new(
            user.map_err(stage_error)?.display_name,
            Some(organization.map_err(stage_error)?.name),
            company.as_ref(),
        );
        Ok(StageOutput::ok()
            .with("has_company_profile", company.is_some())
            .with("profile", to_value(&profile)?))
    }
}

/// Adds the conversation so far: the latest summary, the dialogue after it, and the relevant
/// earlier messages.
pub struct SummaryEnrichStage {
    sessions: Arc<dyn SessionStore>,
    memory: Option<Memory>,
}

impl SummaryEnrichStage {
    /// A stage reading sessions from `sessions`, recalling earlier messages with `memory`
    /// (`None`: no semantic memory).
    #[must_use]
    pub fn new(sessions: Arc<dyn SessionStore>, memory: Option<Memory>) -> Self {
        Self { sessions, memory }
    }

    /// The relevant messages numbered 1 to `through`; a failure is logged, emitted as
    /// `memory.lookup_failed`, and answered as none.
    async fn recall(
        &self,
        ctx: &StageContext,
        (org, user, session): (OrgId, UserId, SessionId),
        through: u32,
    ) -> Vec<Recalled> {
        let Some(memory) = self.memory.as_ref().filter(|m| m.enabled()) else {
            return Vec::new();
        };
        // Not a failure: the input was checked by the stage that produced it.
        let text = user_text(ctx).unwrap_or_default();
        let text = text.as_str();
        let snapshot = ctx.snapshot();
        let mut context = CallContext::new(AiService::Chat)
            .for_tenant(org, user)
            .with_pipeline_run(snapshot.pipeline_run_id)
            .with_session(session.as_uuid(), snapshot.interaction_id);
        if let Some(request_id) = &snapshot.request_id {
            context = context.with_request_id(request_id.clone());
        }
        let request = RecallRequest {
            org,
            user,
            session,
            through,
            text,
            context,
        };
        match memory.recall(request).await {
            Ok(recalled) => {
                if !recalled.is_empty() {
                    ctx.emit_event(
                        "memory.recalled",
                        json!({
                            "count": recalled.len(),
                            "through_sequence": through,
                            "sequence_numbers": recalled.iter().map(|r| r.sequence_number).collect::<Vec<_>>(),
                        }),
                    );
                }
                recalled
            }
            Err(error) => {
                tracing::warn!(
                    session_id = %session,
                    error = %error,
                    code = error.code(),
                    "the memory lookup failed; the turn goes on without it"
                );
                ctx.emit_event(
                    "memory.lookup_failed",
                    json!({ "code": error.code(), "message": error.public_message() }),
                );
                Vec::new()
            }
        }
    }
}

#[async_trait]
impl stageflow::Stage for SummaryEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, user, session) = run_scope(ctx)?;
        let user_sequence = ctx
            .snapshot()
            .metadata
            .get(USER_SEQUENCE)
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                StageError::new(codes::INPUT_MISSING, "the run has no user message sequence")
            })?;
        // Both reads at once: the summary's cutoff then trims the recent messages.
        let (summary, recent) = tokio::join!(
            self.sessions.latest_summary(org, session),
            self.sessions
                .recent_interactions(org, session, u64::from(MAX_HISTORY) + 1),
        );
        let summary = summary.map_err(stage_error)?.map(|summary| ChatSummary {
            text: summary.summary_text,
            cutoff_sequence: summary.cutoff_sequence,
            version: summary.version,
        });
        let cutoff = summary.as_ref().map_or(0, |s| s.cutoff_sequence);
        let history: Vec<_> = recent
            .map_err(stage_error)?
            .into_iter()
            .filter(|i| i.sequence_number > cutoff && i.sequence_number < user_sequence)
            .collect();
        let through = memory_through(
            cutoff,
            user_sequence,
            history.first().map(|i| i.sequence_number),
        );
        let memory = self.recall(ctx, (org, user, session), through).await;
        Ok(StageOutput::ok()
            .with("has_summary", summary.is_some())
            .with("summary", to_value(&summary)?)
            .with("history", to_value(&history_messages(&history))?)
            .with(MEMORY, to_value(&memory)?))
    }
}

/// The last message the prompt does not carry, for memory to recall from: those before the
/// first message of the history (the summary's cutoff, or older than [`MAX_HISTORY`]), or,
/// without history, up to the cutoff (never the new message).
fn memory_through(cutoff: u32, user_sequence: u32, first_in_history: Option<u32>) -> u32 {
    first_in_history.map_or_else(
        || cutoff.min(user_sequence.saturating_sub(1)),
        |first| first.saturating_sub(1),
    )
}

/// `value` as stage data.
fn to_value(value: &impl serde::Serialize) -> Result<serde_json::Value, StageError> {
    serde_json::to_value(value)
        .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))
}

stage_debug!(ProfileEnrichStage, SummaryEnrichStage);

#[cfg(test)]
mod tests {
    use super::memory_through;

    #[test]
    fn memory_recalls_only_what_the_prompt_does_not_carry() {
        assert_eq!(
            memory_through(0, 1, None),
            0,
            "the first message: nothing before it"
        );
        assert_eq!(
            memory_through(0, 5, Some(1)),
            0,
            "everything is in the history"
        );
        assert_eq!(
            memory_through(4, 7, Some(5)),
            4,
            "up to the summary's cutoff"
        );
        assert_eq!(
            memory_through(0, 60, Some(20)),
            19,
            "older than the history window"
        );
        assert_eq!(
            memory_through(10, 11, None),
            10,
            "a summary right before the message"
        );
        assert_eq!(
            memory_through(12, 11, None),
            10,
            "never the new message itself"
        );
    }
}
