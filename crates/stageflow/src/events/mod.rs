//! Events: the [`Event`] record, the [`EventSink`] trait and the built-in sinks.
//!
//! The engine emits, with [`EventSink::try_emit`] (never waiting on a sink):
//!
//! | event type | when | data (besides the correlation ids) |
//! | --- | --- | --- |
//! | `pipeline.started` | the run starts | `pipeline`, `stage_count`, `interaction_id`, `topology`, `execution_mode`, `service` |
//! | `stage.{name}.started` | a stage starts | `stage`, `kind` |
//! | `stage.{name}.completed` | a stage returned `Ok` | `stage`, `kind`, `status`, `duration_ms` |
//! | `stage.{name}.skipped` | a stage returned `Skip` or a conditional stage skipped | ... and `reason` |
//! | `stage.{name}.failed` | a stage failed | ... and `error`, `error_code`, `retryable` |
//! | `stage.{name}.cancelled` | a stage cancelled the run, or was cancelled | ... and `reason` |
//! | `stage.wide` | after each stage, when enabled | see [`crate::wide`] |
//! | `pipeline.completed` / `pipeline.failed` / `pipeline.cancelled` | the run ends | `pipeline`, `status`, `duration_ms`, `stage_count` (and `stage`, `error`, `error_code`, `retryable` or `reason`) |
//! | `pipeline.wide` | the run ended, when enabled | see [`crate::wide`] |
//!
//! Interceptors add `stage.retry_scheduled`, `stage.retry_exhausted`, `circuit.opened` and
//! `circuit.closed`; stages add their own through
//! [`StageContext::emit_event`](crate::StageContext::emit_event) (`stage` is added to those).
//! Every event carries the correlation ids `pipeline_run_id`, `request_id`, `session_id`,
//! `user_id` and `org_id` (`null` when the snapshot has none), so a sink can store each event
//! with its run, request, session, user and organization.

mod batched;
mod composite;
mod memory;
pub(crate) mod payload;
mod sink;
mod tracing_sink;

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::output::StageData;

pub(crate) use payload::Payload;

pub use batched::{BatchConfig, BatchConsumer, BatchedEventSink, EVENT_SINK_DROPPED_TOTAL};
pub use composite::CompositeEventSink;
pub use memory::InMemoryEventSink;
pub use sink::{EventSink, NoOpEventSink};
pub use tracing_sink::TracingEventSink;

/// The names of the events the engine and its interceptors emit.
pub mod names {
    /// A run started.
    pub const PIPELINE_STARTED: &str = "pipeline.started";
    /// A run succeeded.
    pub const PIPELINE_COMPLETED: &str = "pipeline.completed";
    /// A run ended with a failed stage.
    pub const PIPELINE_FAILED: &str = "pipeline.failed";
    /// A run was cancelled (by a stage or by the caller).
    pub const PIPELINE_CANCELLED: &str = "pipeline.cancelled";
    /// The summary of one stage.
    pub const STAGE_WIDE: &str = "stage.wide";
    /// The summary of a run.
    pub const PIPELINE_WIDE: &str = "pipeline.wide";
    /// The retry interceptor will run a failed stage again.
    pub const STAGE_RETRY_SCHEDULED: &str = "stage.retry_scheduled";
    /// The retry interceptor gave up.
    pub const STAGE_RETRY_EXHAUSTED: &str = "stage.retry_exhausted";
    /// A circuit breaker opened.
    pub const CIRCUIT_OPENED: &str = "circuit.opened";
    /// A circuit breaker closed again after a successful probe.
    pub const CIRCUIT_CLOSED: &str = "circuit.closed";

    /// The name of a stage lifecycle event: `stage.{stage}.{phase}`.
    #[must_use]
    pub fn stage_event(stage: &str, phase: super::StagePhase) -> String {
        format!("stage.{stage}.{}", phase.as_str())
    }
}

/// The lifecycle phases that have a `stage.{name}.{phase}` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StagePhase {
    /// The stage started.
    Started,
    /// The stage returned `Ok`.
    Completed,
    /// The stage skipped.
    Skipped,
    /// The stage failed.
    Failed,
    /// The stage cancelled the run or was cancelled.
    Cancelled,
}

impl StagePhase {
    /// The phase as it appears in event names.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Started => "started",
            Self::Completed => "completed",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// One observable event: a type, a JSON object of data and the time it occurred.
///
/// Serializes as `{"type": ..., "data": {...}, "occurred_at": ...}`.
///
/// The engine creates its events cheaply: their data is rendered into JSON the first time it is
/// read ([`data`](Self::data), serialization, [`into_parts`](Self::into_parts)), so a sink that
/// drops or defers events costs a stage almost nothing, and a batched sink renders them in its
/// own task.
#[derive(Clone)]
pub struct Event {
    event_type: Arc<str>,
    occurred_at: DateTime<Utc>,
    data: OnceLock<StageData>,
    payload: Option<Payload>,
}

impl Event {
    /// An event that occurred now.
    pub fn new(event_type: impl Into<Arc<str>>, data: StageData) -> Self {
        Self::at(event_type, data, Utc::now())
    }

    /// An event that occurred at `occurred_at`.
    pub fn at(
        event_type: impl Into<Arc<str>>,
        data: StageData,
        occurred_at: DateTime<Utc>,
    ) -> Self {
        Self {
            event_type: event_type.into(),
            occurred_at,
            data: OnceLock::from(data),
            payload: None,
        }
    }

    /// An event whose data is rendered from `payload` when first read.
    pub(crate) fn lazy(event_type: Arc<str>, occurred_at: DateTime<Utc>, payload: Payload) -> Self {
        Self {
            event_type,
            occurred_at,
            data: OnceLock::new(),
            payload: Some(payload),
        }
    }

    /// The event type, for example `"stage.llm.completed"`.
    #[must_use]
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The event data (rendered on first access).
    #[must_use]
    pub fn data(&self) -> &StageData {
        self.data.get_or_init(|| render(self.payload.as_ref()))
    }

    /// One data value.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.data().get(key)
    }

    /// When the event occurred.
    #[must_use]
    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.occurred_at
    }

    /// The run the event belongs to, as a string.
    #[must_use]
    pub fn pipeline_run_id(&self) -> Option<&str> {
        self.get("pipeline_run_id").and_then(Value::as_str)
    }

    /// Splits the event into its type, data and time.
    #[must_use]
    pub fn into_parts(self) -> (Arc<str>, StageData, DateTime<Utc>) {
        let data = match self.data.into_inner() {
            Some(data) => data,
            None => render(self.payload.as_ref()),
        };
        (self.event_type, data, self.occurred_at)
    }
}

fn render(payload: Option<&Payload>) -> StageData {
    payload.map(Payload::render).unwrap_or_default()
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("type", &self.event_type)
            .field("data", self.data())
            .field("occurred_at", &self.occurred_at)
            .finish()
    }
}

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.event_type == other.event_type
            && self.occurred_at == other.occurred_at
            && self.data() == other.data()
    }
}

/// The serialized form of an [`Event`].
#[derive(Serialize, Deserialize)]
struct EventRecord<'a> {
    #[serde(rename = "type")]
    event_type: Cow<'a, str>,
    data: Cow<'a, StageData>,
    occurred_at: DateTime<Utc>,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        EventRecord {
            event_type: Cow::Borrowed(&self.event_type),
            data: Cow::Borrowed(self.data()),
            occurred_at: self.occurred_at,
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let record = EventRecord::deserialize(deserializer)?;
        Ok(Self::at(
            record.event_type.into_owned(),
            record.data.into_owned(),
            record.occurred_at,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_with_a_type_field() -> Result<(), serde_json::Error> {
        let mut data = StageData::new();
        data.insert("pipeline_run_id".into(), "r1".into());
        let event = Event::new("llm.first_token", data);
        let json = serde_json::to_value(&event)?;
        assert_eq!(json["type"], "llm.first_token");
        assert_eq!(json["data"]["pipeline_run_id"], "r1");
        let back: Event = serde_json::from_value(json)?;
        assert_eq!(back, event);
        assert_eq!(back.pipeline_run_id(), Some("r1"));
        Ok(())
    }

    #[test]
    fn stage_event_names() {
        assert_eq!(
            names::stage_event("llm", StagePhase::Started),
            "stage.llm.started"
        );
        assert_eq!(
            names::stage_event("llm", StagePhase::Cancelled),
            "stage.llm.cancelled"
        );
    }
}
