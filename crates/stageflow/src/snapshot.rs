//! [`ContextSnapshot`]: the immutable description of one run (who asked, in which session, with
//! which input) shared by every stage, and [`Message`], one turn of a conversation.
//!
//! The per-stage view (inputs, events, streaming, cancellation) is
//! [`StageContext`](crate::StageContext), in [`crate::context`].

use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::output::StageData;

/// One message of the conversation history given to a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it: `"user"`, `"assistant"`, `"system"`...
    pub role: String,
    /// The text.
    pub content: String,
    /// Its position in the conversation, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<i64>,
}

impl Message {
    /// A message without a sequence number.
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Self {
            role: role.into(),
            content: content.into(),
            sequence_number: None,
        }
    }

    /// Sets the position of the message in the conversation.
    #[must_use]
    pub fn with_sequence_number(mut self, sequence_number: i64) -> Self {
        self.sequence_number = Some(sequence_number);
        self
    }
}

/// The immutable context of one pipeline run, shared by all its stages through an `Arc`.
///
/// Build it with [`new`](Self::new) (which draws a time-ordered `pipeline_run_id`) and the
/// `with_*` methods, then hand it to [`Pipeline::run`](crate::Pipeline::run). It serializes to
/// JSON, so it can be stored with a failed run and replayed.
///
/// ```
/// use stageflow::{ContextSnapshot, Message};
/// use uuid::Uuid;
///
/// let snapshot = ContextSnapshot::new()
///     .with_request_id("req-42")
///     .with_user_id(Uuid::new_v4())
///     .with_topology("chat_pipeline")
///     .with_service("chat")
///     .with_input_text("Hello!")
///     .with_messages(vec![Message::new("user", "Hi")]);
/// assert_eq!(snapshot.input_text.as_deref(), Some("Hello!"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ContextSnapshot {
    /// Identifies this run; every event carries it.
    pub pipeline_run_id: Uuid,
    /// The request that started the run; every event carries it.
    pub request_id: Option<String>,
    /// The conversation session.
    pub session_id: Option<Uuid>,
    /// The user who asked.
    pub user_id: Option<Uuid>,
    /// The user's organization (tenant).
    pub org_id: Option<Uuid>,
    /// The interaction (message) this run produces or answers.
    pub interaction_id: Option<Uuid>,
    /// The name of the pipeline configuration, for example `"chat_pipeline"`.
    pub topology: Option<String>,
    /// How the pipeline runs, for example `"default"`, `"fast"` or `"test"`.
    pub execution_mode: Option<String>,
    /// The service label used in wide events and metrics, for example `"chat"`.
    pub service: Option<String>,
    /// The user's input.
    pub input_text: Option<String>,
    /// The conversation history.
    pub messages: Vec<Message>,
    /// Free-form values for what the fields above do not cover.
    pub metadata: StageData,
}

impl Default for ContextSnapshot {
    fn default() -> Self {
        Self::new()
    }
}

impl ContextSnapshot {
    /// An empty snapshot with a fresh, time-ordered (UUIDv7) `pipeline_run_id`.
    #[must_use]
    pub fn new() -> Self {
        Self {
            pipeline_run_id: Uuid::now_v7(),
            request_id: None,
            session_id: None,
            user_id: None,
            org_id: None,
            interaction_id: None,
            topology: None,
            execution_mode: None,
            service: None,
            input_text: None,
            messages: Vec::new(),
            metadata: StageData::new(),
        }
    }

    /// Sets the run id (for example to replay a stored run under its own id).
    #[must_use]
    pub fn with_pipeline_run_id(mut self, pipeline_run_id: Uuid) -> Self {
        self.pipeline_run_id = pipeline_run_id;
        self
    }

    /// Sets the request id.
    #[must_use]
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }

    /// Sets the session id.
    #[must_use]
    pub fn with_session_id(mut self, session_id: Uuid) -> Self {
        self.session_id = Some(session_id);
        self
    }

    /// Sets the user id.
    #[must_use]
    pub fn with_user_id(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }

    /// Sets the organization id.
    #[must_use]
    pub fn with_org_id(mut self, org_id: Uuid) -> Self {
        self.org_id = Some(org_id);
        self
    }

    /// Sets the interaction id.
    #[must_use]
    pub fn with_interaction_id(mut self, interaction_id: Uuid) -> Self {
        self.interaction_id = Some(interaction_id);
        self
    }

    /// Sets the topology name.
    #[must_use]
    pub fn with_topology(mut self, topology: impl Into<String>) -> Self {
        self.topology = Some(topology.into());
        self
    }

    /// Sets the execution mode.
    #[must_use]
    pub fn with_execution_mode(mut self, execution_mode: impl Into<String>) -> Self {
        self.execution_mode = Some(execution_mode.into());
        self
    }

    /// Sets the service label.
    #[must_use]
    pub fn with_service(mut self, service: impl Into<String>) -> Self {
        self.service = Some(service.into());
        self
    }

    /// Sets the user's input.
    #[must_use]
    pub fn with_input_text(mut self, input_text: impl Into<String>) -> Self {
        self.input_text = Some(input_text.into());
        self
    }

    /// Sets the conversation history.
    #[must_use]
    pub fn with_messages(mut self, messages: Vec<Message>) -> Self {
        self.messages = messages;
        self
    }

    /// Adds one free-form metadata entry.
    #[must_use]
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_json() -> Result<(), serde_json::Error> {
        let snapshot = ContextSnapshot::new()
            .with_session_id(Uuid::new_v4())
            .with_messages(vec![Message::new("user", "hi").with_sequence_number(1)])
            .with_metadata("locale", "fr");
        let json = serde_json::to_string(&snapshot)?;
        let back: ContextSnapshot = serde_json::from_str(&json)?;
        assert_eq!(back, snapshot);
        Ok(())
    }

    #[test]
    fn run_ids_are_fresh() {
        assert_ne!(
            ContextSnapshot::new().pipeline_run_id,
            ContextSnapshot::new().pipeline_run_id
        );
    }
}
