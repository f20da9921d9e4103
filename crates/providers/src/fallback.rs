//! [`LlmRoutes`]: the configured LLM (`LLM_PROVIDER`, `LLM_MODEL`) and its optional fallback
//! (`LLM_FALLBACK_PROVIDER`), tried in order.
//!
//! A route is asked only when the one before it refused the request with a *retryable* error
//! (rate limited, timed out, server error, an open circuit) before streaming anything, after
//! its own retries (see [`RoutePolicy`]): once content has reached the caller, switching models
//! would splice two answers together. Every attempt goes through its route's [`RecordingLlm`],
//! so each one is a `provider_calls` record of its own.

use crate::recording::{Completion, RecordedStream, RecordingLlm};
use crate::route_policy::{
    IgnoreNotices, RouteNotice, RouteObserver, RoutePolicy, breaker_key, circuit_open_error,
    counts_against_provider,
};
use hellosales_domain::ports::{CallContext, ChatRequest};
use hellosales_domain::{AppError, AppResult};
use stageflow::interceptors::CircuitTransition;

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
    policy: RoutePolicy,
}

impl LlmRoutes {
    /// `primary`, then each of `fallbacks` in order, each asked once, without a breaker.
    #[must_use]
    pub fn new(primary: LlmRoute, fallbacks: Vec<LlmRoute>) -> Self {
        Self {
            primary,
            fallbacks,
            policy: RoutePolicy::default(),
        }
    }

    /// Guards every route with `policy`'s breakers and retries.
    #[must_use]
    pub fn with_policy(mut self, policy: RoutePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The protection of every route.
    #[must_use]
    pub fn policy(&self) -> &RoutePolicy {
        &self.policy
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
    /// The last route's error (`PROVIDER_CIRCUIT_OPEN` when its breaker refused the call); or
    /// the first non-retryable error, which no retry or fallback can fix (a bad request, a
    /// rejected key).
    pub async fn chat_stream(
        &self,
        context: &CallContext,
        request: ChatRequest,
    ) -> AppResult<RecordedStream> {
        self.chat_stream_observed(context, request, &IgnoreNotices)
            .await
    }

    /// [`chat_stream`](Self::chat_stream), telling `observer` about each retry, fallback and
    /// breaker change.
    ///
    /// # Errors
    /// As [`chat_stream`](Self::chat_stream).
    pub async fn chat_stream_observed(
        &self,
        context: &CallContext,
        request: ChatRequest,
        observer: &dyn RouteObserver,
    ) -> AppResult<RecordedStream> {
        // Indexes rather than an iterator of references held across the awaits: the future
        // must stay `Send` for callers that spawn it (pipeline stages).
        let mut index = 0;
        loop {
            let Some(route) = self.route(index) else {
                return Err(AppError::internal("no LLM route was tried"));
            };
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
            let error = match self.ask(route, context, &attempt, observer).await {
                Ok(stream) => return Ok(stream),
                Err(error) => error,
            };
            let Some(next) = self.route(index).filter(|_| error.retryable()) else {
                return Err(error);
            };
            tracing::warn!(
                provider = route.llm.provider_name(),
                model = %attempt.model,
                code = error.code(),
                "the LLM provider refused the request; trying the fallback"
            );
            observer.notice(RouteNotice::FellBack {
                from_provider: route.llm.provider_name(),
                from_model: &attempt.model,
                to_provider: next.llm.provider_name(),
                to_model: &next.model,
                error_code: error.code(),
            });
        }
    }

    /// Asks one route, through its breaker, retrying retryable refusals.
    async fn ask(
        &self,
        route: &LlmRoute,
        context: &CallContext,
        request: &ChatRequest,
        observer: &dyn RouteObserver,
    ) -> AppResult<RecordedStream> {
        let provider = route.llm.provider_name();
        let key = breaker_key(provider, &request.model);
        let max_attempts = self.policy.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let permit = match self.policy.breakers.as_deref().map(|b| b.try_acquire(&key)) {
                None => None,
                Some(Ok(permit)) => Some(permit),
                Some(Err(open)) => {
                    observer.notice(RouteNotice::CircuitRejected {
                        key: &key,
                        retry_after: open.retry_after,
                    });
                    return Err(circuit_open_error(
                        provider,
                        &request.model,
                        open.retry_after,
                    ));
                }
            };
            let error = match route.llm.chat_stream(context, request.clone()).await {
                Ok(stream) => {
                    if let Some(transition) = permit.and_then(|permit| permit.record(true)) {
                        self.tell(observer, &key, transition);
                    }
                    return Ok(stream);
                }
                Err(error) => error,
            };
            if !counts_against_provider(&error) {
                // Dropping the permit counts nothing (and gives a probe back).
                return Err(error);
            }
            if let Some(transition) = permit.and_then(|permit| permit.record(false)) {
                self.tell(observer, &key, transition);
                // This failure opened the breaker: another attempt would only be refused.
                return Err(error);
            }
            let wait = (attempt < max_attempts)
                .then(|| self.policy.wait_after(attempt, &error))
                .flatten();
            let Some(delay) = wait else {
                return Err(error);
            };
            tracing::info!(
                provider,
                model = %request.model,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                code = error.code(),
                "the LLM provider refused the request; retrying"
            );
            observer.notice(RouteNotice::RetryScheduled {
                provider,
                model: &request.model,
                attempt,
                delay,
                error_code: error.code(),
            });
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// Logs a breaker change and tells `observer`.
    fn tell(&self, observer: &dyn RouteObserver, key: &str, transition: CircuitTransition) {
        match transition {
            CircuitTransition::Opened { failures } => {
                let open_for = self
                    .policy
                    .breakers
                    .as_deref()
                    .map(|breakers| breakers.config().open_duration)
                    .unwrap_or_default();
                tracing::warn!(key, failures, "an LLM circuit opened");
                observer.notice(RouteNotice::CircuitOpened {
                    key,
                    failures,
                    open_for,
                });
            }
            CircuitTransition::Closed => {
                tracing::info!(key, "an LLM circuit closed");
                observer.notice(RouteNotice::CircuitClosed { key });
            }
        }
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
