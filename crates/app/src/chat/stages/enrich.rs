//! `profile_enrich` and `summary_enrich`: what the model is told besides the message.
//!
//! * `profile_enrich` answers `profile` ([`ChatProfile`]): the user's name, the
//!   organization's name and the facts of its company profile (three reads at once).
//! * `summary_enrich` answers `summary` (the latest [`ChatSummary`], or `null`), `has_summary`
//!   and `history`: the dialogue after the summary's cutoff and before the new message, at most
//!   [`MAX_HISTORY`] messages.

use super::{USER_SEQUENCE, run_scope, stage_error};
use crate::chat::prompt::{ChatProfile, ChatSummary, history_messages};
use hellosales_domain::ports::{CompanyProfileStore, IdentityRepository, SessionStore};
use hellosales_domain::{OrgId, UserId};
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};
use std::sync::Arc;

/// The most earlier messages sent with a new one, whatever the summary cadence.
pub const MAX_HISTORY: u32 = 40;

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
