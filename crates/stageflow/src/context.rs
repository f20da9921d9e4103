//! [`StageContext`]: everything a running stage can see and do (snapshot, inputs, run config,
//! events, streaming, cancellation), and [`StageContextBuilder`] to make one outside a pipeline
//! for unit tests of a single stage.
//!
//! The run-wide, immutable part is the [`ContextSnapshot`] (see [`crate::snapshot`]).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::{EventSink, NoOpEventSink, Payload};
use crate::inputs::{InputEntry, InputError, StageInputs};
use crate::output::{SKIP_REASON_KEY, StageData, empty_data, value_to_data};
use crate::results::StageResult;
use crate::run_scope::{RunInfo, RunScope, service_label};
use crate::snapshot::ContextSnapshot;
use crate::stage::{StageKind, StageStatus};
use crate::streaming::{DEFAULT_STREAM_STALL_TIMEOUT, StreamError, StreamItem, StreamTarget};

/// The static description of a stage inside a built pipeline.
#[derive(Debug)]
pub(crate) struct StageInfo {
    pub(crate) name: Arc<str>,
    pub(crate) kind: StageKind,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_attempts: Option<u32>,
    /// Whether the circuit breaker interceptor guards the stage.
    pub(crate) circuit_breaker: bool,
}

/// No attempt time limit.
const NO_LIMIT: u64 = u64::MAX;

/// What a running stage can see and do.
///
/// Cheap to clone. Built by the engine for each stage of each run, or by
/// [`StageContext::builder`] in unit tests.
#[derive(Debug)]
pub struct StageContext {
    run: Arc<RunScope>,
    stage: Arc<StageInfo>,
    inputs: StageInputs,
    cancellation: OnceLock<CancellationToken>,
    started: Instant,
    /// The attempt time limit in nanoseconds, [`NO_LIMIT`] when none.
    attempt_limit: AtomicU64,
}

impl Clone for StageContext {
    fn clone(&self) -> Self {
        Self {
            run: Arc::clone(&self.run),
            stage: Arc::clone(&self.stage),
            inputs: self.inputs.clone(),
            cancellation: self.cancellation.clone(),
            started: self.started,
            attempt_limit: AtomicU64::new(self.attempt_limit.load(Ordering::Relaxed)),
        }
    }
}

impl StageContext {
    pub(crate) fn new(
        run: Arc<RunScope>,
        stage: Arc<StageInfo>,
        inputs: StageInputs,
        started: Instant,
    ) -> Self {
        Self {
            run,
            stage,
            inputs,
            cancellation: OnceLock::new(),
            started,
            attempt_limit: AtomicU64::new(NO_LIMIT),
        }
    }

    /// Starts a context for testing one stage outside a pipeline.
    ///
    /// ```
    /// use serde_json::json;
    /// use stageflow::{ContextSnapshot, StageContext};
    ///
    /// let ctx = StageContext::builder(ContextSnapshot::new().with_input_text("Hi"))
    ///     .stage("output_guard")
    ///     .input("llm", json!({"response": "Hello!"}))
    ///     .config("model", "llama-3.1-8b-instant")
    ///     .build();
    /// assert_eq!(ctx.inputs().get::<&str>("response").ok(), Some("Hello!"));
    /// ```
    #[must_use]
    pub fn builder(snapshot: impl Into<Arc<ContextSnapshot>>) -> StageContextBuilder {
        StageContextBuilder::new(snapshot.into())
    }

    /// The immutable snapshot of the run.
    #[must_use]
    pub fn snapshot(&self) -> &Arc<ContextSnapshot> {
        &self.run.info.snapshot
    }

    /// The outputs of the stages this stage declared as dependencies.
    #[must_use]
    pub fn inputs(&self) -> &StageInputs {
        &self.inputs
    }

    /// The name of the running stage.
    #[must_use]
    pub fn stage_name(&self) -> &str {
        &self.stage.name
    }

    /// The kind of the running stage.
    #[must_use]
    pub fn stage_kind(&self) -> StageKind {
        self.stage.kind
    }

    /// The name of the pipeline.
    #[must_use]
    pub fn pipeline_name(&self) -> &str {
        &self.run.info.pipeline
    }

    /// The per-run config values given by the caller in
    /// [`RunOptions::config`](crate::RunOptions::config).
    #[must_use]
    pub fn config(&self) -> &StageData {
        self.run.config.as_deref().unwrap_or_else(|| empty_data())
    }

    /// One config value, deserialized; `Ok(None)` when absent.
    ///
    /// # Errors
    /// [`InputError::MistypedConfig`] when the value does not deserialize into `T`.
    pub fn config_value<'a, T: Deserialize<'a>>(
        &'a self,
        key: &str,
    ) -> Result<Option<T>, InputError> {
        self.config()
            .get(key)
            .map(|value| {
                T::deserialize(value).map_err(|error| InputError::MistypedConfig {
                    key: key.to_owned(),
                    message: error.to_string(),
                })
            })
            .transpose()
    }

    /// How long ago the stage started (its first attempt), on the Tokio clock.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Limits the stage's attempts: an attempt that runs longer than `limit` is dropped and
    /// fails with a retryable [`StageError::timeout`](crate::StageError::timeout). The clock
    /// starts when the stage first waits. When limits are set more than once, the shortest wins.
    /// The [`TimeoutInterceptor`](crate::interceptors::TimeoutInterceptor) sets it before each
    /// attempt.
    pub fn limit_attempt(&self, limit: Duration) {
        let nanos = u64::try_from(limit.as_nanos()).unwrap_or(NO_LIMIT - 1);
        self.attempt_limit.fetch_min(nanos, Ordering::Relaxed);
    }

    /// The time limit of the stage's attempts, if any (see [`limit_attempt`](Self::limit_attempt)).
    /// Stages can pass it on, for example as the timeout of an HTTP request.
    #[must_use]
    pub fn attempt_limit(&self) -> Option<Duration> {
        match self.attempt_limit.load(Ordering::Relaxed) {
            NO_LIMIT => None,
            nanos => Some(Duration::from_nanos(nanos)),
        }
    }

    /// The timeout set on this stage with
    /// [`StageSpec::timeout`](crate::StageSpec::timeout), if any.
    #[must_use]
    pub fn timeout_override(&self) -> Option<Duration> {
        self.stage.timeout
    }

    /// The attempt limit set on this stage with
    /// [`StageSpec::max_attempts`](crate::StageSpec::max_attempts), if any.
    #[must_use]
    pub fn max_attempts_override(&self) -> Option<u32> {
        self.stage.max_attempts
    }

    /// Whether the circuit breaker interceptor guards this stage (not when it was built with
    /// [`StageSpec::without_circuit_breaker`](crate::StageSpec::without_circuit_breaker)).
    #[must_use]
    pub fn circuit_breaker_enabled(&self) -> bool {
        self.stage.circuit_breaker
    }

    /// Emits an event now (without waiting on the sink). `data` should be a JSON object; it gets
    /// the run's `pipeline_run_id` and `request_id` and this stage's name under `stage`.
    ///
    /// ```
    /// # use stageflow::StageContext;
    /// # fn f(ctx: &StageContext) {
    /// ctx.emit_event("guard.input.blocked", serde_json::json!({"reason": "pii"}));
    /// # }
    /// ```
    pub fn emit_event(&self, event_type: &str, data: Value) {
        let payload = Payload::Stamped {
            run: Arc::clone(&self.run.info),
            stage: Arc::clone(&self.stage.name),
            data: value_to_data(data),
        };
        self.run
            .emit(Arc::from(event_type), self.run.info.now(), payload);
    }

    /// The event sink of the run (to emit with the async [`EventSink::emit`] when waiting for the
    /// sink is acceptable).
    #[must_use]
    pub fn event_sink(&self) -> &Arc<dyn EventSink> {
        &self.run.sink
    }

    /// Sends incremental output to the caller, waiting for room in the channel. See
    /// [`crate::streaming`] for the back-pressure policy.
    ///
    /// # Errors
    /// [`StreamError::Closed`], [`StreamError::Stalled`] or [`StreamError::Cancelled`].
    pub async fn stream(&self, data: impl Into<Value>) -> Result<(), StreamError> {
        self.run
            .stream
            .send(&self.stage.name, data.into(), self.cancellation())
            .await
    }

    /// Sends incremental output without waiting.
    ///
    /// # Errors
    /// [`StreamError::Full`] when the channel has no room, [`StreamError::Closed`] when the
    /// receiver is gone.
    pub fn try_stream(&self, data: impl Into<Value>) -> Result<(), StreamError> {
        self.run.stream.try_send(&self.stage.name, data.into())
    }

    /// Whether the caller is receiving streamed output.
    #[must_use]
    pub fn is_streaming(&self) -> bool {
        self.run.stream.is_enabled()
    }

    /// A token cancelled when the run stops early (a sibling failed or cancelled, or the caller
    /// cancelled). Await [`CancellationToken::cancelled`] in long waits.
    ///
    /// It is a child of the run's token: cancelling it stops only this stage's waits.
    pub fn cancellation(&self) -> &CancellationToken {
        self.cancellation
            .get_or_init(|| self.run.token.child_token())
    }

    /// Whether the run is stopping.
    #[must_use]
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.get().map_or_else(
            || self.run.token.is_cancelled(),
            CancellationToken::is_cancelled,
        )
    }

    /// Whether the run itself is stopping (unlike [`is_cancelled`](Self::is_cancelled), not
    /// when only this stage's token was cancelled).
    pub(crate) fn run_is_stopping(&self) -> bool {
        self.run.token.is_cancelled()
    }

    pub(crate) fn run(&self) -> &RunScope {
        &self.run
    }
}

/// Builds a [`StageContext`] outside a pipeline, to unit-test a stage. Created by
/// [`StageContext::builder`].
#[derive(Debug)]
pub struct StageContextBuilder {
    snapshot: Arc<ContextSnapshot>,
    pipeline: String,
    stage: String,
    kind: StageKind,
    inputs: Vec<InputEntry>,
    config: StageData,
    sink: Arc<dyn EventSink>,
    stream: Option<mpsc::Sender<StreamItem>>,
    stall_timeout: Duration,
    token: CancellationToken,
}

impl StageContextBuilder {
    fn new(snapshot: Arc<ContextSnapshot>) -> Self {
        Self {
            snapshot,
            pipeline: "test".to_owned(),
            stage: "stage".to_owned(),
            kind: StageKind::Transform,
            inputs: Vec::new(),
            config: StageData::new(),
            sink: Arc::new(NoOpEventSink),
            stream: None,
            stall_timeout: DEFAULT_STREAM_STALL_TIMEOUT,
            token: CancellationToken::new(),
        }
    }

    /// Names the pipeline (default `"test"`).
    #[must_use]
    pub fn pipeline(mut self, name: impl Into<String>) -> Self {
        self.pipeline = name.into();
        self
    }

    /// Names the stage (default `"stage"`).
    #[must_use]
    pub fn stage(mut self, name: impl Into<String>) -> Self {
        self.stage = name.into();
        self
    }

    /// Sets the stage kind (default `Transform`).
    #[must_use]
    pub fn kind(mut self, kind: StageKind) -> Self {
        self.kind = kind;
        self
    }

    /// Adds a dependency that finished `Ok` with `data` (a JSON object).
    #[must_use]
    pub fn input(mut self, stage: impl Into<String>, data: Value) -> Self {
        self.push_input(stage.into(), StageStatus::Ok, value_to_data(data));
        self
    }

    /// Adds a dependency that skipped for `reason`.
    #[must_use]
    pub fn skipped_input(mut self, stage: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut data = StageData::new();
        data.insert(SKIP_REASON_KEY.to_owned(), Value::String(reason.into()));
        self.push_input(stage.into(), StageStatus::Skip, data);
        self
    }

    fn push_input(&mut self, stage: String, status: StageStatus, data: StageData) {
        let result = StageResult::recorded(stage.into(), status, data);
        self.inputs.push(Arc::new(result));
    }

    /// Adds a run config value.
    #[must_use]
    pub fn config(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.config.insert(key.into(), value.into());
        self
    }

    /// Sends emitted events to `sink` (default: discarded).
    #[must_use]
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sink = sink;
        self
    }

    /// Sends streamed output to `tx`.
    #[must_use]
    pub fn stream(mut self, tx: mpsc::Sender<StreamItem>) -> Self {
        self.stream = Some(tx);
        self
    }

    /// Uses `token` as the run's cancellation token.
    #[must_use]
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.token = token;
        self
    }

    /// Builds the context.
    #[must_use]
    pub fn build(self) -> StageContext {
        let run = RunScope {
            service: service_label(&self.snapshot),
            info: Arc::new(RunInfo::new(self.pipeline.into(), self.snapshot)),
            sink: self.sink,
            config: Some(Arc::new(self.config)),
            stream: StreamTarget::new(self.stream, self.stall_timeout),
            token: self.token,
        };
        let stage = StageInfo {
            name: self.stage.into(),
            kind: self.kind,
            timeout: None,
            max_attempts: None,
            circuit_breaker: true,
        };
        StageContext::new(
            Arc::new(run),
            Arc::new(stage),
            StageInputs::new(self.inputs),
            Instant::now(),
        )
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::events::InMemoryEventSink;
    use serde_json::json;

    #[test]
    fn emitted_events_carry_the_correlation_ids_and_the_stage() {
        let sink = InMemoryEventSink::new();
        let snapshot = ContextSnapshot::new().with_request_id("req-1");
        let run_id = snapshot.pipeline_run_id.to_string();
        let ctx = StageContext::builder(snapshot)
            .stage("input_guard")
            .sink(Arc::new(sink.clone()))
            .build();
        ctx.emit_event("guard.input.blocked", json!({"reason": "pii"}));
        let events = sink.events();
        assert_eq!(events.len(), 1);
        let data = events[0].data();
        assert_eq!(data["reason"], "pii");
        assert_eq!(data["stage"], "input_guard");
        assert_eq!(data["request_id"], "req-1");
        assert_eq!(data["pipeline_run_id"], json!(run_id));
    }

    #[test]
    fn config_values_are_typed() {
        let ctx = StageContext::builder(ContextSnapshot::new())
            .config("temperature", 0.5)
            .config("model", "m")
            .build();
        assert_eq!(ctx.config_value::<f64>("temperature").unwrap(), Some(0.5));
        assert_eq!(ctx.config_value::<u32>("max_tokens").unwrap(), None);
        assert!(matches!(
            ctx.config_value::<u32>("model"),
            Err(InputError::MistypedConfig { .. })
        ));
    }

    #[test]
    fn the_stage_token_follows_the_run_token() {
        let token = CancellationToken::new();
        let ctx = StageContext::builder(ContextSnapshot::new())
            .cancellation(token.clone())
            .build();
        assert!(!ctx.is_cancelled());
        token.cancel();
        assert!(ctx.is_cancelled());
        assert!(ctx.cancellation().is_cancelled());
    }
}
