//! Events: order, names and payload fields.

use serde_json::{Value, json};
use stageflow::{Pipeline, RunOptions, StageError, StageOutput, WideEvents};
use uuid::Uuid;

use crate::support::{noop, quiet_interceptors, run, run_with, spec, stage};

fn linear() -> Pipeline {
    Pipeline::builder("linear")
        .stage(spec(
            "a",
            stage(|ctx| async move {
                ctx.emit_event("llm.first_token", json!({ "ttft_ms": 12 }));
                Ok(StageOutput::ok()
                    .with("response", "hi")
                    .with("filtered", false)
                    .with_event("guard.output.checked", json!({ "safe": true })))
            }),
        ))
        .stage(
            spec(
                "b",
                stage(|_| async { Ok(StageOutput::skip("nothing to do")) }),
            )
            .depends_on(["a"]),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn events_come_in_lifecycle_order() {
    let (outcome, sink) = run(&linear()).await;
    outcome.unwrap();
    assert_eq!(
        sink.event_types(),
        [
            "pipeline.started",
            "stage.a.started",
            "llm.first_token",
            "guard.output.checked",
            "stage.a.completed",
            "stage.wide",
            "stage.b.started",
            "stage.b.skipped",
            "stage.wide",
            "pipeline.completed",
            "pipeline.wide",
        ]
    );
}

#[tokio::test]
async fn every_event_carries_the_run_and_request_ids() {
    let snapshot = crate::support::snapshot();
    let run_id = snapshot.pipeline_run_id.to_string();
    let sink = stageflow::events::InMemoryEventSink::new();
    linear()
        .run(
            snapshot,
            RunOptions::new().sink(std::sync::Arc::new(sink.clone())),
        )
        .await
        .unwrap();
    for event in sink.events() {
        assert_eq!(event.pipeline_run_id(), Some(run_id.as_str()), "{event:?}");
        assert_eq!(event.get("request_id"), Some(&json!("req-1")), "{event:?}");
        for id in ["session_id", "user_id", "org_id"] {
            assert_eq!(event.get(id), Some(&Value::Null), "{event:?}");
        }
    }
    let emitted = &sink.of_type("llm.first_token")[0];
    assert_eq!(emitted.get("stage"), Some(&json!("a")));
    assert_eq!(emitted.get("ttft_ms"), Some(&json!(12)));
    assert_eq!(
        sink.of_type("guard.output.checked")[0].get("stage"),
        Some(&json!("a"))
    );
}

#[tokio::test]
async fn stage_events_describe_the_outcome() {
    let (_, sink) = run(&linear()).await;
    let started = sink.of_type("stage.a.started")[0].data().clone();
    assert_eq!(
        (started["stage"].clone(), started["kind"].clone()),
        (json!("a"), json!("work"))
    );
    let completed = sink.of_type("stage.a.completed")[0].data().clone();
    assert_eq!(completed["status"], "ok");
    assert!(completed["duration_ms"].is_u64());
    let skipped = sink.of_type("stage.b.skipped")[0].data().clone();
    assert_eq!(skipped["reason"], "nothing to do");
    let finished = sink.of_type("pipeline.completed")[0].data().clone();
    assert_eq!(
        (finished["status"].clone(), finished["stage_count"].clone()),
        (json!("completed"), json!(2))
    );
}

#[tokio::test]
async fn stage_wide_has_the_specified_fields() {
    let snapshot = crate::support::snapshot()
        .with_session_id(Uuid::nil())
        .with_user_id(Uuid::max())
        .with_org_id(Uuid::nil());
    let sink = stageflow::events::InMemoryEventSink::new();
    linear()
        .run(
            snapshot,
            RunOptions::new().sink(std::sync::Arc::new(sink.clone())),
        )
        .await
        .unwrap();
    let wide = sink.of_type("stage.wide");
    let a = wide[0].data();
    for field in [
        "pipeline_run_id",
        "request_id",
        "session_id",
        "user_id",
        "org_id",
        "topology",
        "execution_mode",
        "service",
        "stage",
        "status",
        "started_at",
        "ended_at",
        "duration_ms",
        "error",
        "data_keys",
    ] {
        assert!(a.contains_key(field), "stage.wide lacks `{field}`: {a:?}");
    }
    assert_eq!(a["user_id"], json!(Uuid::max().to_string()));
    assert_eq!(a["topology"], "test_pipeline");
    assert_eq!(a["execution_mode"], "test");
    assert_eq!(a["service"], "test");
    assert_eq!(a["stage"], "a");
    assert_eq!(a["status"], "ok");
    assert_eq!(a["error"], Value::Null);
    assert_eq!(a["data_keys"], json!(["filtered", "response"]));
    assert!(chrono::DateTime::parse_from_rfc3339(a["started_at"].as_str().unwrap()).is_ok());
    assert_eq!(wide[1].data()["status"], "skip");
}

#[tokio::test]
async fn pipeline_wide_summarizes_the_run() {
    let (_, sink) = run(&linear()).await;
    let wide = sink.of_type("pipeline.wide");
    let data = wide[0].data();
    assert_eq!(data["pipeline_name"], "linear");
    assert_eq!(data["status"], "completed");
    assert_eq!(data["stage_counts"], json!({ "ok": 1, "skip": 1 }));
    let details = data["stage_details"].as_array().unwrap();
    assert_eq!(details.len(), 2);
    assert_eq!(details[0]["stage"], "a");
    assert_eq!(details[1]["status"], "skip");
    for field in [
        "session_id",
        "user_id",
        "org_id",
        "topology",
        "execution_mode",
        "service",
        "duration_ms",
        "started_at",
        "ended_at",
    ] {
        assert!(data.contains_key(field), "pipeline.wide lacks `{field}`");
    }
}

#[tokio::test]
async fn a_failed_run_reports_the_stage_and_error() {
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            stage(|_| async { Err(StageError::new("PROVIDER_ERROR", "boom")) }),
        ))
        .stage(spec("persist", noop()).depends_on(["llm"]))
        .interceptors(quiet_interceptors())
        .build()
        .unwrap();
    let (_, sink) = run(&pipeline).await;
    let types = sink.event_types();
    assert_eq!(
        types[types.len() - 3..],
        ["stage.wide", "pipeline.failed", "pipeline.wide"]
    );
    let failed = sink.of_type("stage.llm.failed")[0].data().clone();
    assert_eq!(
        (
            failed["error"].clone(),
            failed["error_code"].clone(),
            failed["retryable"].clone()
        ),
        (json!("boom"), json!("PROVIDER_ERROR"), json!(false))
    );
    let run_failed = sink.of_type("pipeline.failed")[0].data().clone();
    assert_eq!(
        (
            run_failed["stage"].clone(),
            run_failed["error_code"].clone()
        ),
        (json!("llm"), json!("PROVIDER_ERROR"))
    );
    let wide = sink.of_type("pipeline.wide")[0].data().clone();
    assert_eq!(
        (wide["status"].clone(), wide["stage"].clone()),
        (json!("failed"), json!("llm"))
    );
    assert_eq!(wide["stage_counts"], json!({ "fail": 1 }));
}

#[tokio::test]
async fn wide_events_can_be_turned_off() {
    let quiet = Pipeline::builder("p")
        .stage(spec("a", noop()))
        .wide_events(WideEvents {
            stage: false,
            pipeline: true,
        })
        .build()
        .unwrap();
    let (_, sink) = run(&quiet).await;
    assert!(sink.of_type("stage.wide").is_empty());
    assert_eq!(sink.of_type("pipeline.wide").len(), 1);

    let (_, sink) = run_with(&quiet, RunOptions::new().wide_events(WideEvents::NONE)).await;
    assert!(sink.of_type("pipeline.wide").is_empty());
    assert_eq!(
        sink.event_types(),
        [
            "pipeline.started",
            "stage.a.started",
            "stage.a.completed",
            "pipeline.completed"
        ]
    );
}
