//! The LLM port: streamed chat completion with content deltas and final token usage.
//!
//! Adapters (OpenAI-compatible, Gemini, local) live in `hellosales-providers`. Every failure of
//! a provider is an [`AppError::Provider`](crate::error::AppError::Provider) with operation
//! [`LLM_OPERATION`] and one of the typed
//! [`ProviderFailure`](crate::error::ProviderFailure)s, which carry retryability.

use crate::error::AppResult;
use async_trait::async_trait;
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use std::pin::Pin;

/// The `operation` of provider errors raised by LLM chat calls.
pub const LLM_OPERATION: &str = "llm";

/// Who wrote a chat message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// Instructions that frame the conversation.
    System,
    /// The human (or the application speaking for them).
    User,
    /// The model.
    Assistant,
}

impl ChatRole {
    /// The role's wire name (`system`, `user`, `assistant`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One message of a chat prompt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Who wrote it.
    pub role: ChatRole,
    /// Its text.
    pub content: String,
}

impl ChatMessage {
    /// A message with the given role and text.
    pub fn new(role: ChatRole, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    /// A system message.
    pub fn system(content: impl Into<String>) -> Self {
        Self::new(ChatRole::System, content)
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        Self::new(ChatRole::User, content)
    }

    /// An assistant message.
    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(ChatRole::Assistant, content)
    }
}

/// A chat completion request, independent of any provider's wire format.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct ChatRequest {
    /// The provider's model id (`llama-3.1-8b-instant`, `gemini-2.0-flash`).
    pub model: String,
    /// The prompt, in order.
    pub messages: Vec<ChatMessage>,
    /// Sampling temperature; the provider's default when `None`.
    pub temperature: Option<f32>,
    /// Upper bound on generated tokens; the provider's default when `None`.
    pub max_tokens: Option<u32>,
    /// Sequences at which generation stops (empty: none).
    pub stop: Vec<String>,
    /// Ask the provider for a JSON object as output, where it supports it.
    pub json_mode: bool,
}

impl ChatRequest {
    /// A request for `model` with the given messages and provider defaults otherwise.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        Self {
            model: model.into(),
            messages,
            ..Self::default()
        }
    }
}

/// One event of a streamed chat completion.
///
/// A successful stream yields zero or more [`ChatEvent::Delta`]s, at most one
/// [`ChatEvent::Usage`] (when the provider reports usage), then exactly one
/// [`ChatEvent::Done`], and ends. A failed stream yields an `Err` and ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChatEvent {
    /// A non-empty piece of generated content, in order.
    Delta(String),
    /// Token usage reported by the provider.
    Usage {
        /// Tokens of the prompt.
        prompt_tokens: u32,
        /// Tokens generated.
        completion_tokens: u32,
    },
    /// The completion finished.
    Done {
        /// Why generation stopped (`stop`, `length`, …), when the provider said.
        finish_reason: Option<String>,
    },
}

/// A streamed chat completion: events in order, ending after `Done` or the first error.
pub type ChatStream = Pin<Box<dyn Stream<Item = AppResult<ChatEvent>> + Send>>;

/// A large language model reachable for streamed chat completion.
#[async_trait]
pub trait LlmProvider: Send + Sync + 'static {
    /// The provider's name as recorded and shown in errors (`groq`, `openrouter`, `gemini`).
    fn name(&self) -> &str;

    /// Starts a streamed chat completion.
    ///
    /// # Errors
    /// [`AppError::Provider`](crate::error::AppError::Provider) with operation `llm` when the
    /// request is refused (authentication, rate limit, bad request, server error) or the
    /// provider does not answer in time. Failures after the stream has started (a broken or
    /// unparsable stream, a timeout) are yielded as an `Err` item of the stream.
    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream>;
}
