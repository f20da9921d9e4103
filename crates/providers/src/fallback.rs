//! [`LlmRoutes`]: the configured LLM (`LLM_PROVIDER`, `LLM_MODEL`) and its optional fallback
//! (`LLM_FALLBACK_PROVIDER`), tried in order.
//!
//! A route is asked only when the one before it refused the request with a *retryable* error
//! (rate limited, timed out, server error) before streaming anything: once content has reached
//! the caller, switching models would splice two answers together. Every attempt goes through
//! its route's [`RecordingLlm`], so each one is a `provider_calls` record of its own.

use crate::recording::{Completion, RecordedStream, RecordingLlm};
use hellosales_domain::ports::{CallContext, ChatRequest};
use hellosales_domain::{AppError, AppResult};

/// One provider and the model asked of it.
#[derive(Clone, Debug)]
pub struct LlmRoute {
    /// The recorded provider.
    pub llm: RecordingLlm,
    /// The model to ask it for.
    pub model: String,
}

/// The primary route and its fallbacks, in order.
#[derive(Clone, Debug)]
pub struct LlmRoutes {
    primary: LlmRoute,
    fallbacks: Vec<LlmRoute>,
}

impl LlmRoutes {
    /// `primary`, then each of `fallbacks` in order.
    #[must_use]
    pub fn new(primary: LlmRoute, fallbacks: Vec<LlmRoute>) -> Self {
        Self { primary, fallbacks }
    }

    /// The primary route.
    #[must_use]
    pub fn primary(&self) -> &LlmRoute {
        &self.primary
    }

    /// Every route, the primary first.
    pub fn routes(&self) -> impl Iterator<Item = &LlmRoute> {
        std::iter::once(&self.primary).chain(&self.fallbacks)
    }

    /// Waits until the records of every route's calls so far are written.
    pub async fn flush(&self) {
        for route in self.routes() {
            route.llm.flush().await;
        }
    }

    /// The route at `index`: 0 is the primary, then the fallbacks in order.
    fn route(&self, index: usize) -> Option<&LlmRoute> {
        match index {
            0 => Some(&self.primary),
            n => self.fallbacks.get(n - 1),
        }
    }

    /// Starts a streamed completion on the first route that accepts it. The primary route is
    /// asked for the request's `model` when it names one (a quality mode's model) and for its
    /// configured model otherwise; each fallback is asked for its own model.
    ///
    /// # Errors
    /// The last route's error; or the first non-retryable error, which no fallback can fix
    /// (a bad request, a rejected key).
    pub async fn chat_stream(
        &self,
        context: &CallContext,
        request: ChatRequest,
    ) -> AppResult<RecordedStream> {
        // Indexes rather than an iterator of references held across the awaits: the future
        // must stay `Send` for callers that spawn it (pipeline stages).
        let mut last_error = None;
        let mut index = 0;
        while let Some(route) = self.route(index) {
            let model = if index == 0 && !request.model.is_empty() {
                request.model.clone()
            } else {
                route.model.clone()
            };
            index += 1;
            let attempt = ChatRequest {
                model,
                ..request.clone()
            };
            match route.llm.chat_stream(context, attempt).await {
                Ok(stream) => return Ok(stream),
                Err(error) if error.retryable() && self.route(index).is_some() => {
                    tracing::warn!(
                        provider = route.llm.provider_name(),
                        model = %route.model,
                        code = error.code(),
                        "the LLM provider refused the request; trying the fallback"
                    );
                    last_error = Some(error);
                }
                Err(error) => return Err(error),
            }
        }
        Err(last_error.unwrap_or_else(|| AppError::internal("no LLM route was tried")))
    }

    /// Runs a completion to its end on the first route that accepts it.
    ///
    /// # Errors
    /// As [`chat_stream`](Self::chat_stream), and the error that ended the stream.
    pub async fn complete(
        &self,
        context: &CallContext,
        request: ChatRequest,
    ) -> AppResult<Completion> {
        self.chat_stream(context, request)
            .await?
            .into_completion()
            .await
    }
}
