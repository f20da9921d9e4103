//! The state one run shares with all its stages ([`RunScope`]) and the immutable facts about
//! the run that its events keep ([`RunInfo`]).
//!
//! Built once per run by the scheduler; stages reach it through
//! [`StageContext`](crate::StageContext).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::{Event, EventSink, Payload};
use crate::output::StageData;
use crate::snapshot::ContextSnapshot;
use crate::streaming::StreamTarget;

/// What events of a run refer to. Holds no sink, so events stored in a sink do not keep the
/// sink alive.
#[derive(Debug)]
pub(crate) struct RunInfo {
    pub(crate) pipeline: Arc<str>,
    pub(crate) snapshot: Arc<ContextSnapshot>,
    /// The wall-clock time of `started`: event times are derived from it, so that a run reads
    /// the wall clock once.
    pub(crate) started_at: DateTime<Utc>,
    pub(crate) started: Instant,
}

impl RunInfo {
    pub(crate) fn new(pipeline: Arc<str>, snapshot: Arc<ContextSnapshot>) -> Self {
        Self {
            pipeline,
            snapshot,
            started_at: Utc::now(),
            started: Instant::now(),
        }
    }

    /// The moment the run started.
    pub(crate) fn start(&self) -> Moment {
        Moment {
            instant: self.started,
            wall: self.started_at,
        }
    }

    /// The current moment, reading the (Tokio) clock once.
    pub(crate) fn now(&self) -> Moment {
        let instant = Instant::now();
        let wall = TimeDelta::from_std(instant.saturating_duration_since(self.started))
            .ok()
            .and_then(|elapsed| self.started_at.checked_add_signed(elapsed))
            .unwrap_or(self.started_at);
        Moment { instant, wall }
    }
}

/// A point in time of a run, on the Tokio clock (for durations) and on the wall clock (for
/// timestamps).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moment {
    pub(crate) instant: Instant,
    pub(crate) wall: DateTime<Utc>,
}

impl Moment {
    /// The time from `earlier` to this moment.
    pub(crate) fn since(self, earlier: Self) -> Duration {
        self.instant.saturating_duration_since(earlier.instant)
    }
}

/// What every stage of one run shares.
#[derive(Debug)]
pub(crate) struct RunScope {
    pub(crate) info: Arc<RunInfo>,
    /// The snapshot's service, or `"unknown"`, shared for metrics labels.
    pub(crate) service: Arc<str>,
    pub(crate) sink: Arc<dyn EventSink>,
    pub(crate) config: Option<Arc<StageData>>,
    pub(crate) stream: StreamTarget,
    pub(crate) token: CancellationToken,
}

impl RunScope {
    /// Emits an event of this run (without waiting on the sink).
    pub(crate) fn emit(&self, event_type: Arc<str>, at: Moment, payload: Payload) {
        self.sink
            .try_emit(Event::lazy(event_type, at.wall, payload));
    }
}

/// The service label of a run: the snapshot's service, or `"unknown"`.
pub(crate) fn service_label(snapshot: &ContextSnapshot) -> Arc<str> {
    Arc::from(snapshot.service.as_deref().unwrap_or("unknown"))
}
