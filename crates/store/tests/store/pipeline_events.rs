//! The database event sink: batches land in one insert and in emission order, events without a
//! run are skipped and counted, a batch with one bad event falls back to row-by-row inserts, and
//! a real pipeline run through the batched sink lands every one of its events.

use chrono::{DateTime, SubsecRound, Utc};
use hellosales_domain::ports::{PipelineRunStart, PipelineRunStore};
use hellosales_store::entities::pipeline_events;
use hellosales_store::{PipelineEventWriter, Store};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value, json};
use stageflow::events::{BatchConfig, CompositeEventSink, Event, EventSink, InMemoryEventSink};
use stageflow::{
    ContextSnapshot, FnStage, Pipeline, RunOptions, StageKind, StageOutput, StageSpec,
};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

async fn start_run(store: &Store, id: Uuid) {
    store
        .pipeline_runs()
        .start(&PipelineRunStart {
            id,
            service: "chat".to_owned(),
            pipeline_name: "chat".to_owned(),
            topology: None,
            behavior: None,
            quality_mode: None,
            request_id: Some("req-1".to_owned()),
            session_id: None,
            interaction_id: None,
            user_id: None,
            org_id: None,
            run_metadata: json!({}),
            context_snapshot: json!({}),
            started_at: Utc::now(),
        })
        .await
        .unwrap();
}

/// An event of run `run` (any string), with the correlation ids the engine adds.
fn event(run: &str, event_type: &str, session: Uuid, at: DateTime<Utc>) -> Event {
    let mut data = Map::new();
    data.insert("pipeline_run_id".to_owned(), Value::from(run));
    data.insert("request_id".to_owned(), Value::from("req-1"));
    data.insert("session_id".to_owned(), Value::from(session.to_string()));
    data.insert("user_id".to_owned(), Value::Null);
    data.insert("org_id".to_owned(), Value::Null);
    data.insert("stage".to_owned(), Value::from("llm"));
    Event::at(event_type, data, at)
}

/// The run's rows, as Pulse reads them.
async fn rows(store: &Store, run: Uuid) -> Vec<pipeline_events::Model> {
    pipeline_events::Entity::find()
        .filter(pipeline_events::Column::PipelineRunId.eq(run))
        .order_by_asc(pipeline_events::Column::OccurredAt)
        .order_by_asc(pipeline_events::Column::Id)
        .all(store.connection())
        .await
        .unwrap()
}

fn types(rows: &[pipeline_events::Model]) -> Vec<&str> {
    rows.iter().map(|row| row.event_type.as_str()).collect()
}

pub async fn the_writer_inserts_a_batch_in_emission_order(store: &Store) {
    let run = Uuid::now_v7();
    start_run(store, run).await;
    let session = Uuid::now_v7();
    // Several events share one timestamp: the v7 ids keep them in emission order.
    let at = Utc::now().trunc_subsecs(6);
    let names: Vec<String> = (0..20)
        .map(|n| format!("stage.s{n:02}.completed"))
        .collect();
    let batch = names
        .iter()
        .enumerate()
        .map(|(n, name)| {
            let when = at + chrono::Duration::microseconds((n / 4) as i64);
            event(&run.to_string(), name, session, when)
        })
        .collect();
    let writer = PipelineEventWriter::new(store.connection().clone());
    let stats = writer.stats();
    writer.write(batch).await;
    assert_eq!(
        (stats.written(), stats.failed(), stats.skipped()),
        (20, 0, 0)
    );

    let stored = rows(store, run).await;
    assert_eq!(types(&stored), names);
    let first = &stored[0];
    assert_eq!(first.pipeline_run_id, run);
    assert_eq!(first.request_id.as_deref(), Some("req-1"));
    assert_eq!(first.session_id, Some(session));
    assert_eq!((first.user_id, first.org_id), (None, None));
    assert_eq!(first.occurred_at, at);
    let data = first.event_data.as_ref().unwrap();
    assert_eq!(data["stage"], "llm");
    assert_eq!(data["pipeline_run_id"], run.to_string());
}

pub async fn events_without_a_run_are_skipped_and_counted(store: &Store) {
    let run = Uuid::now_v7();
    start_run(store, run).await;
    let session = Uuid::now_v7();
    let at = Utc::now();
    let writer = PipelineEventWriter::new(store.connection().clone());
    let stats = writer.stats();
    writer
        .write(vec![
            event(&run.to_string(), "pipeline.started", session, at),
            event("not-a-uuid", "stage.llm.started", session, at),
            Event::new("circuit.opened", Map::new()),
            event(&run.to_string(), "pipeline.completed", session, at),
        ])
        .await;
    assert_eq!(
        (stats.written(), stats.failed(), stats.skipped()),
        (2, 0, 2)
    );
    assert_eq!(
        types(&rows(store, run).await),
        ["pipeline.started", "pipeline.completed"]
    );
}

pub async fn a_batch_with_a_missing_run_falls_back_row_by_row(store: &Store) {
    let run = Uuid::now_v7();
    start_run(store, run).await;
    let ghost = Uuid::now_v7(); // no run row: its event breaks the multi-row insert
    let session = Uuid::now_v7();
    let at = Utc::now();
    let writer = PipelineEventWriter::new(store.connection().clone());
    let stats = writer.stats();
    writer
        .write(vec![
            event(&run.to_string(), "stage.a.completed", session, at),
            event(&ghost.to_string(), "stage.x.completed", session, at),
            event(&run.to_string(), "stage.b.completed", session, at),
        ])
        .await;
    assert_eq!(
        (stats.written(), stats.failed(), stats.skipped()),
        (2, 1, 0)
    );
    assert_eq!(
        types(&rows(store, run).await),
        ["stage.a.completed", "stage.b.completed"]
    );
    assert!(rows(store, ghost).await.is_empty());
}

pub async fn a_pipeline_run_lands_every_event_through_the_batched_sink(store: &Store) {
    let noop = || FnStage::new(|_| async { Ok(StageOutput::ok().with("done", true)) });
    let pipeline = Pipeline::builder("chat")
        .stage(StageSpec::new("guard", noop(), StageKind::Guard))
        .stage(StageSpec::new("llm", noop(), StageKind::Transform).depends_on(["guard"]))
        .stage(StageSpec::new("persist", noop(), StageKind::Work).depends_on(["llm"]))
        .build()
        .unwrap();
    let config = BatchConfig {
        capacity: 1_000,
        max_batch_size: 4,
        flush_interval: Duration::from_secs(3_600),
    };
    let (sink, stats) = store.event_sink(config);
    let seen = InMemoryEventSink::new();
    let both: Arc<dyn EventSink> = Arc::new(CompositeEventSink::new(vec![
        Arc::new(seen.clone()),
        Arc::new(sink.clone()),
    ]));

    let snapshot = ContextSnapshot::new()
        .with_request_id("req-9")
        .with_service("chat");
    let run = snapshot.pipeline_run_id;
    start_run(store, run).await;
    pipeline
        .run(snapshot, RunOptions::new().sink(both))
        .await
        .unwrap();
    sink.flush().await;

    let emitted = seen.event_types();
    assert!(emitted.len() > 8, "lifecycle and wide events: {emitted:?}");
    let stored = rows(store, run).await;
    assert_eq!(types(&stored), emitted);
    assert!(
        stored
            .iter()
            .all(|row| row.request_id.as_deref() == Some("req-9"))
    );
    let total = emitted.len() as u64;
    assert_eq!(
        (stats.written(), stats.failed(), stats.skipped()),
        (total, 0, 0)
    );
    assert_eq!((sink.accepted(), sink.dropped()), (total, 0));
    sink.shutdown().await;
}
