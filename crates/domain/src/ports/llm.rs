//! The LLM port: streamed chat completion with content deltas and final token usage.
//!
//! Adapters (OpenAI-compatible, Gemini, local) live in `hellosales-providers`. Every failure of
//! a provider is an [`AppError::Provider`] with operation
//! [`LLM_OPERATION`] and one of the typed
//! [`ProviderFailure`]s, which carry retryability.
//!
//! A caller either consumes the stream ([`LlmProvider::chat_stream`]) or waits for the whole
//! answer ([`LlmProvider::complete`]), which adapters serve from a non-streaming endpoint.

use crate::error::{AppError, AppResult, ProviderFailure};
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
    /// A JSON Schema the output must follow, where the provider supports it. Implies JSON mode.
    pub response_schema: Option<serde_json::Value>,
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
        /// The model that answered, as the provider named it (for `gen_ai.response.model`).
        model: Option<String>,
    },
}

/// A streamed chat completion: events in order, ending after `Done` or the first error.
pub type ChatStream = Pin<Box<dyn Stream<Item = AppResult<ChatEvent>> + Send>>;

/// A whole chat completion, as answered by [`LlmProvider::complete`].
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ChatCompletion {
    /// The generated content.
    pub content: String,
    /// Tokens of the prompt, when the provider reported usage.
    pub prompt_tokens: Option<u32>,
    /// Tokens generated, when the provider reported usage.
    pub completion_tokens: Option<u32>,
    /// Why generation stopped (`stop`, `length`, …), when the provider said.
    pub finish_reason: Option<String>,
    /// The model that answered, as the provider named it.
    pub model: Option<String>,
}

impl ChatCompletion {
    /// Adds one event of a stream to the completion; `true` once the event was `Done`.
    pub fn absorb(&mut self, event: ChatEvent) -> bool {
        match event {
            ChatEvent::Delta(text) => self.content.push_str(&text),
            ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            } => {
                self.prompt_tokens = Some(prompt_tokens);
                self.completion_tokens = Some(completion_tokens);
            }
            ChatEvent::Done {
                finish_reason,
                model,
            } => {
                self.finish_reason = finish_reason;
                self.model = model;
                return true;
            }
        }
        false
    }
}

/// A large language model reachable for streamed chat completion.
#[async_trait]
pub trait LlmProvider: Send + Sync + 'static {
    /// The provider's name as recorded and shown in errors (`groq`, `openrouter`, `gemini`).
    fn name(&self) -> &str;

    /// Starts a streamed chat completion.
    ///
    /// # Errors
    /// [`AppError::Provider`] with operation `llm` when the
    /// request is refused (authentication, rate limit, bad request, server error) or the
    /// provider does not answer in time. Failures after the stream has started (a broken or
    /// unparsable stream, a timeout) are yielded as an `Err` item of the stream.
    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream>;

    /// Runs a chat completion to its end and returns the whole answer.
    ///
    /// The default collects [`chat_stream`](Self::chat_stream); adapters override it with the
    /// provider's non-streaming endpoint.
    ///
    /// # Errors
    /// The errors of [`chat_stream`](Self::chat_stream), whether raised before or during the
    /// stream; `Provider` / `MalformedStream` when the stream ends without `Done`.
    async fn complete(&self, request: ChatRequest) -> AppResult<ChatCompletion> {
        let mut stream = self.chat_stream(request).await?;
        let mut completion = ChatCompletion::default();
        while let Some(event) = std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
            if completion.absorb(event?) {
                return Ok(completion);
            }
        }
        Err(AppError::Provider {
            provider: self.name().to_owned(),
            operation: LLM_OPERATION.to_owned(),
            failure: ProviderFailure::MalformedStream,
            message: "the stream ended without Done".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;
    use std::task::{Context, Poll};

    /// A stream of the given items, in order.
    struct Items(VecDeque<AppResult<ChatEvent>>);

    impl Stream for Items {
        type Item = AppResult<ChatEvent>;

        fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Ready(self.0.pop_front())
        }
    }

    /// A provider whose stream yields a fixed list of items.
    struct Scripted(fn() -> Vec<AppResult<ChatEvent>>);

    #[async_trait]
    impl LlmProvider for Scripted {
        fn name(&self) -> &str {
            "scripted"
        }

        async fn chat_stream(&self, _: ChatRequest) -> AppResult<ChatStream> {
            Ok(Box::pin(Items((self.0)().into())))
        }
    }

    fn failure(err: &AppError) -> Option<&ProviderFailure> {
        match err {
            AppError::Provider { failure, .. } => Some(failure),
            _ => None,
        }
    }

    #[tokio::test]
    async fn complete_collects_deltas_usage_and_done() {
        let provider = Scripted(|| {
            vec![
                Ok(ChatEvent::Delta("Hel".into())),
                Ok(ChatEvent::Delta("lo".into())),
                Ok(ChatEvent::Usage {
                    prompt_tokens: 7,
                    completion_tokens: 2,
                }),
                Ok(ChatEvent::Done {
                    finish_reason: Some("stop".into()),
                    model: Some("m-1".into()),
                }),
            ]
        });
        let completion = provider
            .complete(ChatRequest::new("m", vec![ChatMessage::user("hi")]))
            .await;
        assert_eq!(
            completion.ok(),
            Some(ChatCompletion {
                content: "Hello".into(),
                prompt_tokens: Some(7),
                completion_tokens: Some(2),
                finish_reason: Some("stop".into()),
                model: Some("m-1".into()),
            })
        );
    }

    #[tokio::test]
    async fn complete_returns_the_stream_error() {
        let provider = Scripted(|| {
            vec![
                Ok(ChatEvent::Delta("partial".into())),
                Err(AppError::Provider {
                    provider: "scripted".into(),
                    operation: LLM_OPERATION.into(),
                    failure: ProviderFailure::Timeout,
                    message: "no data".into(),
                }),
            ]
        });
        let err = provider.complete(ChatRequest::default()).await.err();
        assert_eq!(
            err.as_ref().and_then(failure),
            Some(&ProviderFailure::Timeout)
        );
    }

    #[tokio::test]
    async fn complete_without_done_is_a_malformed_stream() {
        let provider = Scripted(|| vec![Ok(ChatEvent::Delta("cut".into()))]);
        let err = provider.complete(ChatRequest::default()).await.err();
        assert_eq!(
            err.as_ref().and_then(failure),
            Some(&ProviderFailure::MalformedStream)
        );
    }
}
