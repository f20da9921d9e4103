//! Streaming: the caller receives tokens while the run is still going; a caller that stops
//! reading does not deadlock the run.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use stageflow::{Pipeline, RunOptions, StageOutput, StreamError, codes, stream_channel};
use tokio::sync::Notify;

use crate::support::{noop, quiet_interceptors, run_with, spec, stage};

#[tokio::test]
async fn tokens_arrive_while_the_pipeline_is_still_running() {
    let release = Arc::new(Notify::new());
    let llm = {
        let release = Arc::clone(&release);
        stage(move |ctx| {
            let release = Arc::clone(&release);
            async move {
                for token in ["Hel", "lo", "!"] {
                    ctx.stream(json!({ "token": token })).await?;
                }
                // The stage only finishes once the caller has seen every token.
                release.notified().await;
                Ok(StageOutput::ok().with("response", "Hello!"))
            }
        })
    };
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", llm))
        .stage(spec("persist", noop()).depends_on(["llm"]))
        .build()
        .unwrap();
    let (tx, mut rx) = stream_channel(1);
    let run = run_with(&pipeline, RunOptions::new().stream(tx));
    let read = async {
        let mut tokens = Vec::new();
        for _ in 0..3 {
            let item = rx.recv().await.unwrap();
            assert_eq!(&*item.stage, "llm");
            tokens.push(item.data["token"].as_str().unwrap().to_owned());
        }
        release.notify_one();
        assert!(
            rx.recv().await.is_none(),
            "the channel closes when the run ends"
        );
        tokens
    };
    let ((outcome, _), tokens) = tokio::join!(run, read);
    assert_eq!(tokens, ["Hel", "lo", "!"]);
    assert_eq!(outcome.unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_caller_that_stops_reading_gets_a_failed_stage_not_a_deadlock() {
    let llm = stage(|ctx| async move {
        for n in 0..10 {
            ctx.stream(json!({ "token": n })).await?;
        }
        Ok(StageOutput::ok())
    });
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", llm))
        .interceptors(quiet_interceptors())
        .build()
        .unwrap();
    let (tx, _rx) = stream_channel(2); // kept alive, never read
    let options = RunOptions::new()
        .stream(tx)
        .stream_stall_timeout(Duration::from_secs(5));
    let (outcome, _) = run_with(&pipeline, options).await;
    let error = outcome.unwrap_err();
    let stageflow::PipelineError::StageFailed { error: cause, .. } = error else {
        panic!("expected a stage failure");
    };
    assert_eq!(cause.code(), codes::STREAM_STALLED);
}

#[tokio::test]
async fn try_stream_never_waits_and_a_dropped_receiver_is_reported() {
    let llm = stage(|ctx| async move {
        assert!(ctx.is_streaming());
        ctx.try_stream("first")?;
        assert_eq!(ctx.try_stream("second"), Err(StreamError::Full));
        Ok(StageOutput::ok())
    });
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", llm))
        .build()
        .unwrap();
    let (tx, rx) = stream_channel(1);
    let (outcome, _) = run_with(&pipeline, RunOptions::new().stream(tx)).await;
    outcome.unwrap();
    drop(rx);

    let closed = stage(|ctx| async move {
        assert!(!ctx.is_streaming());
        assert_eq!(ctx.stream("lost").await, Err(StreamError::Closed));
        Ok(StageOutput::ok())
    });
    let pipeline = Pipeline::builder("chat")
        .stage(spec("llm", closed))
        .build()
        .unwrap();
    let (tx, rx) = stream_channel(1);
    drop(rx);
    let (outcome, _) = run_with(&pipeline, RunOptions::new().stream(tx)).await;
    outcome.unwrap();
}
