//! Cancellation: by a stage or by the caller; running siblings observe it and are awaited.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use stageflow::{Pipeline, PipelineError, RunOptions, StageOutput, StageStatus};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::support::{noop, run, run_with, spec, stage};

/// A stage that signals `started`, waits for cancellation, sets `observed`, then returns
/// `output`.
fn waits_for_cancellation(
    started: &Arc<Notify>,
    observed: &Arc<AtomicBool>,
    output: fn() -> StageOutput,
) -> impl stageflow::Stage + 'static {
    let (started, observed) = (Arc::clone(started), Arc::clone(observed));
    stage(move |ctx| {
        let (started, observed) = (Arc::clone(&started), Arc::clone(&observed));
        async move {
            started.notify_one();
            ctx.cancellation().cancelled().await;
            observed.store(true, Ordering::SeqCst);
            Ok(output())
        }
    })
}

#[tokio::test]
async fn a_stage_returning_cancel_stops_the_run_and_cancels_running_siblings() {
    let (started, started_too) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let (observed, observed_too) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let guard = {
        let (started, started_too) = (Arc::clone(&started), Arc::clone(&started_too));
        stage(move |_| {
            let (started, started_too) = (Arc::clone(&started), Arc::clone(&started_too));
            async move {
                started.notified().await;
                started_too.notified().await;
                Ok(StageOutput::cancel("input blocked").with("blocked", true))
            }
        })
    };
    let pipeline = Pipeline::builder("chat")
        .stage(spec("input_guard", guard))
        .stage(spec(
            "profile_enrich",
            waits_for_cancellation(&started, &observed, || StageOutput::cancel("gave up")),
        ))
        .stage(spec(
            "summary_enrich",
            waits_for_cancellation(&started_too, &observed_too, || {
                StageOutput::ok().with("done", true)
            }),
        ))
        .stage(spec("llm", noop()).depends_on(["input_guard", "profile_enrich", "summary_enrich"]))
        .build()
        .unwrap();

    let (outcome, sink) = run(&pipeline).await;

    let Err(PipelineError::Cancelled(cancelled)) = outcome else {
        panic!("expected a cancellation, got {outcome:?}");
    };
    assert_eq!(cancelled.stage.as_deref(), Some("input_guard"));
    assert_eq!(cancelled.reason, "input blocked");
    assert!(observed.load(Ordering::SeqCst) && observed_too.load(Ordering::SeqCst));
    let results = &cancelled.partial_results;
    let status = |name: &str| results.get(name).map(|r| r.status);
    assert_eq!(status("input_guard"), Some(StageStatus::Cancel));
    assert_eq!(results.get("input_guard").unwrap().data["blocked"], true);
    assert_eq!(status("profile_enrich"), Some(StageStatus::Cancel));
    assert_eq!(
        status("summary_enrich"),
        Some(StageStatus::Ok),
        "a finished sibling keeps its result"
    );
    assert_eq!(status("llm"), None, "dependents never start");
    assert_eq!(sink.of_type("stage.profile_enrich.cancelled").len(), 1);
    assert_eq!(sink.of_type("pipeline.cancelled").len(), 1);
    assert!(sink.of_type("stage.llm.started").is_empty());
}

#[tokio::test]
async fn the_caller_cancels_through_its_token() {
    let started = Arc::new(Notify::new());
    let observed = Arc::new(AtomicBool::new(false));
    let pipeline = Pipeline::builder("chat")
        .stage(spec("done", noop()))
        .stage(spec(
            "llm",
            waits_for_cancellation(&started, &observed, || StageOutput::cancel("client left")),
        ))
        .stage(spec("persist", noop()).depends_on(["llm"]))
        .build()
        .unwrap();
    let token = CancellationToken::new();
    let run = run_with(&pipeline, RunOptions::new().cancellation(token.clone()));
    let cancel = async {
        started.notified().await;
        token.cancel();
    };
    let ((outcome, sink), ()) = tokio::join!(run, cancel);

    let Err(PipelineError::Cancelled(cancelled)) = outcome else {
        panic!("expected a cancellation, got {outcome:?}");
    };
    assert_eq!(cancelled.stage, None);
    assert_eq!(cancelled.reason, "cancelled by the caller");
    assert!(observed.load(Ordering::SeqCst));
    assert_eq!(
        cancelled.partial_results.names().collect::<Vec<_>>(),
        ["done", "llm"]
    );
    assert_eq!(
        sink.of_type("pipeline.cancelled")[0].data()["reason"],
        "cancelled by the caller"
    );
}

#[tokio::test]
async fn a_run_cancelled_before_it_starts_runs_no_stage() {
    let pipeline = Pipeline::builder("chat")
        .stage(spec("a", noop()))
        .build()
        .unwrap();
    let token = CancellationToken::new();
    token.cancel();
    let (outcome, sink) = run_with(&pipeline, RunOptions::new().cancellation(token)).await;
    let error = outcome.unwrap_err();
    assert!(error.partial_results().is_empty());
    assert_eq!(
        sink.event_types(),
        ["pipeline.started", "pipeline.cancelled", "pipeline.wide"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_stage_ignoring_cancellation_is_dropped_after_the_grace_period() {
    let pipeline = Pipeline::builder("chat")
        .stage(spec("stubborn", stage(|_| std::future::pending())))
        .stage(spec(
            "guard",
            stage(|_| async { Ok(StageOutput::cancel("blocked")) }),
        ))
        .build()
        .unwrap();
    let (outcome, _) = run_with(
        &pipeline,
        RunOptions::new().cancel_grace(Duration::from_secs(1)),
    )
    .await;
    let error = outcome.unwrap_err();
    let stubborn = error.partial_results().get("stubborn").unwrap();
    assert_eq!(stubborn.status, StageStatus::Cancel);
    assert_eq!(
        stubborn.reason(),
        Some("the run stopped before the stage finished")
    );
}
