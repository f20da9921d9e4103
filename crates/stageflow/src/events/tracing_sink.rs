//! [`TracingEventSink`]: writes every event as a `tracing` event.

use std::fmt;

use tracing::Level;

use super::{Event, EventSink};
use crate::output::StageData;

/// A sink that logs every event through `tracing`, under the target `stageflow::events`, with
/// the fields `event_type` and `data` (the JSON data).
#[derive(Debug, Clone, Copy)]
pub struct TracingEventSink {
    level: Level,
}

impl Default for TracingEventSink {
    fn default() -> Self {
        Self::new()
    }
}

impl TracingEventSink {
    /// A sink logging at `INFO`.
    #[must_use]
    pub const fn new() -> Self {
        Self { level: Level::INFO }
    }

    /// Logs at `level` instead.
    #[must_use]
    pub const fn with_level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }
}

impl EventSink for TracingEventSink {
    fn try_emit(&self, event: Event) {
        let event_type = event.event_type();
        let data = Json(event.data());
        match self.level {
            Level::ERROR => tracing::error!(target: "stageflow::events", event_type, %data),
            Level::WARN => tracing::warn!(target: "stageflow::events", event_type, %data),
            Level::INFO => tracing::info!(target: "stageflow::events", event_type, %data),
            Level::DEBUG => tracing::debug!(target: "stageflow::events", event_type, %data),
            _ => tracing::trace!(target: "stageflow::events", event_type, %data),
        }
    }
}

/// Formats the data as JSON only when a subscriber records the event.
struct Json<'a>(&'a StageData);

impl fmt::Display for Json<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self.0).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}
