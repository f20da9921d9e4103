//! Unit tests of [`RunLogger`]: real stageflow pipelines, an in-memory run store.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hellosales_domain::AppError;
use serde_json::json;
use stageflow::{
    FnStage, Pipeline, RunOptions, Stage, StageError, StageKind, StageOutput, StageSpec,
};
use std::collections::HashMap;
use std::sync::Mutex;

/// What the store holds for one run.
#[derive(Clone, Debug)]
struct Row {
    start: PipelineRunStart,
    outcome: Option<PipelineRunOutcome>,
}

/// A [`PipelineRunStore`] in memory, with the store's rule: only a running run is finished.
#[derive(Default)]
struct MemoryRuns(Mutex<HashMap<Uuid, Row>>);

impl MemoryRuns {
    fn row(&self, id: Uuid) -> Row {
        self.0
            .lock()
            .unwrap()
            .get(&id)
            .cloned()
            .expect("the run was started")
    }
}

#[async_trait]
impl PipelineRunStore for MemoryRuns {
    async fn start(&self, run: &PipelineRunStart) -> AppResult<()> {
        let row = Row {
            start: run.clone(),
            outcome: None,
        };
        self.0.lock().unwrap().insert(run.id, row);
        Ok(())
    }

    async fn finish(&self, id: Uuid, outcome: &PipelineRunOutcome) -> AppResult<bool> {
        let mut rows = self.0.lock().unwrap();
        match rows.get_mut(&id) {
            Some(row) if row.outcome.is_none() => {
                row.outcome = Some(outcome.clone());
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn fail_abandoned(&self, _started_before: DateTime<Utc>) -> AppResult<u64> {
        Ok(0)
    }
}

/// A store whose writes all fail.
struct BrokenRuns;

#[async_trait]
impl PipelineRunStore for BrokenRuns {
    async fn start(&self, _run: &PipelineRunStart) -> AppResult<()> {
        Err(AppError::ServiceUnavailable {
            message: "down".to_owned(),
        })
    }

    async fn finish(&self, _id: Uuid, _outcome: &PipelineRunOutcome) -> AppResult<bool> {
        Err(AppError::ServiceUnavailable {
            message: "down".to_owned(),
        })
    }

    async fn fail_abandoned(&self, _started_before: DateTime<Utc>) -> AppResult<u64> {
        Ok(0)
    }
}

fn ok_stage() -> impl Stage {
    FnStage::new(|_| async { Ok(StageOutput::ok().with("done", true)) })
}

/// guard → llm → persist, with `llm` given by the test.
fn pipeline(llm: impl Stage + 'static) -> Pipeline {
    Pipeline::builder("chat")
        .stage(StageSpec::new("guard", ok_stage(), StageKind::Guard))
        .stage(StageSpec::new("llm", llm, StageKind::Transform).depends_on(["guard"]))
        .stage(StageSpec::new("persist", ok_stage(), StageKind::Work).depends_on(["llm"]))
        .build()
        .unwrap()
}

fn snapshot() -> ContextSnapshot {
    ContextSnapshot::new()
        .with_request_id("req-1")
        .with_session_id(Uuid::now_v7())
        .with_user_id(Uuid::now_v7())
        .with_org_id(Uuid::now_v7())
        .with_interaction_id(Uuid::now_v7())
        .with_topology("chat_fast")
        .with_execution_mode("default")
        .with_service("chat")
        .with_input_text("Hello")
        .with_metadata(QUALITY_MODE_KEY, "fast")
}

/// Starts, runs and finishes `pipeline`; returns the stored row.
async fn logged_run(pipeline: &Pipeline, totals: RunTotals) -> Row {
    logged_run_with(pipeline, totals, RunOptions::new()).await
}

/// [`logged_run`] with run options.
async fn logged_run_with(pipeline: &Pipeline, totals: RunTotals, options: RunOptions) -> Row {
    let runs = Arc::new(MemoryRuns::default());
    let logger = RunLogger::new(runs.clone());
    let snapshot = snapshot();
    logger
        .start(&snapshot, "chat", "chat", json!({"client": "web"}))
        .await
        .unwrap();
    let started = runs.row(snapshot.pipeline_run_id);
    assert!(started.outcome.is_none(), "the row exists before the run");
    let result = pipeline.run(snapshot.clone(), options).await;
    logger.finish(&snapshot, &result, totals).await;
    runs.row(snapshot.pipeline_run_id)
}

#[tokio::test]
async fn a_completed_run_records_its_stages_and_totals() {
    let call = Uuid::now_v7();
    let totals = RunTotals {
        ttft_ms: Some(120),
        tokens_in: Some(1_000),
        tokens_out: Some(300),
        generation_ms: Some(1_500),
        cost_usd_micros: Some(74),
        llm_provider_call_id: Some(call),
        ..RunTotals::default()
    };
    let row = logged_run(&pipeline(ok_stage()), totals).await;

    let start = &row.start;
    assert_eq!(start.service, "chat");
    assert_eq!(start.pipeline_name, "chat");
    assert_eq!(start.topology.as_deref(), Some("chat_fast"));
    assert_eq!(start.behavior.as_deref(), Some("default"));
    assert_eq!(start.quality_mode.as_deref(), Some("fast"));
    assert_eq!(start.request_id.as_deref(), Some("req-1"));
    assert!(start.session_id.is_some() && start.interaction_id.is_some());
    assert!(start.user_id.is_some() && start.org_id.is_some());
    assert_eq!(start.run_metadata, json!({"client": "web"}));
    assert_eq!(start.context_snapshot["input_text"], "Hello");
    assert_eq!(
        start.context_snapshot["pipeline_run_id"],
        start.id.to_string()
    );

    let outcome = row.outcome.unwrap();
    assert_eq!(outcome.status, PipelineRunStatus::Completed);
    assert!(outcome.success);
    assert_eq!((&outcome.error, &outcome.error_code), (&None, &None));
    let stages = outcome.stages.as_object().unwrap();
    assert_eq!(stages.len(), 3);
    for name in ["guard", "llm", "persist"] {
        assert_eq!(stages[name]["status"], "ok", "{name}");
        assert!(stages[name]["duration_ms"].is_u64(), "{name}");
        assert_eq!(stages[name]["error"], Value::Null, "{name}");
    }
    assert!(outcome.total_latency_ms.is_some());
    assert_eq!(outcome.ttft_ms, Some(120));
    assert_eq!(
        (outcome.tokens_in, outcome.tokens_out),
        (Some(1_000), Some(300))
    );
    assert_eq!(outcome.tokens_per_second, Some(200.0));
    assert_eq!(outcome.total_cost_usd_micros, Some(74));
    assert_eq!(outcome.total_cost_cents(), Some(0));
    assert_eq!(outcome.llm_provider_call_id, Some(call));
    assert_eq!(outcome.stt_provider_call_id, None);
    assert!(outcome.completed_at >= start.started_at);
}

#[tokio::test]
async fn a_failed_stage_records_its_code_and_stage() {
    let failing = FnStage::new(|_| async {
        Err(StageError::new(
            "PROVIDER_TIMEOUT",
            "the model did not answer in time",
        ))
    });
    let row = logged_run(&pipeline(failing), RunTotals::default()).await;
    let outcome = row.outcome.unwrap();
    assert_eq!(outcome.status, PipelineRunStatus::Failed);
    assert!(!outcome.success);
    assert_eq!(outcome.error_code.as_deref(), Some("PROVIDER_TIMEOUT"));
    assert_eq!(
        outcome.error.as_deref(),
        Some("stage `llm` failed: the model did not answer in time")
    );
    let stages = outcome.stages.as_object().unwrap();
    assert_eq!(stages["guard"]["status"], "ok");
    assert_eq!(stages["llm"]["status"], "fail");
    assert_eq!(stages["llm"]["error"], "the model did not answer in time");
    assert!(!stages.contains_key("persist"), "persist never ran");
    assert_eq!(outcome.tokens_per_second, None);
}

#[tokio::test]
async fn a_cancelled_run_is_recorded_as_cancelled_not_failed() {
    let blocking = FnStage::new(|_| async { Ok(StageOutput::cancel("blocked by policy")) });
    let row = logged_run(&pipeline(blocking), RunTotals::default()).await;
    let outcome = row.outcome.unwrap();
    assert_eq!(outcome.status, PipelineRunStatus::Cancelled);
    assert!(!outcome.success);
    assert_eq!(outcome.error_code.as_deref(), Some(PIPELINE_CANCELLED));
    assert_eq!(
        outcome.error.as_deref(),
        Some("cancelled by stage `llm`: blocked by policy")
    );
    let stages = outcome.stages.as_object().unwrap();
    assert_eq!(stages["llm"]["status"], "cancel");
    assert_eq!(stages["guard"]["status"], "ok");
}

#[tokio::test]
async fn partial_results_include_siblings_cut_short() {
    // `slow` and `broken` run side by side; `broken` fails, and `slow`, which never notices
    // the cancellation, is dropped at once (no grace) and recorded as cancelled.
    let slow = FnStage::new(|_| async {
        std::future::pending::<()>().await;
        Ok(StageOutput::ok())
    });
    let broken = FnStage::new(|_| async { Ok(StageOutput::fail("boom")) });
    let pipeline = Pipeline::builder("fan_out")
        .stage(StageSpec::new("guard", ok_stage(), StageKind::Guard))
        .stage(StageSpec::new("slow", slow, StageKind::Enrich).depends_on(["guard"]))
        .stage(StageSpec::new("broken", broken, StageKind::Enrich).depends_on(["guard"]))
        .stage(
            StageSpec::new("llm", ok_stage(), StageKind::Transform).depends_on(["slow", "broken"]),
        )
        .build()
        .unwrap();
    let options = RunOptions::new().cancel_grace(Duration::ZERO);
    let row = logged_run_with(&pipeline, RunTotals::default(), options).await;
    let outcome = row.outcome.unwrap();
    assert_eq!(outcome.status, PipelineRunStatus::Failed);
    assert_eq!(outcome.error_code.as_deref(), Some("STAGE_FAILED"));
    let stages = outcome.stages.as_object().unwrap();
    assert_eq!(stages["guard"]["status"], "ok");
    assert_eq!(stages["broken"]["status"], "fail");
    assert_eq!(stages["broken"]["error"], "boom");
    assert_eq!(stages["slow"]["status"], "cancel");
    assert!(!stages.contains_key("llm"));
}

#[tokio::test]
async fn a_run_is_finished_once() {
    let runs = Arc::new(MemoryRuns::default());
    let logger = RunLogger::new(runs.clone());
    let snapshot = snapshot();
    logger
        .start(&snapshot, "chat", "chat", Value::Null)
        .await
        .unwrap();
    assert_eq!(
        runs.row(snapshot.pipeline_run_id).start.run_metadata,
        json!({})
    );
    let pipeline = pipeline(ok_stage());
    let first = pipeline.run(snapshot.clone(), RunOptions::new()).await;
    logger.finish(&snapshot, &first, RunTotals::default()).await;
    let recorded = runs.row(snapshot.pipeline_run_id).outcome.unwrap();
    // A second finish (say, of a replay under the same id) is refused by the store and only logged.
    let cancelled = FnStage::new(|_| async { Ok(StageOutput::cancel("no")) });
    let second = self::pipeline(cancelled)
        .run(snapshot.clone(), RunOptions::new())
        .await;
    logger
        .finish(&snapshot, &second, RunTotals::default())
        .await;
    assert_eq!(
        runs.row(snapshot.pipeline_run_id).outcome.unwrap(),
        recorded
    );
}

#[tokio::test]
async fn a_store_that_fails_never_fails_the_run() {
    let logger = RunLogger::new(Arc::new(BrokenRuns));
    let snapshot = snapshot();
    let err = logger
        .start(&snapshot, "chat", "chat", Value::Null)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
    let result = pipeline(ok_stage())
        .run(snapshot.clone(), RunOptions::new())
        .await;
    // Logged, not raised.
    logger
        .finish(&snapshot, &result, RunTotals::default())
        .await;
    assert!(result.is_ok());
}

#[test]
fn tokens_per_second_needs_a_generation_time() {
    let totals = |tokens_out, generation_ms| RunTotals {
        tokens_out,
        generation_ms,
        ..RunTotals::default()
    };
    assert_eq!(totals(Some(50), Some(500)).tokens_per_second(), Some(100.0));
    assert_eq!(totals(Some(50), Some(0)).tokens_per_second(), None);
    assert_eq!(totals(Some(50), None).tokens_per_second(), None);
    assert_eq!(totals(None, Some(500)).tokens_per_second(), None);
}
