//! The state one run shares with all its stages ([`RunScope`]) and the immutable facts about
//! the run that its events keep ([`RunInfo`]).
//!
//! Built once per run by the scheduler; stages reach it through
//! [`StageContext`](crate::StageContext).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::events::{Event, EventSink, Payload};
use crate::interceptors::panic_message;
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
        self.moment(Instant::now())
    }

    /// The moment of `instant`, a reading of the (Tokio) clock.
    pub(crate) fn moment(&self, instant: Instant) -> Moment {
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
    /// Emits an event of this run (without waiting on the sink). A sink that panics loses the
    /// event, not the run: the panic is logged.
    pub(crate) fn emit(&self, event_type: Arc<str>, at: Moment, payload: Payload) {
        self.emit_event(Event::lazy(event_type, at.wall, payload));
    }

    /// Hands `event` to the sink, without waiting; a sink that panics loses the event, not the
    /// run (the panic is logged).
    pub(crate) fn emit_event(&self, event: Event) {
        if let Err(panic) = std::panic::catch_unwind(AssertUnwindSafe(|| self.sink.try_emit(event)))
        {
            log_contained_panic(panic, &sink_hook);
        }
    }
}

/// How the log of a panicking sink names it.
fn sink_hook() -> (&'static str, String) {
    ("EventSink::try_emit", "event sink".to_owned())
}

/// Runs `step(0)`, `step(1)`, … `step(count - 1)` in order: application code that the engine
/// calls outside any stage (the interceptors' `on_stage_end` or pipeline hooks), so that a panic
/// in it cannot abort the run. A step that panics is logged at `ERROR`, with the hook and owner
/// that `describe(step)` names, and skipped; the next steps still run.
///
/// One `catch_unwind` covers every step up to a panic (sinks get theirs in
/// [`RunScope::emit_event`]).
pub(crate) fn contain_steps(
    count: usize,
    mut step: impl FnMut(usize),
    describe: impl Fn(usize) -> (&'static str, String),
) {
    let mut next = 0;
    while next < count {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            while next < count {
                next += 1;
                step(next - 1);
            }
        }));
        if let Err(panic) = outcome {
            log_contained_panic(panic, &|| describe(next - 1));
        }
    }
}

/// Logs a panic caught by [`contain_steps`] or [`RunScope::emit_event`]; `describe` names the
/// hook and its owner. Out of line: the happy path never comes here.
#[cold]
#[inline(never)]
fn log_contained_panic(
    panic: Box<dyn std::any::Any + Send>,
    describe: &dyn Fn() -> (&'static str, String),
) {
    let message = panic_message(panic.as_ref());
    let (hook, owner) =
        std::panic::catch_unwind(AssertUnwindSafe(describe)).unwrap_or(("hook", String::new()));
    tracing::error!(
        hook,
        owner = owner.as_str(),
        panic = message.as_str(),
        "a hook panicked; the run goes on without it"
    );
}

/// The service label of a run: the snapshot's service, or `"unknown"`.
pub(crate) fn service_label(snapshot: &ContextSnapshot) -> Arc<str> {
    Arc::from(snapshot.service.as_deref().unwrap_or("unknown"))
}
