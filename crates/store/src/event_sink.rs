//! The database event sink: every stageflow event becomes a `pipeline_events` row.
//!
//! [`PipelineEventWriter`] is the [`BatchConsumer`] behind a [`BatchedEventSink`] (bounded queue,
//! flushed by size, by time and on shutdown; see `stageflow::events`). Build both with
//! [`PipelineEventWriter::spawn_sink`] or [`Store::event_sink`](crate::Store::event_sink).
//!
//! # Rows
//! Each event gives one row: a fresh UUID v7 id (drawn in emission order, so that `ORDER BY
//! occurred_at, id` reads a run's events in the order they were emitted), the event type, the
//! data object as `event_data`, the correlation ids found in the data (`pipeline_run_id`,
//! `request_id`, `session_id`, `user_id`, `org_id`) and `occurred_at`.
//!
//! # Failures
//! - An event without a parseable `pipeline_run_id` cannot be stored (the column refers to a run):
//!   it is skipped and counted ([`EventWriterStats::skipped`]).
//! - A batch is written in one multi-row `INSERT` (split only beyond
//!   [`MAX_ROWS_PER_INSERT`] rows). If that fails (typically a foreign key: one event names a run
//!   whose row is missing), the rows are inserted one by one, so that one bad event loses only
//!   itself; each refused row is counted ([`EventWriterStats::failed`]) and the batch's failure is
//!   logged once at `warn`.
//! - Nothing is retried: the sink never blocks a pipeline, and a database that is down loses the
//!   events of that time (counted).
//!
//! Metrics (through the `metrics` facade): [`EVENT_SINK_WRITTEN_TOTAL`] and
//! [`EVENT_SINK_FAILED_TOTAL`] (label `reason`: `rejected` or `no_run_id`). Events the queue
//! dropped are counted by stageflow (`event_sink_dropped_total`).

use crate::entities::pipeline_events::{ActiveModel, Entity};
use crate::error::db_error;
use crate::repositories::clip;
use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::Value;
use stageflow::events::{BatchConfig, BatchConsumer, BatchedEventSink, Event};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// The largest number of rows in one `INSERT` (10 columns each: well below the parameter limits
/// of SQLite and PostgreSQL).
pub const MAX_ROWS_PER_INSERT: usize = 1_000;

/// Counter of event rows written.
pub const EVENT_SINK_WRITTEN_TOTAL: &str = "event_sink_written_total";
/// Counter of events that could not be stored (label `reason`).
pub const EVENT_SINK_FAILED_TOTAL: &str = "event_sink_failed_total";

/// How many events the writer stored, lost to the database and skipped. Cheap to clone: clones
/// share the counts.
#[derive(Clone, Debug, Default)]
pub struct EventWriterStats {
    inner: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    written: AtomicU64,
    failed: AtomicU64,
    skipped: AtomicU64,
}

impl EventWriterStats {
    /// Rows written.
    #[must_use]
    pub fn written(&self) -> u64 {
        self.inner.written.load(Ordering::Relaxed)
    }

    /// Rows the database refused (lost).
    #[must_use]
    pub fn failed(&self) -> u64 {
        self.inner.failed.load(Ordering::Relaxed)
    }

    /// Events without a parseable `pipeline_run_id` (not stored).
    #[must_use]
    pub fn skipped(&self) -> u64 {
        self.inner.skipped.load(Ordering::Relaxed)
    }

    fn add_written(&self, rows: u64) {
        if rows > 0 {
            self.inner.written.fetch_add(rows, Ordering::Relaxed);
            metrics::counter!(EVENT_SINK_WRITTEN_TOTAL).increment(rows);
        }
    }

    fn add_failed(&self, rows: u64) {
        if rows > 0 {
            self.inner.failed.fetch_add(rows, Ordering::Relaxed);
            metrics::counter!(EVENT_SINK_FAILED_TOTAL, "reason" => "rejected").increment(rows);
        }
    }

    fn add_skipped(&self, events: u64) {
        if events > 0 {
            self.inner.skipped.fetch_add(events, Ordering::Relaxed);
            metrics::counter!(EVENT_SINK_FAILED_TOTAL, "reason" => "no_run_id").increment(events);
        }
    }
}

/// Writes batches of stageflow events to `pipeline_events`.
#[derive(Debug)]
pub struct PipelineEventWriter {
    db: DatabaseConnection,
    stats: EventWriterStats,
}

impl PipelineEventWriter {
    /// A writer on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            stats: EventWriterStats::default(),
        }
    }

    /// The writer's counts (shared: they keep counting after the writer moved into a sink).
    #[must_use]
    pub fn stats(&self) -> EventWriterStats {
        self.stats.clone()
    }

    /// A [`BatchedEventSink`] that hands its batches to this writer, and the writer's counts.
    /// Call [`BatchedEventSink::shutdown`] when the application stops so queued events land.
    ///
    /// # Panics
    /// Outside a Tokio runtime (the sink spawns its background task).
    #[must_use]
    pub fn spawn_sink(self, config: BatchConfig) -> (BatchedEventSink, EventWriterStats) {
        let stats = self.stats();
        (BatchedEventSink::spawn(self, config), stats)
    }

    /// Writes `events`, as described in the module documentation.
    pub async fn write(&self, events: Vec<Event>) {
        let total = events.len();
        let rows: Vec<ActiveModel> = events.into_iter().filter_map(to_row).collect();
        self.stats.add_skipped((total - rows.len()) as u64);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<ActiveModel> = rows.by_ref().take(MAX_ROWS_PER_INSERT).collect();
            self.insert_chunk(chunk).await;
        }
    }

    async fn insert_chunk(&self, chunk: Vec<ActiveModel>) {
        let count = chunk.len() as u64;
        let batch_error = match Entity::insert_many(chunk.clone())
            .exec_without_returning(&self.db)
            .await
        {
            Ok(_) => {
                self.stats.add_written(count);
                return;
            }
            Err(err) => db_error(err),
        };
        let (mut written, mut failed) = (0, 0);
        for row in chunk {
            match Entity::insert(row).exec_without_returning(&self.db).await {
                Ok(_) => written += 1,
                Err(_) => failed += 1,
            }
        }
        self.stats.add_written(written);
        self.stats.add_failed(failed);
        tracing::warn!(
            error = %batch_error,
            rows = count,
            written,
            lost = failed,
            "a batch of pipeline events was refused; inserted row by row"
        );
    }
}

#[async_trait]
impl BatchConsumer for PipelineEventWriter {
    async fn consume(&mut self, batch: Vec<Event>) {
        self.write(batch).await;
    }
}

/// The row of one event; `None` when it names no run.
fn to_row(event: Event) -> Option<ActiveModel> {
    let (event_type, data, occurred_at) = event.into_parts();
    let run_id = uuid_field(&data, "pipeline_run_id")?;
    let request_id = data
        .get("request_id")
        .and_then(Value::as_str)
        .map(|id| clip(id, 100));
    Some(ActiveModel {
        id: Set(Uuid::now_v7()),
        pipeline_run_id: Set(run_id),
        event_type: Set(clip(&event_type, 100)),
        request_id: Set(request_id),
        session_id: Set(uuid_field(&data, "session_id")),
        user_id: Set(uuid_field(&data, "user_id")),
        org_id: Set(uuid_field(&data, "org_id")),
        event_data: Set(Some(Value::Object(data))),
        occurred_at: Set(occurred_at.trunc_subsecs(6)),
        created_at: Set(Utc::now().trunc_subsecs(6)),
    })
}

fn uuid_field(data: &serde_json::Map<String, Value>, key: &str) -> Option<Uuid> {
    data.get(key)
        .and_then(Value::as_str)
        .and_then(|text| Uuid::parse_str(text).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn event(data: Value) -> Event {
        let Value::Object(data) = data else {
            unreachable!("test data is an object")
        };
        Event::new("stage.llm.completed", data)
    }

    #[test]
    fn rows_take_their_ids_from_the_data() {
        let (run, session) = (Uuid::now_v7(), Uuid::now_v7());
        let row = to_row(event(json!({
            "pipeline_run_id": run.to_string(),
            "request_id": "req-1",
            "session_id": session.to_string(),
            "user_id": null,
            "org_id": "not-a-uuid",
        })))
        .unwrap();
        assert_eq!(row.pipeline_run_id, Set(run));
        assert_eq!(row.request_id, Set(Some("req-1".to_owned())));
        assert_eq!(row.session_id, Set(Some(session)));
        assert_eq!(row.user_id, Set(None));
        assert_eq!(row.org_id, Set(None));
        assert_eq!(row.event_type, Set("stage.llm.completed".to_owned()));
    }

    #[test]
    fn events_without_a_run_have_no_row() {
        assert!(to_row(event(json!({}))).is_none());
        assert!(to_row(event(json!({"pipeline_run_id": "r1"}))).is_none());
    }

    /// Adds up counter increments by `name{labels}`.
    #[derive(Default)]
    struct Counters(Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>>);

    struct Handle {
        counters: Arc<std::sync::Mutex<std::collections::BTreeMap<String, u64>>>,
        series: String,
    }

    impl metrics::CounterFn for Handle {
        fn increment(&self, value: u64) {
            *self
                .counters
                .lock()
                .unwrap()
                .entry(self.series.clone())
                .or_default() += value;
        }

        fn absolute(&self, _value: u64) {}
    }

    impl metrics::Recorder for Counters {
        fn describe_counter(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }
        fn describe_gauge(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }
        fn describe_histogram(
            &self,
            _: metrics::KeyName,
            _: Option<metrics::Unit>,
            _: metrics::SharedString,
        ) {
        }

        fn register_counter(
            &self,
            key: &metrics::Key,
            _: &metrics::Metadata<'_>,
        ) -> metrics::Counter {
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            metrics::Counter::from_arc(Arc::new(Handle {
                counters: self.0.clone(),
                series: format!("{}{{{}}}", key.name(), labels.join(",")),
            }))
        }

        fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
            metrics::Gauge::noop()
        }

        fn register_histogram(
            &self,
            _: &metrics::Key,
            _: &metrics::Metadata<'_>,
        ) -> metrics::Histogram {
            metrics::Histogram::noop()
        }
    }

    #[tokio::test]
    async fn counts_are_exported_as_metrics() {
        use hellosales_domain::ports::{PipelineRunStart, PipelineRunStore};

        let recorder = Counters::default();
        let exported = recorder.0.clone();
        let _guard = metrics::set_default_local_recorder(&recorder);
        let store = crate::Store::connect("sqlite::memory:", crate::StoreOptions::default())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let run = Uuid::now_v7();
        store
            .pipeline_runs()
            .start(&PipelineRunStart {
                id: run,
                service: "chat".to_owned(),
                pipeline_name: "chat".to_owned(),
                topology: None,
                behavior: None,
                quality_mode: None,
                request_id: None,
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

        let writer = PipelineEventWriter::new(store.connection().clone());
        writer
            .write(vec![
                event(json!({"pipeline_run_id": run.to_string()})),
                event(json!({"pipeline_run_id": Uuid::now_v7().to_string()})),
                event(json!({"pipeline_run_id": "nope"})),
            ])
            .await;
        let stats = writer.stats();
        assert_eq!(
            (stats.written(), stats.failed(), stats.skipped()),
            (1, 1, 1)
        );
        let exported = exported.lock().unwrap().clone();
        assert_eq!(
            exported.into_iter().collect::<Vec<_>>(),
            [
                ("event_sink_failed_total{reason=no_run_id}".to_owned(), 1),
                ("event_sink_failed_total{reason=rejected}".to_owned(), 1),
                ("event_sink_written_total{}".to_owned(), 1),
            ]
        );
    }
}
