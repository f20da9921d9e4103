//! What a chat turn tells its client, in order: [`ChatUpdate::Ack`] once the user's message is
//! stored, [`ChatUpdate::Token`]s as the model writes, then one of [`ChatUpdate::Complete`],
//! [`ChatUpdate::Blocked`] or [`ChatUpdate::Cancelled`] (or the turn's error). The transports
//! (WebSocket frames, Server-Sent Events) send them as `chat.ack`, `chat.token`,
//! `chat.complete`, `chat.blocked` and `chat.cancelled` with these payloads.

use hellosales_domain::{InteractionId, SessionId};
use serde::Serialize;
use uuid::Uuid;

/// One step of a chat turn.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ChatUpdate {
    /// The user's message is stored.
    Ack(ChatAck),
    /// A piece of the answer.
    Token(ChatToken),
    /// The answer, as stored.
    Complete(ChatComplete),
    /// The input guard refused the message.
    Blocked(ChatBlocked),
    /// The client cancelled the turn.
    Cancelled(ChatCancelled),
}

impl ChatUpdate {
    /// The frame or event type: `chat.ack`, `chat.token`, `chat.complete`, `chat.blocked`,
    /// `chat.cancelled`.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Ack(_) => "chat.ack",
            Self::Token(_) => "chat.token",
            Self::Complete(_) => "chat.complete",
            Self::Blocked(_) => "chat.blocked",
            Self::Cancelled(_) => "chat.cancelled",
        }
    }
}

/// `chat.ack`: the user's message is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatAck {
    /// The client's message id (generated when the client sent none).
    pub message_id: String,
    /// The stored user message.
    pub interaction_id: InteractionId,
    /// Its session.
    pub session_id: SessionId,
}

/// `chat.token`: a piece of the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatToken {
    /// The message being answered.
    pub message_id: String,
    /// The text to append.
    pub delta: String,
    /// 0, 1, 2, … in order.
    pub index: u64,
}

/// Tokens and cost of a turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatUsage {
    /// Input tokens.
    pub tokens_in: Option<u32>,
    /// Output tokens.
    pub tokens_out: Option<u32>,
    /// Whether the counts are estimates (the provider reported none).
    pub tokens_estimated: bool,
    /// Exact cost in micro-USD, when the model is priced.
    pub cost_usd_micros: Option<i64>,
}

/// `chat.complete`: the answer, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatComplete {
    /// The message answered.
    pub message_id: String,
    /// The stored assistant message.
    pub interaction_id: InteractionId,
    /// Its session.
    pub session_id: SessionId,
    /// The whole answer (after the output guard: when `filtered`, it replaces the streamed
    /// tokens).
    pub content: String,
    /// The pipeline run that wrote it.
    pub pipeline_run_id: Option<Uuid>,
    /// Tokens and cost.
    pub usage: ChatUsage,
    /// Whether the output guard replaced or redacted the streamed answer.
    pub filtered: bool,
    /// Whether this answers a message sent before (the same `message_id`): the stored answer
    /// is replayed, no model was asked.
    pub replayed: bool,
}

/// `chat.blocked`: the input guard refused the message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatBlocked {
    /// The refused message.
    pub message_id: String,
    /// Why, in words.
    pub reason: String,
    /// The rule that matched (`prompt_injection`, `pii`, …).
    pub category: Option<String>,
    /// The run, for Pulse.
    pub pipeline_run_id: Uuid,
}

/// `chat.cancelled`: the turn was cancelled before its answer was complete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChatCancelled {
    /// The cancelled message.
    pub message_id: String,
    /// The run, for Pulse.
    pub pipeline_run_id: Uuid,
}
