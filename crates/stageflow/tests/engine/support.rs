//! Helpers shared by the tests: stages made from closures, an ordered log, run shortcuts.

use std::future::Future;
use std::sync::{Arc, Mutex};

use stageflow::events::InMemoryEventSink;
use stageflow::interceptors::{
    CircuitBreakerConfig, CircuitBreakers, Interceptor, InterceptorConfig, RetryConfig,
    default_interceptors,
};
use stageflow::{
    ContextSnapshot, FnStage, Pipeline, PipelineError, PipelineResults, RunOptions, Stage,
    StageContext, StageError, StageKind, StageOutput, StageSpec,
};

/// A stage made from an async closure.
pub fn stage<F, Fut>(f: F) -> impl Stage + 'static
where
    F: Fn(StageContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<StageOutput, StageError>> + Send + 'static,
{
    FnStage::new(f)
}

/// A stage that succeeds with no data.
pub fn noop() -> impl Stage + 'static {
    stage(|_| async { Ok(StageOutput::ok()) })
}

/// A spec of kind `Work`.
pub fn spec(name: &str, runner: impl Stage + 'static) -> StageSpec {
    StageSpec::new(name, runner, StageKind::Work)
}

/// A shared, ordered log of what happened.
#[derive(Debug, Clone, Default)]
pub struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    pub fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    pub fn position(&self, entry: &str) -> usize {
        self.entries()
            .iter()
            .position(|e| e == entry)
            .unwrap_or_else(|| panic!("`{entry}` not in the log {:?}", self.entries()))
    }

    /// A stage that logs `start {name}` and `end {name}` around `yield_now`.
    pub fn stage(&self, name: &'static str) -> impl Stage + 'static {
        let log = self.clone();
        stage(move |_| {
            let log = log.clone();
            async move {
                log.push(format!("start {name}"));
                tokio::task::yield_now().await;
                log.push(format!("end {name}"));
                Ok(StageOutput::ok().with("by", name))
            }
        })
    }
}

/// A snapshot with a request id and a service.
pub fn snapshot() -> ContextSnapshot {
    ContextSnapshot::new()
        .with_request_id("req-1")
        .with_service("test")
        .with_topology("test_pipeline")
        .with_execution_mode("test")
}

/// Runs `pipeline` with an in-memory sink; returns the outcome and the sink.
pub async fn run(
    pipeline: &Pipeline,
) -> (Result<PipelineResults, PipelineError>, InMemoryEventSink) {
    run_with(pipeline, RunOptions::new()).await
}

/// Runs `pipeline` with `options` and an in-memory sink.
pub async fn run_with(
    pipeline: &Pipeline,
    options: RunOptions,
) -> (Result<PipelineResults, PipelineError>, InMemoryEventSink) {
    let sink = InMemoryEventSink::new();
    let outcome = pipeline
        .run(snapshot(), options.sink(Arc::new(sink.clone())))
        .await;
    (outcome, sink)
}

/// The default interceptors with no retries and a breaker that never opens in practice.
pub fn quiet_interceptors() -> Vec<Arc<dyn Interceptor>> {
    default_interceptors(&InterceptorConfig {
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        circuit_breakers: Arc::new(CircuitBreakers::new(CircuitBreakerConfig {
            failure_threshold: u32::MAX,
            ..CircuitBreakerConfig::default()
        })),
        ..InterceptorConfig::default()
    })
}
