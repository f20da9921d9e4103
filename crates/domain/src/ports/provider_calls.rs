//! The provider-call recording port: one [`ProviderCallRecord`] per attempt at an outside
//! provider (LLM, embeddings, speech), written to `provider_calls` by a [`ProviderCallStore`].
//!
//! The recording wrapper in `hellosales-providers` builds the records; the repository in
//! `hellosales-store` persists them. What a caller knows about the call's purpose and
//! correlation travels in a [`CallContext`].

use crate::error::AppResult;
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The application feature on whose behalf a provider is called (`provider_calls.service`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AiService {
    /// The chat assistant.
    Chat,
    /// Sales script generation.
    Script,
    /// Sales email generation.
    Email,
    /// Session summaries.
    Summary,
    /// Embeddings of interactions.
    Embedding,
}

impl AiService {
    /// The name stored in `provider_calls.service` (`chat`, `script`, `email`, `summary`,
    /// `embedding`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Script => "script",
            Self::Email => "email",
            Self::Summary => "summary",
            Self::Embedding => "embedding",
        }
    }
}

/// Why a provider is called and what the call belongs to: copied into its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallContext {
    /// The feature calling.
    pub service: AiService,
    /// The HTTP or WebSocket request that caused the call.
    pub request_id: Option<String>,
    /// The pipeline run the call is part of.
    pub pipeline_run_id: Option<Uuid>,
    /// The chat session.
    pub session_id: Option<Uuid>,
    /// The interaction (message) being answered.
    pub interaction_id: Option<Uuid>,
    /// The user on whose behalf the call is made.
    pub user_id: Option<UserId>,
    /// The organization (tenant) that pays for the call.
    pub org_id: Option<OrgId>,
}

impl CallContext {
    /// A context for `service` with no correlation ids.
    #[must_use]
    pub const fn new(service: AiService) -> Self {
        Self {
            service,
            request_id: None,
            pipeline_run_id: None,
            session_id: None,
            interaction_id: None,
            user_id: None,
            org_id: None,
        }
    }

    /// The same context for the tenant `org_id` and its user `user_id`.
    #[must_use]
    pub fn for_tenant(mut self, org_id: OrgId, user_id: UserId) -> Self {
        self.org_id = Some(org_id);
        self.user_id = Some(user_id);
        self
    }

    /// The same context, correlated with the request `request_id`.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// The same context, as part of the pipeline run `pipeline_run_id`.
    #[must_use]
    pub fn with_pipeline_run(mut self, pipeline_run_id: Uuid) -> Self {
        self.pipeline_run_id = Some(pipeline_run_id);
        self
    }

    /// The same context, within the session `session_id` (and its interaction, if any).
    #[must_use]
    pub fn with_session(mut self, session_id: Uuid, interaction_id: Option<Uuid>) -> Self {
        self.session_id = Some(session_id);
        self.interaction_id = interaction_id;
        self
    }
}

/// One attempt at a provider, as stored in `provider_calls`.
///
/// Tokens come from the provider's usage report; when it sent none they are estimated and
/// `tokens_estimated` is set. `cost_usd_micros` is exact (micro-USD) and `None` when the model
/// has no price (`priced = false`: cost unknown, never 0) or when no tokens were consumed (the
/// request was refused before anything was generated).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderCallRecord {
    /// The record's id (UUID v7).
    pub id: Uuid,
    /// The feature that called.
    pub service: AiService,
    /// `llm`, `embedding`, `stt`, `tts`.
    pub operation: String,
    /// The provider's name (`groq`, `gemini`, `local`).
    pub provider: String,
    /// The model asked for.
    pub model_id: Option<String>,
    /// The request that caused the call.
    pub request_id: Option<String>,
    /// The pipeline run.
    pub pipeline_run_id: Option<Uuid>,
    /// The session.
    pub session_id: Option<Uuid>,
    /// The interaction.
    pub interaction_id: Option<Uuid>,
    /// The user.
    pub user_id: Option<UserId>,
    /// The organization.
    pub org_id: Option<OrgId>,
    /// The prompt (an array of `{role, content}`), unless prompt storage is switched off.
    pub prompt_messages: Option<serde_json::Value>,
    /// The generated text, unless prompt storage is switched off.
    pub output_content: Option<String>,
    /// From the start of the call to its end (last event, error or cancellation).
    pub latency_ms: u32,
    /// From the start of the call to the first non-empty content delta, when there was one.
    pub ttft_ms: Option<u32>,
    /// Input tokens.
    pub tokens_in: Option<u32>,
    /// Output tokens.
    pub tokens_out: Option<u32>,
    /// Whether the token counts are estimates (the provider reported no usage).
    pub tokens_estimated: bool,
    /// Seconds of audio heard (`stt`) or spoken (`tts`), in milliseconds.
    pub audio_duration_ms: Option<u32>,
    /// Exact cost in micro-USD; see the type's documentation for when it is `None`.
    pub cost_usd_micros: Option<i64>,
    /// Whether the price table knows the model (false: the cost is unknown).
    pub priced: bool,
    /// Whether the call completed.
    pub success: bool,
    /// What went wrong, in words without secrets.
    pub error: Option<String>,
    /// The error's stable code (`PROVIDER_TIMEOUT`, `CANCELLED`, …).
    pub error_code: Option<String>,
    /// Why generation stopped (`stop`, `length`, …), when the provider said.
    pub finish_reason: Option<String>,
    /// The model that answered, when the provider said.
    pub response_model: Option<String>,
    /// When the call started.
    pub started_at: DateTime<Utc>,
    /// When the call ended.
    pub completed_at: DateTime<Utc>,
}

impl ProviderCallRecord {
    /// The cost in whole cents, rounded to the nearest cent, for the legacy `cost_cents`
    /// column; `None` when the cost is unknown.
    #[must_use]
    pub fn cost_cents(&self) -> Option<i64> {
        self.cost_usd_micros
            .map(|micros| micros.saturating_add(5_000).div_euclid(10_000))
    }
}

/// Where provider-call records are written.
#[async_trait]
pub trait ProviderCallStore: Send + Sync {
    /// Writes one record.
    ///
    /// # Errors
    /// When the record cannot be stored (the database is unavailable, a correlation id refers
    /// to nothing).
    async fn record(&self, call: &ProviderCallRecord) -> AppResult<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_have_their_stored_names() {
        let names: Vec<&str> = [
            AiService::Chat,
            AiService::Script,
            AiService::Email,
            AiService::Summary,
            AiService::Embedding,
        ]
        .into_iter()
        .map(AiService::as_str)
        .collect();
        assert_eq!(names, ["chat", "script", "email", "summary", "embedding"]);
    }

    #[test]
    fn cents_round_to_the_nearest_cent() {
        let record = |micros| ProviderCallRecord {
            id: Uuid::nil(),
            service: AiService::Chat,
            operation: "llm".to_owned(),
            provider: "groq".to_owned(),
            model_id: None,
            request_id: None,
            pipeline_run_id: None,
            session_id: None,
            interaction_id: None,
            user_id: None,
            org_id: None,
            prompt_messages: None,
            output_content: None,
            latency_ms: 0,
            ttft_ms: None,
            tokens_in: None,
            tokens_out: None,
            tokens_estimated: false,
            audio_duration_ms: None,
            cost_usd_micros: micros,
            priced: micros.is_some(),
            success: true,
            error: None,
            error_code: None,
            finish_reason: None,
            response_model: None,
            started_at: DateTime::UNIX_EPOCH,
            completed_at: DateTime::UNIX_EPOCH,
        };
        assert_eq!(record(Some(74)).cost_cents(), Some(0));
        assert_eq!(record(Some(4_999)).cost_cents(), Some(0));
        assert_eq!(record(Some(5_000)).cost_cents(), Some(1));
        assert_eq!(record(Some(1_234_567)).cost_cents(), Some(123));
        assert_eq!(record(None).cost_cents(), None);
    }
}
