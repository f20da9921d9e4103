//! The chat-shaped DAG of six no-op stages, with the default interceptors and an in-memory
//! event sink: one run at a time, and 1,000 runs at once.
//!
//! `cargo bench -p stageflow --bench chat_dag`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stageflow::events::InMemoryEventSink;
use stageflow::interceptors::{InterceptorConfig, default_interceptors};
use stageflow::{
    ContextSnapshot, FnStage, Pipeline, RunOptions, Stage, StageKind, StageOutput, StageSpec,
};
use uuid::Uuid;

fn noop() -> impl Stage + 'static {
    FnStage::new(|_| async { Ok(StageOutput::ok()) })
}

fn chat_pipeline() -> Pipeline {
    Pipeline::builder("chat")
        .stage(StageSpec::new("input_guard", noop(), StageKind::Guard))
        .stage(StageSpec::new("profile_enrich", noop(), StageKind::Enrich))
        .stage(StageSpec::new("summary_enrich", noop(), StageKind::Enrich))
        .stage(
            StageSpec::new("llm", noop(), StageKind::Transform).depends_on([
                "input_guard",
                "profile_enrich",
                "summary_enrich",
            ]),
        )
        .stage(StageSpec::new("output_guard", noop(), StageKind::Guard).depends_on(["llm"]))
        .stage(StageSpec::new("persist", noop(), StageKind::Work).depends_on(["output_guard"]))
        .interceptors(default_interceptors(&InterceptorConfig::default()))
        .build()
        .expect("the chat DAG is valid")
}

fn snapshot() -> Arc<ContextSnapshot> {
    Arc::new(
        ContextSnapshot::new()
            .with_request_id(Uuid::new_v4().to_string())
            .with_session_id(Uuid::now_v7())
            .with_user_id(Uuid::now_v7())
            .with_org_id(Uuid::now_v7())
            .with_topology("chat_pipeline")
            .with_execution_mode("default")
            .with_service("chat")
            .with_input_text("Hello!"),
    )
}

async fn run_once(pipeline: &Pipeline, snapshot: &Arc<ContextSnapshot>) {
    let sink = InMemoryEventSink::new();
    let options = RunOptions::new().sink(Arc::new(sink.clone()));
    let results = pipeline.run(Arc::clone(snapshot), options).await.unwrap();
    assert_eq!(results.len(), 6);
    black_box(sink);
}

fn one_run(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let pipeline = chat_pipeline();
    let snapshot = snapshot();
    c.bench_function("chat_dag/one_run", |b| {
        b.to_async(&runtime).iter(|| run_once(&pipeline, &snapshot));
    });
}

fn thousand_concurrent(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_time()
        .build()
        .unwrap();
    let pipeline = chat_pipeline();
    let snapshot = snapshot();
    let mut group = c.benchmark_group("chat_dag");
    group.throughput(Throughput::Elements(1000));
    group.sample_size(30);
    group.bench_function("1000_concurrent_runs", |b| {
        b.to_async(&runtime).iter(|| async {
            let runs = (0..1000).map(|_| {
                let (pipeline, snapshot) = (pipeline.clone(), Arc::clone(&snapshot));
                tokio::spawn(async move { run_once(&pipeline, &snapshot).await })
            });
            for run in futures::future::join_all(runs).await {
                run.unwrap();
            }
        });
    });
    group.finish();
}

criterion_group!(benches, one_run, thousand_concurrent);
criterion_main!(benches);
