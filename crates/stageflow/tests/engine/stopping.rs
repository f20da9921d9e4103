//! Attempts that end because the run stops (the caller cancels, a sibling cancels or fails) are
//! not failures of their provider: the circuit breaker does not count them and the retry
//! interceptor neither retries them nor reports them.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use stageflow::events::InMemoryEventSink;
use stageflow::interceptors::{
    CircuitBreakerConfig, CircuitBreakers, CircuitState, InterceptorConfig, RetryConfig,
    default_interceptors,
};
use stageflow::{
    Pipeline, PipelineError, PipelineResults, RunOptions, StageError, StageOutput, StageStatus,
};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::support::{run_with, spec, stage};

/// What stops the run while `llm` waits on its provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    Caller,
    SiblingCancel,
    SiblingFail,
}

struct Setup {
    breakers: Arc<CircuitBreakers>,
    calls: Arc<AtomicU32>,
    /// When set, `llm` fails at once (a real provider failure) instead of waiting.
    failing: Arc<AtomicBool>,
    started: Arc<Notify>,
}

impl Setup {
    fn new() -> Self {
        Self {
            breakers: Arc::new(CircuitBreakers::new(CircuitBreakerConfig {
                failure_threshold: 1,
                window: Duration::from_secs(60),
                open_duration: Duration::from_secs(30),
            })),
            calls: Arc::new(AtomicU32::new(0)),
            failing: Arc::new(AtomicBool::new(false)),
            started: Arc::new(Notify::new()),
        }
    }

    /// `llm` calls its provider, which gives up with a retryable error once the run is
    /// cancelled; `guard` (unless the caller stops the run) stops it once `llm` is waiting.
    fn pipeline(&self, trigger: Trigger) -> Pipeline {
        let llm = {
            let (calls, failing, started) = (
                Arc::clone(&self.calls),
                Arc::clone(&self.failing),
                Arc::clone(&self.started),
            );
            stage(move |ctx| {
                calls.fetch_add(1, Ordering::SeqCst);
                let (failing, started) = (failing.load(Ordering::SeqCst), Arc::clone(&started));
                async move {
                    if !failing {
                        started.notify_one();
                        ctx.cancellation().cancelled().await;
                    }
                    Err(StageError::transient("PROVIDER_ERROR", "request aborted"))
                }
            })
        };
        let mut builder = Pipeline::builder("chat").stage(spec("llm", llm));
        if trigger != Trigger::Caller {
            let started = Arc::clone(&self.started);
            let guard = stage(move |_| {
                let started = Arc::clone(&started);
                async move {
                    started.notified().await;
                    match trigger {
                        Trigger::SiblingFail => Err(StageError::new("GUARD_ERROR", "guard broke")),
                        _ => Ok(StageOutput::cancel("input blocked")),
                    }
                }
            });
            builder = builder.stage(spec("guard", guard));
        }
        builder
            .interceptors(default_interceptors(&InterceptorConfig {
                retry: RetryConfig {
                    max_attempts: 3,
                    base_delay: Duration::from_millis(100),
                    ..RetryConfig::default()
                },
                circuit_breakers: Arc::clone(&self.breakers),
                ..InterceptorConfig::default()
            }))
            .build()
            .unwrap()
    }

    async fn run(&self, trigger: Trigger) -> (PipelineError, InMemoryEventSink) {
        let pipeline = self.pipeline(trigger);
        let token = CancellationToken::new();
        let run = run_with(&pipeline, RunOptions::new().cancellation(token.clone()));
        let cancel = async {
            if trigger == Trigger::Caller {
                self.started.notified().await;
                token.cancel();
            }
        };
        let ((outcome, sink), ()) = tokio::join!(run, cancel);
        (outcome.unwrap_err(), sink)
    }
}

fn status(results: &PipelineResults, stage: &str) -> Option<StageStatus> {
    results.get(stage).map(|result| result.status)
}

#[tokio::test(start_paused = true)]
async fn an_attempt_ended_by_the_run_stopping_is_neither_counted_nor_retried() {
    for trigger in [
        Trigger::Caller,
        Trigger::SiblingCancel,
        Trigger::SiblingFail,
    ] {
        let setup = Setup::new();
        let (error, sink) = setup.run(trigger).await;

        assert_eq!(setup.calls.load(Ordering::SeqCst), 1, "{trigger:?}");
        assert_eq!(
            setup.breakers.state("llm"),
            CircuitState::Closed,
            "{trigger:?}: the breaker counted a cancelled attempt"
        );
        assert!(
            sink.of_type("stage.retry_scheduled").is_empty(),
            "{trigger:?}: {:?}",
            sink.event_types()
        );
        assert!(
            sink.of_type("stage.retry_exhausted").is_empty(),
            "{trigger:?}"
        );
        assert!(
            sink.of_type("circuit.opened")
                .iter()
                .all(|event| event.data()["key"] != "llm")
        );
        assert_eq!(
            status(error.partial_results(), "llm"),
            Some(StageStatus::Cancel),
            "{trigger:?}"
        );
        if trigger == Trigger::SiblingFail {
            assert_eq!(error.stage(), Some("guard"));
            assert_eq!(
                setup.breakers.state("guard"),
                CircuitState::Open,
                "the stage that really failed is still counted"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_probe_ended_by_the_run_stopping_gives_its_permit_back() {
    let setup = Setup::new();
    setup.failing.store(true, Ordering::SeqCst);
    let (outcome, _) = run_with(&setup.pipeline(Trigger::Caller), RunOptions::new()).await;
    assert_eq!(outcome.unwrap_err().stage(), Some("llm"));
    assert_eq!(setup.breakers.state("llm"), CircuitState::Open);
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(setup.breakers.state("llm"), CircuitState::HalfOpen);

    // The probe is cancelled by its sibling: the breaker stays half-open for the next probe.
    setup.failing.store(false, Ordering::SeqCst);
    let (error, _) = setup.run(Trigger::SiblingCancel).await;
    assert_eq!(
        status(error.partial_results(), "llm"),
        Some(StageStatus::Cancel)
    );
    assert_eq!(setup.calls.load(Ordering::SeqCst), 2);
    assert_eq!(setup.breakers.state("llm"), CircuitState::HalfOpen);
}
