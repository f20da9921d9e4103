//! Scheduling: dependency order, concurrency, skips, conditional stages, inputs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use stageflow::{InputError, Pipeline, StageOutput, StageStatus};
use tokio::sync::Barrier;

use crate::support::{Log, noop, run, spec, stage};

#[tokio::test]
async fn stages_start_only_after_all_their_dependencies_finished() {
    let log = Log::default();
    let pipeline = Pipeline::builder("diamond")
        .stage(spec("a", log.stage("a")))
        .stage(spec("b", log.stage("b")).depends_on(["a"]))
        .stage(spec("c", log.stage("c")).depends_on(["a"]))
        .stage(spec("d", log.stage("d")).depends_on(["b", "c"]))
        .stage(spec("e", log.stage("e")).depends_on(["d"]))
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    let results = outcome.unwrap();
    assert_eq!(results.len(), 5);
    for (stage, dependency) in [("b", "a"), ("c", "a"), ("d", "b"), ("d", "c"), ("e", "d")] {
        assert!(
            log.position(&format!("end {dependency}")) < log.position(&format!("start {stage}")),
            "{stage} started before {dependency} ended: {:?}",
            log.entries()
        );
    }
}

#[tokio::test(start_paused = true)]
async fn independent_stages_run_concurrently() {
    // Each root waits until all three are inside their stage: this only completes if they
    // overlap. If they did not, the stage timeouts would fail the run instead of hanging.
    let barrier = Arc::new(Barrier::new(3));
    let waiter = || {
        let barrier = Arc::clone(&barrier);
        stage(move |_| {
            let barrier = Arc::clone(&barrier);
            async move {
                barrier.wait().await;
                Ok(StageOutput::ok())
            }
        })
    };
    let pipeline = Pipeline::builder("fan_in")
        .stage(spec("input_guard", waiter()))
        .stage(spec("profile_enrich", waiter()))
        .stage(spec("summary_enrich", waiter()))
        .stage(spec("llm", noop()).depends_on(["input_guard", "profile_enrich", "summary_enrich"]))
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    let results = outcome.unwrap();
    assert_eq!(results.names().last(), Some("llm"));
}

#[tokio::test]
async fn a_skip_counts_as_finished_and_conditional_stages_skip_after_it() {
    let ran = Arc::new(AtomicUsize::new(0));
    let counting = || {
        let ran = Arc::clone(&ran);
        stage(move |_| {
            ran.fetch_add(1, Ordering::SeqCst);
            async { Ok(StageOutput::ok().with("ran", true)) }
        })
    };
    let pipeline = Pipeline::builder("skips")
        .stage(spec(
            "profile",
            stage(|_| async { Ok(StageOutput::skip("no user")) }),
        ))
        .stage(spec("plain", counting()).depends_on(["profile"]))
        .stage(
            spec("conditional", counting())
                .depends_on(["profile"])
                .conditional(),
        )
        .stage(
            spec("after_conditional", counting())
                .depends_on(["conditional"])
                .conditional(),
        )
        .stage(spec("last", counting()).depends_on(["plain", "after_conditional"]))
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    let results = outcome.unwrap();
    assert_eq!(ran.load(Ordering::SeqCst), 2, "plain and last run");
    let status = |name: &str| results.get(name).map(|r| r.status);
    assert_eq!(status("profile"), Some(StageStatus::Skip));
    assert_eq!(status("plain"), Some(StageStatus::Ok));
    assert_eq!(status("conditional"), Some(StageStatus::Skip));
    assert_eq!(status("after_conditional"), Some(StageStatus::Skip));
    assert_eq!(status("last"), Some(StageStatus::Ok));
    assert_eq!(
        results.get("conditional").and_then(|r| r.reason()),
        Some("upstream stage `profile` skipped")
    );
    assert!(sink.of_type("stage.conditional.started").is_empty());
    assert_eq!(sink.of_type("stage.conditional.skipped").len(), 1);
}

#[tokio::test]
async fn a_stage_reads_only_its_declared_dependencies() {
    let pipeline = Pipeline::builder("inputs")
        .stage(spec(
            "guard",
            stage(|_| async { Ok(StageOutput::ok().with("input_text", "hi")) }),
        ))
        .stage(spec(
            "profile",
            stage(|_| async { Ok(StageOutput::skip("no user")) }),
        ))
        .stage(
            spec(
                "llm",
                stage(|ctx| async move {
                    let text: String = ctx.inputs().get("input_text")?;
                    let profile: Option<serde_json::Value> = ctx.inputs().get_opt("profile")?;
                    Ok(StageOutput::ok()
                        .with("response", format!("echo {text}"))
                        .with("had_profile", profile.is_some()))
                }),
            )
            .depends_on(["guard", "profile"]),
        )
        .stage(
            spec(
                "output_guard",
                stage(|ctx| async move {
                    let response: &str = ctx.inputs().get("response")?;
                    let undeclared = ctx.inputs().get_from::<String>("guard", "input_text");
                    assert_eq!(
                        undeclared,
                        Err(InputError::NotADependency {
                            stage: "guard".into()
                        })
                    );
                    Ok(StageOutput::ok().with("response", response.to_uppercase()))
                }),
            )
            .depends_on(["llm"]),
        )
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    let results = outcome.unwrap();
    let output_guard = results.get("output_guard").unwrap();
    assert_eq!(output_guard.get::<String>("response").unwrap(), "ECHO HI");
    assert_eq!(
        results.get("llm").unwrap().data["had_profile"],
        json!(false)
    );
}

#[tokio::test]
async fn results_describe_every_stage_and_the_run() {
    let pipeline = Pipeline::builder("results")
        .stage(spec(
            "a",
            stage(|_| async { Ok(StageOutput::ok().with("x", 1)) }),
        ))
        .stage(spec("b", noop()).depends_on(["a"]))
        .build()
        .unwrap();
    let snapshot = crate::support::snapshot();
    let run_id = snapshot.pipeline_run_id;
    let results = pipeline
        .run(snapshot, stageflow::RunOptions::new())
        .await
        .unwrap();
    assert_eq!(results.pipeline_run_id(), run_id);
    assert_eq!(results.names().collect::<Vec<_>>(), ["a", "b"]);
    let a = results.get("a").unwrap();
    assert_eq!((a.status, a.get::<u8>("x").unwrap()), (StageStatus::Ok, 1));
    assert!(a.ended_at >= a.started_at);
    assert!(results.duration() >= a.duration);
    let json = serde_json::to_value(&results).unwrap();
    assert_eq!(json["stages"][0]["stage"], "a");
    assert_eq!(json["stages"][0]["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_pipeline_runs_many_times_concurrently() {
    let pipeline = Pipeline::builder("shared")
        .stage(spec("a", noop()))
        .stage(spec("b", noop()).depends_on(["a"]))
        .build()
        .unwrap();
    let runs = (0..200).map(|_| {
        let pipeline = pipeline.clone();
        tokio::spawn(async move {
            pipeline
                .run(crate::support::snapshot(), Default::default())
                .await
        })
    });
    for handle in futures::future::join_all(runs).await {
        assert_eq!(handle.unwrap().unwrap().len(), 2);
    }
}
