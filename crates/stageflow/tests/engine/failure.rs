//! Failure: a returned `Fail`, an error or a panic fails the run and cancels running siblings.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use stageflow::{
    Pipeline, PipelineError, StageError, StageErrorKind, StageOutput, StageStatus, codes,
};
use tokio::sync::Notify;

use crate::support::{noop, quiet_interceptors, run, spec, stage};

/// A pipeline where `failing` fails once `sibling` is running; returns the run's error and
/// whether the sibling observed the cancellation.
async fn fail_with(
    failing: impl stageflow::Stage + 'static,
) -> (PipelineError, bool, crate::support::Log) {
    let log = crate::support::Log::default();
    let started = Arc::new(Notify::new());
    let observed = Arc::new(AtomicBool::new(false));
    let sibling = {
        let (started, observed) = (Arc::clone(&started), Arc::clone(&observed));
        stage(move |ctx| {
            let (started, observed) = (Arc::clone(&started), Arc::clone(&observed));
            async move {
                started.notify_one();
                ctx.cancellation().cancelled().await;
                observed.store(true, Ordering::SeqCst);
                Err(StageError::new("ABORTED", "cancelled mid-call"))
            }
        })
    };
    let gate = {
        let started = Arc::clone(&started);
        stage(move |_| {
            let started = Arc::clone(&started);
            async move {
                started.notified().await;
                Ok(StageOutput::ok())
            }
        })
    };
    let pipeline = Pipeline::builder("chat")
        .stage(spec("sibling", sibling))
        .stage(spec("gate", gate))
        .stage(spec("llm", failing).depends_on(["gate"]))
        .stage(spec("persist", log.stage("persist")).depends_on(["llm"]))
        .interceptors(quiet_interceptors())
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    (outcome.unwrap_err(), observed.load(Ordering::SeqCst), log)
}

#[tokio::test]
async fn a_returned_fail_cancels_running_siblings() {
    let failing =
        stage(|_| async { Ok(StageOutput::fail("model refused").with("partial", "Hel")) });
    let (error, observed, log) = fail_with(failing).await;
    let PipelineError::StageFailed {
        stage,
        error: cause,
        retryable,
        partial_results,
    } = &error
    else {
        panic!("expected a stage failure, got {error:?}");
    };
    assert_eq!(stage, "llm");
    assert_eq!(
        (cause.code(), cause.message()),
        (codes::STAGE_FAILED, "model refused")
    );
    assert!(!retryable);
    assert!(observed, "the running sibling saw the cancellation");
    let status = |name: &str| partial_results.get(name).map(|r| r.status);
    assert_eq!(status("llm"), Some(StageStatus::Fail));
    assert_eq!(partial_results.get("llm").unwrap().data["partial"], "Hel");
    assert_eq!(status("sibling"), Some(StageStatus::Cancel));
    assert_eq!(status("gate"), Some(StageStatus::Ok));
    assert!(log.entries().is_empty(), "dependents never start");
}

#[tokio::test]
async fn a_returned_error_keeps_its_code_and_retryable_flag() {
    let failing = stage(|_| async { Err(StageError::transient("PROVIDER_TIMEOUT", "no answer")) });
    let (error, observed, _) = fail_with(failing).await;
    assert!(observed);
    assert_eq!(error.stage(), Some("llm"));
    assert!(error.retryable());
    let PipelineError::StageFailed { error: cause, .. } = error else {
        unreachable!()
    };
    assert_eq!(cause.code(), "PROVIDER_TIMEOUT");
}

#[tokio::test]
async fn a_panicking_stage_fails_the_run_without_crashing() {
    let failing = stage(|ctx| async move {
        if ctx.stage_name() == "llm" {
            panic!("index out of bounds");
        }
        Ok(StageOutput::ok())
    });
    let (error, observed, _) = fail_with(failing).await;
    assert!(observed);
    let PipelineError::StageFailed {
        stage,
        error: cause,
        retryable,
        ..
    } = error
    else {
        panic!("expected a stage failure");
    };
    assert_eq!(stage, "llm");
    assert_eq!(cause.kind(), &StageErrorKind::Panicked);
    assert_eq!(cause.code(), codes::STAGE_PANICKED);
    assert!(cause.message().contains("index out of bounds"));
    assert!(!retryable);
}

#[tokio::test]
async fn a_missing_input_is_a_typed_failure() {
    let failing = stage(|ctx| async move {
        let response: String = ctx.inputs().get("response")?;
        Ok(StageOutput::ok().with("response", response))
    });
    let (error, _, _) = fail_with(failing).await;
    let PipelineError::StageFailed { error: cause, .. } = error else {
        unreachable!()
    };
    assert_eq!(cause.code(), codes::INPUT_MISSING);
    assert_eq!(cause.kind(), &StageErrorKind::Input);
    assert_eq!(cause.message(), "no dependency produced `response`");
}

#[tokio::test]
async fn a_panic_in_a_root_stage_is_contained_too() {
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "boom",
            stage(|ctx| async move {
                assert!(ctx.stage_name().is_empty(), "boom");
                Ok(StageOutput::ok())
            }),
        ))
        .stage(spec("after", noop()).depends_on(["boom"]))
        .interceptors(Vec::new())
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    assert_eq!(outcome.unwrap_err().stage(), Some("boom"));
    assert_eq!(
        sink.of_type("stage.boom.failed")[0].data()["error_code"],
        codes::STAGE_PANICKED
    );
}

/// Panics in every hook the engine calls outside a stage.
#[derive(Debug)]
struct PanickingHooks;

impl stageflow::interceptors::Interceptor for PanickingHooks {
    fn name(&self) -> &str {
        "panicking_hooks"
    }

    fn priority(&self) -> i32 {
        0
    }

    fn on_stage_end(&self, _ctx: &stageflow::StageContext, result: &stageflow::StageResult) {
        panic!("on_stage_end of {}", result.name);
    }

    fn on_pipeline_start(&self, _run: &stageflow::interceptors::RunStart<'_>) {
        panic!("on_pipeline_start");
    }

    fn on_pipeline_end(&self, _run: &stageflow::interceptors::RunEnd<'_>) {
        panic!("on_pipeline_end");
    }
}

/// Counts the calls of the hooks that the panicking interceptor (outside it) also gets.
#[derive(Debug, Default)]
struct CountingHooks {
    stage_ends: std::sync::atomic::AtomicUsize,
    pipeline_ends: std::sync::atomic::AtomicUsize,
}

impl stageflow::interceptors::Interceptor for CountingHooks {
    fn name(&self) -> &str {
        "counting_hooks"
    }

    fn priority(&self) -> i32 {
        1
    }

    fn on_stage_end(&self, _ctx: &stageflow::StageContext, _result: &stageflow::StageResult) {
        self.stage_ends.fetch_add(1, Ordering::SeqCst);
    }

    fn on_pipeline_end(&self, _run: &stageflow::interceptors::RunEnd<'_>) {
        self.pipeline_ends.fetch_add(1, Ordering::SeqCst);
    }
}

/// Panics on some event types, records the others.
#[derive(Debug)]
struct PanickingSink {
    panics_on: &'static [&'static str],
    recorded: stageflow::events::InMemoryEventSink,
}

impl stageflow::events::EventSink for PanickingSink {
    fn try_emit(&self, event: stageflow::events::Event) {
        assert!(
            !self.panics_on.contains(&event.event_type()),
            "sink broke on {}",
            event.event_type()
        );
        self.recorded.try_emit(event);
    }
}

#[tokio::test]
async fn panics_in_run_hooks_and_sinks_are_contained() {
    let counting = Arc::new(CountingHooks::default());
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "a",
            stage(|ctx| async move {
                ctx.emit_event("a.progress", serde_json::json!({ "step": 1 }));
                Ok(StageOutput::ok()
                    .with("value", 1)
                    .with_event("a.done", serde_json::json!({})))
            }),
        ))
        .stage(spec("b", noop()).depends_on(["a"]))
        .interceptors(vec![
            Arc::new(PanickingHooks),
            Arc::clone(&counting) as Arc<dyn stageflow::interceptors::Interceptor>,
        ])
        .build()
        .unwrap();
    let sink = PanickingSink {
        panics_on: &[
            "pipeline.started",
            "a.progress",
            "a.done",
            "stage.a.completed",
            "pipeline.completed",
        ],
        recorded: stageflow::events::InMemoryEventSink::new(),
    };
    let recorded = sink.recorded.clone();
    let results = pipeline
        .run(
            crate::support::snapshot(),
            stageflow::RunOptions::new().sink(Arc::new(sink)),
        )
        .await
        .expect("the run completes despite the panics");

    assert_eq!(results.len(), 2);
    assert_eq!(results.get("a").unwrap().status, StageStatus::Ok);
    assert_eq!(results.get("b").unwrap().status, StageStatus::Ok);
    assert_eq!(counting.stage_ends.load(Ordering::SeqCst), 2);
    assert_eq!(counting.pipeline_ends.load(Ordering::SeqCst), 1);
    assert_eq!(
        recorded.event_types(),
        [
            "stage.a.started",
            "stage.wide",
            "stage.b.started",
            "stage.b.completed",
            "stage.wide",
            "pipeline.wide",
        ]
    );
}
