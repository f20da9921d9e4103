//! Sessions and their interactions (specification §3.2): a conversation of one user in one
//! organization, the messages in it (numbered 1, 2, 3, … without gaps), and the rolling
//! summaries that compress its older messages.
//!
//! Sessions are private to their user: another user of the same organization, like another
//! organization, is answered `SESSION_NOT_FOUND`.

use crate::error::{AppError, AppResult};
use crate::ids::{InteractionId, OrgId, SessionId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The longest client message id, in characters (the column is `VARCHAR(100)`).
pub const MAX_MESSAGE_ID: usize = 100;

/// The largest metadata object of a session, in bytes of JSON.
pub const MAX_SESSION_METADATA_BYTES: usize = 16 * 1024;

/// Whether a session still takes messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    /// Open: messages may be added.
    Active,
    /// Closed by its user (or by the server): read-only.
    Ended,
}

impl SessionState {
    /// The value of the `state` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Ended => "ended",
        }
    }

    /// The state a `state` column holds.
    #[must_use]
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "active" => Some(Self::Active),
            "ended" => Some(Self::Ended),
            _ => None,
        }
    }
}

/// What a session is for.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SessionType {
    /// A conversation with the sales assistant.
    #[default]
    Chat,
    /// The exchange that generated a sales script.
    ScriptGeneration,
    /// The exchange that generated a sales email.
    EmailGeneration,
}

impl SessionType {
    /// The value of the `session_type` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::ScriptGeneration => "script_generation",
            Self::EmailGeneration => "email_generation",
        }
    }

    /// The type a `session_type` column holds.
    #[must_use]
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "chat" => Some(Self::Chat),
            "script_generation" => Some(Self::ScriptGeneration),
            "email_generation" => Some(Self::EmailGeneration),
            _ => None,
        }
    }
}

/// A session.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Session {
    /// Its id.
    pub id: SessionId,
    /// Its organization.
    pub org_id: OrgId,
    /// Its user.
    pub user_id: UserId,
    /// Open or ended.
    pub state: SessionState,
    /// What it is for.
    pub session_type: SessionType,
    /// Free-form metadata given at start (`{}` by default).
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// How many interactions it holds (user and assistant messages).
    pub interaction_count: u32,
    /// Exact cost of its AI calls so far, in micro-USD.
    pub total_cost_usd_micros: i64,
    /// The same cost in whole cents, rounded up (the specification's column).
    pub total_cost_cents: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub ended_at: Option<DateTime<Utc>>,
    /// From start to end, once ended.
    pub duration_ms: Option<i64>,
    /// When the row was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed (a message, an end).
    pub updated_at: DateTime<Utc>,
}

/// Whole cents of `usd_micros`, rounded up so that a real cost never shows as 0.
#[must_use]
pub const fn cents_rounded_up(usd_micros: i64) -> i64 {
    if usd_micros <= 0 {
        0
    } else {
        (usd_micros + 9_999) / 10_000
    }
}

/// A session to create.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewSession {
    /// What it is for.
    pub session_type: SessionType,
    /// Free-form metadata (an object).
    pub metadata: Value,
}

impl NewSession {
    /// A new session of `session_type`, with `metadata` (absent or `null`: `{}`).
    ///
    /// # Errors
    /// `VALIDATION_ERROR` when `metadata` is not an object or is larger than
    /// [`MAX_SESSION_METADATA_BYTES`].
    pub fn new(session_type: Option<SessionType>, metadata: Option<Value>) -> AppResult<Self> {
        let metadata = match metadata {
            None | Some(Value::Null) => Value::Object(serde_json::Map::new()),
            Some(object @ Value::Object(_)) => object,
            Some(_) => {
                return Err(AppError::invalid_field(
                    "metadata",
                    "invalid_type",
                    "metadata must be a JSON object",
                ));
            }
        };
        if metadata.to_string().len() > MAX_SESSION_METADATA_BYTES {
            return Err(AppError::invalid_field(
                "metadata",
                "too_long",
                format!("metadata must be at most {MAX_SESSION_METADATA_BYTES} bytes of JSON"),
            ));
        }
        Ok(Self {
            session_type: session_type.unwrap_or_default(),
            metadata,
        })
    }
}

/// Who wrote an interaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InteractionRole {
    /// The user.
    User,
    /// The assistant.
    Assistant,
    /// The system (instructions, notices).
    System,
}

impl InteractionRole {
    /// The value of the `role` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
            Self::System => "system",
        }
    }

    /// The role a `role` column holds.
    #[must_use]
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "user" => Some(Self::User),
            "assistant" => Some(Self::Assistant),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// How the user's message came in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InputType {
    /// Typed text.
    #[default]
    Text,
    /// Speech, transcribed.
    Voice,
}

impl InputType {
    /// The value of the `input_type` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Voice => "voice",
        }
    }

    /// The input type an `input_type` column holds.
    #[must_use]
    pub fn from_column(value: &str) -> Option<Self> {
        match value {
            "text" => Some(Self::Text),
            "voice" => Some(Self::Voice),
            _ => None,
        }
    }
}

/// One message of a session.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Interaction {
    /// Its id.
    pub id: InteractionId,
    /// Its session.
    pub session_id: SessionId,
    /// Who wrote it.
    pub role: InteractionRole,
    /// The client's id of the message (the assistant's reply carries the id of the message it
    /// answers).
    pub message_id: Option<String>,
    /// Text or voice.
    pub input_type: InputType,
    /// The text (the transcript, for voice).
    pub content: String,
    /// The original transcript, for voice.
    pub transcript: Option<String>,
    /// How long the spoken message lasted, for voice.
    pub audio_duration_ms: Option<u32>,
    /// The LLM call that wrote it (assistant messages).
    pub llm_provider_call_id: Option<Uuid>,
    /// The speech-to-text call that heard it (voice messages).
    pub stt_provider_call_id: Option<Uuid>,
    /// Its place in the session: 1, 2, 3, … without gaps.
    pub sequence_number: u32,
    /// Free-form metadata (`filtered`, `pipeline_run_id`, …).
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// When it was stored.
    pub created_at: DateTime<Utc>,
}

/// An interaction to append to a session.
#[derive(Clone, Debug, PartialEq)]
pub struct NewInteraction {
    /// Who wrote it.
    pub role: InteractionRole,
    /// The client's message id, at most [`MAX_MESSAGE_ID`] characters.
    pub message_id: Option<String>,
    /// Text or voice.
    pub input_type: InputType,
    /// The text.
    pub content: String,
    /// The LLM call that wrote it.
    pub llm_provider_call_id: Option<Uuid>,
    /// How long the spoken message lasted, for voice.
    pub audio_duration_ms: Option<u32>,
    /// Free-form metadata (an object).
    pub metadata: Value,
}

/// What speech-to-text heard of a stored voice message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeardSpeech {
    /// The transcript (it becomes the message's content).
    pub transcript: String,
    /// How long the speech lasted.
    pub audio_duration_ms: Option<u32>,
    /// The speech-to-text call.
    pub stt_provider_call_id: Option<Uuid>,
}

impl NewInteraction {
    /// A text message of `role`.
    #[must_use]
    pub fn text(role: InteractionRole, content: impl Into<String>) -> Self {
        Self {
            role,
            message_id: None,
            input_type: InputType::Text,
            content: content.into(),
            llm_provider_call_id: None,
            audio_duration_ms: None,
            metadata: Value::Object(serde_json::Map::new()),
        }
    }

    /// A spoken message of `role` whose transcript is not known yet (empty content until
    /// [`SessionStore::record_transcript`](crate::ports::SessionStore::record_transcript)).
    #[must_use]
    pub fn voice(role: InteractionRole, audio_duration_ms: Option<u32>) -> Self {
        Self {
            input_type: InputType::Voice,
            audio_duration_ms,
            ..Self::text(role, String::new())
        }
    }

    /// With the client's message id.
    #[must_use]
    pub fn with_message_id(mut self, message_id: Option<String>) -> Self {
        self.message_id = message_id;
        self
    }

    /// With the LLM call that wrote it.
    #[must_use]
    pub fn with_llm_call(mut self, call_id: Option<Uuid>) -> Self {
        self.llm_provider_call_id = call_id;
        self
    }

    /// With `metadata` (an object).
    #[must_use]
    pub fn with_metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }
}

/// Checks a client's message id: trimmed, not blank, at most [`MAX_MESSAGE_ID`] characters.
///
/// # Errors
/// `VALIDATION_ERROR` on the field `message_id`.
pub fn parse_message_id(message_id: Option<String>) -> AppResult<Option<String>> {
    let Some(raw) = message_id else {
        return Ok(None);
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(AppError::invalid_field(
            "message_id",
            "blank",
            "message_id must not be blank",
        ));
    }
    if trimmed.chars().count() > MAX_MESSAGE_ID {
        return Err(AppError::invalid_field(
            "message_id",
            "too_long",
            format!("message_id must be at most {MAX_MESSAGE_ID} characters"),
        ));
    }
    Ok(Some(trimmed.to_owned()))
}

/// A rolling summary of a session's older interactions (`session_summaries`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SessionSummary {
    /// Its id.
    pub id: Uuid,
    /// Its session.
    pub session_id: SessionId,
    /// 1 for the first summary of the session, then 2, 3, …
    pub version: u32,
    /// The summary.
    pub summary_text: String,
    /// The interactions up to this sequence number are summarized.
    pub cutoff_sequence: u32,
    /// Tokens of the summary, when known.
    pub token_count: Option<u32>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// A summary to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSummary {
    /// The summary.
    pub summary_text: String,
    /// The last sequence number it covers.
    pub cutoff_sequence: u32,
    /// Tokens of the summary, when known.
    pub token_count: Option<u32>,
}

/// The summary cadence of a session (`summary_states`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SummaryState {
    /// Completed turns since the last summary.
    pub turns_since_summary: u32,
    /// The cutoff of the last summary (0 before the first).
    pub last_cutoff_sequence: u32,
    /// When the last summary was written.
    pub last_summary_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_never_hide_a_real_cost() {
        assert_eq!(cents_rounded_up(0), 0);
        assert_eq!(cents_rounded_up(1), 1);
        assert_eq!(cents_rounded_up(10_000), 1);
        assert_eq!(cents_rounded_up(10_001), 2);
    }

    #[test]
    fn new_sessions_take_objects_only() {
        assert!(NewSession::new(None, Some(serde_json::json!([1]))).is_err());
        let session = NewSession::new(Some(SessionType::Chat), None).ok();
        assert_eq!(session.map(|s| s.metadata), Some(serde_json::json!({})));
    }

    #[test]
    fn message_ids_are_trimmed_and_bounded() {
        assert_eq!(
            parse_message_id(Some(" m-1 ".into()))
                .ok()
                .flatten()
                .as_deref(),
            Some("m-1")
        );
        assert!(parse_message_id(Some("  ".into())).is_err());
        assert!(parse_message_id(Some("x".repeat(101))).is_err());
        assert!(matches!(parse_message_id(None), Ok(None)));
    }

    #[test]
    fn column_values_round_trip() {
        for state in [SessionState::Active, SessionState::Ended] {
            assert_eq!(SessionState::from_column(state.as_str()), Some(state));
        }
        for kind in [
            SessionType::Chat,
            SessionType::ScriptGeneration,
            SessionType::EmailGeneration,
        ] {
            assert_eq!(SessionType::from_column(kind.as_str()), Some(kind));
        }
        for role in [
            InteractionRole::User,
            InteractionRole::Assistant,
            InteractionRole::System,
        ] {
            assert_eq!(InteractionRole::from_column(role.as_str()), Some(role));
        }
    }
}
