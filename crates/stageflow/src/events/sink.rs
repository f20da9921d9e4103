//! The [`EventSink`] trait and [`NoOpEventSink`].

use std::fmt;

use async_trait::async_trait;

use super::Event;

/// Where events go.
///
/// The engine only calls [`try_emit`](Self::try_emit), which must never block or wait: a slow
/// sink must not slow a stage down. Nor can a broken sink break a run: if `try_emit` panics, the
/// engine logs the panic (at `ERROR`) and the event is lost, but the run goes on. [`emit`](Self::emit) is for callers that prefer to wait for
/// room (for example a job that replays events); by default it calls `try_emit`.
///
/// ```
/// use stageflow::events::{Event, EventSink};
///
/// #[derive(Debug)]
/// struct Stdout;
///
/// impl EventSink for Stdout {
///     fn try_emit(&self, event: Event) {
///         let _line = format!("{} {:?}", event.event_type(), event.data());
///     }
/// }
/// ```
#[async_trait]
pub trait EventSink: Send + Sync + fmt::Debug {
    /// Records `event`, waiting if the sink needs to (for example for room in a queue).
    async fn emit(&self, event: Event) {
        self.try_emit(event);
    }

    /// Records `event` without waiting. A sink that cannot take it right away drops it (and
    /// should count what it drops).
    fn try_emit(&self, event: Event);
}

/// A sink that discards every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoOpEventSink;

impl EventSink for NoOpEventSink {
    fn try_emit(&self, _event: Event) {}
}
