//! Retries: exact attempt counts, only for retryable failures, with backoff events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use stageflow::interceptors::{Interceptor, RetryConfig, RetryInterceptor};
use stageflow::{Pipeline, StageError, StageOutput, StageStatus};

use crate::support::{run, spec, stage};

/// A stage that counts its calls and answers with `answer(call number)`.
fn counted(
    calls: &Arc<AtomicU32>,
    answer: fn(u32) -> Result<StageOutput, StageError>,
) -> impl stageflow::Stage + 'static {
    let calls = Arc::clone(calls);
    stage(move |_| {
        let call = calls.fetch_add(1, Ordering::SeqCst) + 1;
        async move { answer(call) }
    })
}

fn retry(max_attempts: u32) -> Vec<Arc<dyn Interceptor>> {
    vec![Arc::new(RetryInterceptor::new(RetryConfig {
        max_attempts,
        base_delay: Duration::from_millis(100),
        ..RetryConfig::default()
    }))]
}

#[tokio::test(start_paused = true)]
async fn a_retryable_error_is_tried_exactly_max_attempts_times() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            counted(&calls, |_| {
                Err(StageError::transient("PROVIDER_TIMEOUT", "slow"))
            }),
        ))
        .interceptors(retry(3))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert!(outcome.unwrap_err().retryable());
    let scheduled = sink.of_type("stage.retry_scheduled");
    assert_eq!(scheduled.len(), 2);
    let attempts: Vec<_> = scheduled
        .iter()
        .map(|e| e.data()["attempt"].clone())
        .collect();
    assert_eq!(attempts, [1, 2]);
    for event in &scheduled {
        let data = event.data();
        assert_eq!(
            (data["stage"].as_str(), data["error_code"].as_str()),
            (Some("llm"), Some("PROVIDER_TIMEOUT"))
        );
        assert!(data["delay_ms"].as_u64().is_some());
        assert_eq!(data["request_id"], "req-1");
    }
    let exhausted = sink.of_type("stage.retry_exhausted");
    assert_eq!(exhausted.len(), 1);
    assert_eq!(exhausted[0].data()["attempts"], 3);
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_is_not_retried() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            counted(&calls, |_| Err(StageError::new("BAD_REQUEST", "no"))),
        ))
        .interceptors(retry(5))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(!outcome.unwrap_err().retryable());
    assert!(sink.of_type("stage.retry_scheduled").is_empty());
    assert!(sink.of_type("stage.retry_exhausted").is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_retry_status_is_retried_until_it_succeeds() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            counted(&calls, |call| {
                Ok(if call < 3 {
                    StageOutput::retry("rate limited")
                } else {
                    StageOutput::ok().with("call", call)
                })
            }),
        ))
        .interceptors(retry(4))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    let results = outcome.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(results.get("llm").unwrap().status, StageStatus::Ok);
    assert_eq!(results.get("llm").unwrap().data["call"], 3);
    assert_eq!(sink.of_type("stage.retry_scheduled").len(), 2);
    assert!(sink.of_type("stage.retry_exhausted").is_empty());
    assert_eq!(
        sink.of_type("stage.llm.completed").len(),
        1,
        "one outcome per stage"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stage_can_override_the_attempt_limit() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(
            spec(
                "persist",
                counted(&calls, |_| Err(StageError::transient("DB_BUSY", "busy"))),
            )
            .max_attempts(1),
        )
        .interceptors(retry(5))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    assert!(outcome.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(sink.of_type("stage.retry_exhausted").is_empty());
}

#[tokio::test(start_paused = true)]
async fn backoff_waits_between_attempts() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            counted(&calls, |_| Err(StageError::transient("X", "x"))),
        ))
        .interceptors(vec![Arc::new(RetryInterceptor::new(RetryConfig {
            max_attempts: 3,
            base_delay: Duration::from_secs(1),
            multiplier: 2.0,
            max_delay: Duration::from_secs(60),
            jitter: false,
        }))])
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    let error = outcome.unwrap_err();
    // 1 s then 2 s of (virtual) backoff.
    assert_eq!(
        error.partial_results().get("llm").unwrap().duration,
        Duration::from_secs(3)
    );
}

#[tokio::test(start_paused = true)]
async fn the_events_of_a_retried_attempt_are_emitted() {
    let calls = Arc::new(AtomicU32::new(0));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            counted(&calls, |call| {
                let output = if call == 1 {
                    StageOutput::retry("rate limited")
                } else {
                    StageOutput::ok()
                };
                Ok(output.with_event("llm.attempt", serde_json::json!({ "call": call })))
            }),
        ))
        .interceptors(retry(3))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    outcome.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let attempts = sink.of_type("llm.attempt");
    let data: Vec<_> = attempts
        .iter()
        .map(|event| (event.data()["call"].clone(), event.data()["stage"].clone()))
        .collect();
    assert_eq!(
        data,
        [
            (serde_json::json!(1), serde_json::json!("llm")),
            (serde_json::json!(2), serde_json::json!("llm"))
        ]
    );
    assert_eq!(attempts[0].data()["request_id"], "req-1");
    let types = sink.event_types();
    let position = |name: &str| types.iter().position(|t| t == name).unwrap();
    assert!(position("llm.attempt") < position("stage.llm.completed"));
}
