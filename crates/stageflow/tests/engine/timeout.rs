//! Timeouts: the default from the configuration, overridable per stage.

use std::sync::Arc;
use std::time::Duration;

use stageflow::interceptors::{InterceptorConfig, RetryConfig, default_interceptors};
use stageflow::{Pipeline, PipelineError, StageErrorKind, StageOutput, codes};

use crate::support::{run, spec, stage};

fn sleeper(duration: Duration) -> impl stageflow::Stage + 'static {
    stage(move |_| async move {
        tokio::time::sleep(duration).await;
        Ok(StageOutput::ok())
    })
}

fn interceptors(stage_timeout: Duration) -> Vec<Arc<dyn stageflow::interceptors::Interceptor>> {
    default_interceptors(&InterceptorConfig {
        stage_timeout,
        retry: RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        },
        ..InterceptorConfig::default()
    })
}

#[tokio::test(start_paused = true)]
async fn a_stage_past_its_own_timeout_fails_with_a_typed_error() {
    let pipeline = Pipeline::builder("p")
        .stage(spec("sibling", sleeper(Duration::from_secs(20))))
        .stage(spec("slow", sleeper(Duration::from_secs(20))).timeout(Duration::from_secs(2)))
        .interceptors(interceptors(Duration::from_secs(30)))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    let PipelineError::StageFailed {
        stage,
        error,
        retryable,
        partial_results,
    } = outcome.unwrap_err()
    else {
        panic!("expected a stage failure");
    };
    assert_eq!(stage, "slow");
    assert_eq!(error.code(), codes::STAGE_TIMEOUT);
    assert_eq!(
        error.kind(),
        &StageErrorKind::Timeout {
            after: Duration::from_secs(2)
        }
    );
    assert!(retryable);
    assert_eq!(
        partial_results.get("slow").unwrap().duration,
        Duration::from_secs(2)
    );
    assert_eq!(
        sink.of_type("stage.slow.failed")[0].data()["error_code"],
        codes::STAGE_TIMEOUT
    );
}

#[tokio::test(start_paused = true)]
async fn the_configured_default_applies_to_stages_without_their_own() {
    let pipeline = Pipeline::builder("p")
        .stage(spec("slow", sleeper(Duration::from_millis(1500))))
        .interceptors(interceptors(Duration::from_millis(1000)))
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    assert_eq!(outcome.unwrap_err().stage(), Some("slow"));

    let generous = Pipeline::builder("p")
        .stage(spec("slow", sleeper(Duration::from_millis(1500))).timeout(Duration::from_secs(2)))
        .interceptors(interceptors(Duration::from_millis(1000)))
        .build()
        .unwrap();
    let (outcome, _) = run(&generous).await;
    assert!(outcome.is_ok());
}

#[tokio::test]
async fn a_stage_can_read_its_attempt_limit() {
    let pipeline = Pipeline::builder("p")
        .stage(
            spec(
                "llm",
                stage(|ctx| async move {
                    let limit = ctx.attempt_limit().map(|limit| limit.as_millis());
                    Ok(StageOutput::ok().with("limit_ms", limit.map(|ms| ms as u64)))
                }),
            )
            .timeout(Duration::from_millis(1500)),
        )
        .interceptors(interceptors(Duration::from_secs(30)))
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    assert_eq!(outcome.unwrap().get("llm").unwrap().data["limit_ms"], 1500);
}
