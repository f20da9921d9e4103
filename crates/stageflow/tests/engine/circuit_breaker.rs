//! Circuit breaker: closed → open (fails fast, typed error) → half-open probe → closed, with
//! state shared across runs and pipelines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use stageflow::interceptors::{
    CircuitBreakerConfig, CircuitBreakerInterceptor, CircuitBreakers, CircuitState, Interceptor,
};
use stageflow::{Pipeline, PipelineError, StageError, StageErrorKind, StageOutput, codes};

use crate::support::{run, spec, stage};

struct Provider {
    calls: Arc<AtomicU32>,
    failing: Arc<AtomicBool>,
}

impl Provider {
    fn new() -> Self {
        Self {
            calls: Arc::new(AtomicU32::new(0)),
            failing: Arc::new(AtomicBool::new(true)),
        }
    }

    fn stage(&self) -> impl stageflow::Stage + 'static {
        let (calls, failing) = (Arc::clone(&self.calls), Arc::clone(&self.failing));
        stage(move |_| {
            calls.fetch_add(1, Ordering::SeqCst);
            let failing = failing.load(Ordering::SeqCst);
            async move {
                if failing {
                    Err(StageError::transient("PROVIDER_ERROR", "503 from provider"))
                } else {
                    Ok(StageOutput::ok().with("response", "hi"))
                }
            }
        })
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

fn breakers() -> Arc<CircuitBreakers> {
    Arc::new(CircuitBreakers::new(CircuitBreakerConfig {
        failure_threshold: 2,
        window: Duration::from_secs(60),
        open_duration: Duration::from_secs(30),
    }))
}

fn pipeline(provider: &Provider, breaker: CircuitBreakerInterceptor) -> Pipeline {
    Pipeline::builder("chat")
        .stage(spec("llm", provider.stage()))
        .interceptors(vec![Arc::new(breaker) as Arc<dyn Interceptor>])
        .build()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_fails_fast_probes_and_closes() {
    let provider = Provider::new();
    let breakers = breakers();
    let pipeline = pipeline(
        &provider,
        CircuitBreakerInterceptor::new(Arc::clone(&breakers)),
    );

    // Closed: two failures open the circuit.
    let (first, _) = run(&pipeline).await;
    assert_eq!(first.unwrap_err().stage(), Some("llm"));
    assert_eq!(breakers.state("llm"), CircuitState::Closed);
    let (_, sink) = run(&pipeline).await;
    assert_eq!(breakers.state("llm"), CircuitState::Open);
    let opened = sink.of_type("circuit.opened");
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0].data()["key"], "llm");
    assert_eq!(opened[0].data()["failures"], 2);
    assert_eq!(provider.calls(), 2);

    // Open: the stage does not run; the run fails with a typed error.
    tokio::time::advance(Duration::from_secs(10)).await;
    let (outcome, _) = run(&pipeline).await;
    assert_eq!(
        provider.calls(),
        2,
        "an open circuit does not call the provider"
    );
    let PipelineError::StageFailed { error, .. } = outcome.unwrap_err() else {
        panic!("expected a stage failure");
    };
    assert_eq!(error.code(), codes::CIRCUIT_OPEN);
    let StageErrorKind::CircuitOpen(open) = error.kind() else {
        panic!("expected a CircuitOpen error, got {error:?}");
    };
    assert_eq!(open.key, "llm");
    assert_eq!(open.retry_after, Duration::from_secs(20));

    // Half-open after the open duration: a failing probe reopens the circuit.
    tokio::time::advance(Duration::from_secs(20)).await;
    assert_eq!(breakers.state("llm"), CircuitState::HalfOpen);
    let (outcome, sink) = run(&pipeline).await;
    assert!(outcome.is_err());
    assert_eq!(provider.calls(), 3);
    assert_eq!(breakers.state("llm"), CircuitState::Open);
    assert_eq!(sink.of_type("circuit.opened").len(), 1);

    // A successful probe closes it.
    tokio::time::advance(Duration::from_secs(30)).await;
    provider.failing.store(false, Ordering::SeqCst);
    let (outcome, sink) = run(&pipeline).await;
    assert!(outcome.is_ok());
    assert_eq!(provider.calls(), 4);
    assert_eq!(breakers.state("llm"), CircuitState::Closed);
    assert_eq!(sink.of_type("circuit.closed").len(), 1);
    let (outcome, _) = run(&pipeline).await;
    assert!(outcome.is_ok());
    assert_eq!(provider.calls(), 5);
}

#[tokio::test(start_paused = true)]
async fn an_application_key_shares_one_breaker_across_pipelines() {
    let breakers = breakers();
    let by_model = || {
        CircuitBreakerInterceptor::new(Arc::clone(&breakers))
            .with_key(|ctx| Some(format!("groq:{}", ctx.config_value::<&str>("model").ok()??)))
    };
    let (chat_provider, email_provider) = (Provider::new(), Provider::new());
    let chat = pipeline(&chat_provider, by_model());
    let email = pipeline(&email_provider, by_model());
    let options = || stageflow::RunOptions::new().config_value("model", "llama");

    let (_, _) = crate::support::run_with(&chat, options()).await;
    let (_, _) = crate::support::run_with(&email, options()).await;
    assert_eq!(breakers.state("groq:llama"), CircuitState::Open);
    assert_eq!(breakers.state("llm"), CircuitState::Closed);

    let (outcome, _) = crate::support::run_with(&chat, options()).await;
    assert!(matches!(
        outcome.unwrap_err(),
        PipelineError::StageFailed { ref error, .. } if error.circuit_open_details().is_some()
    ));
    assert_eq!(chat_provider.calls() + email_provider.calls(), 2);

    // Without a model the key function exempts the call.
    let (outcome, _) = run(&chat).await;
    assert!(outcome.is_err());
    assert_eq!(chat_provider.calls(), 2);
}

#[tokio::test(start_paused = true)]
async fn retries_stop_at_an_open_circuit() {
    let provider = Provider::new();
    let breakers = breakers();
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", provider.stage()))
        .interceptors(stageflow::interceptors::default_interceptors(
            &stageflow::interceptors::InterceptorConfig {
                retry: stageflow::interceptors::RetryConfig {
                    max_attempts: 5,
                    ..Default::default()
                },
                circuit_breakers: Arc::clone(&breakers),
                ..Default::default()
            },
        ))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    // Two real attempts open the circuit; the third attempt is rejected and not retried.
    assert_eq!(provider.calls(), 2);
    assert_eq!(sink.of_type("stage.retry_scheduled").len(), 2);
    let PipelineError::StageFailed { error, .. } = outcome.unwrap_err() else {
        panic!("expected a stage failure");
    };
    assert_eq!(error.code(), codes::CIRCUIT_OPEN);
}

#[tokio::test(start_paused = true)]
async fn a_stage_without_the_breaker_is_never_refused() {
    let provider = Provider::new();
    let breakers = breakers();
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", provider.stage()).without_circuit_breaker())
        .interceptors(vec![
            Arc::new(CircuitBreakerInterceptor::new(Arc::clone(&breakers))) as Arc<dyn Interceptor>,
        ])
        .build()
        .unwrap();
    for _ in 0..4 {
        let (outcome, _) = run(&pipeline).await;
        assert!(outcome.is_err());
    }
    assert_eq!(provider.calls(), 4, "every run asked the stage");
    assert_eq!(breakers.state("llm"), CircuitState::Closed);
}

#[tokio::test(start_paused = true)]
async fn a_permit_reports_to_the_shared_breaker_and_an_unreported_probe_is_given_back() {
    let breakers = breakers();
    for _ in 0..2 {
        let permit = breakers.try_acquire("groq:m").unwrap();
        assert!(!permit.is_probe());
        let _ = permit.record(false);
    }
    assert_eq!(breakers.state("groq:m"), CircuitState::Open);
    let refused = breakers.try_acquire("groq:m").unwrap_err();
    assert!(refused.retry_after > Duration::ZERO);

    tokio::time::advance(Duration::from_secs(30)).await;
    let probe = breakers.try_acquire("groq:m").unwrap();
    assert!(probe.is_probe());
    assert!(
        breakers.try_acquire("groq:m").is_err(),
        "one probe at a time"
    );
    drop(probe);
    let probe = breakers.try_acquire("groq:m").unwrap();
    assert!(probe.is_probe(), "the dropped probe's permit came back");
    assert_eq!(
        probe.record(true),
        Some(stageflow::interceptors::CircuitTransition::Closed)
    );
    assert_eq!(breakers.state("groq:m"), CircuitState::Closed);
}
