//! [`CompositeEventSink`]: sends every event to several sinks.

use std::sync::Arc;

use async_trait::async_trait;

use super::{Event, EventSink};

/// A sink that forwards every event to each of its sinks, in order.
///
/// ```
/// use std::sync::Arc;
/// use stageflow::events::{CompositeEventSink, InMemoryEventSink, TracingEventSink};
///
/// let memory = InMemoryEventSink::new();
/// let sink = CompositeEventSink::new(vec![Arc::new(memory.clone()), Arc::new(TracingEventSink::new())]);
/// # let _ = sink;
/// ```
#[derive(Debug, Clone, Default)]
pub struct CompositeEventSink {
    sinks: Vec<Arc<dyn EventSink>>,
}

impl CompositeEventSink {
    /// A sink forwarding to `sinks`.
    #[must_use]
    pub fn new(sinks: Vec<Arc<dyn EventSink>>) -> Self {
        Self { sinks }
    }

    /// Adds a sink.
    #[must_use]
    pub fn with(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }
}

#[async_trait]
impl EventSink for CompositeEventSink {
    async fn emit(&self, event: Event) {
        if let Some((last, rest)) = self.sinks.split_last() {
            for sink in rest {
                sink.emit(event.clone()).await;
            }
            last.emit(event).await;
        }
    }

    fn try_emit(&self, event: Event) {
        if let Some((last, rest)) = self.sinks.split_last() {
            for sink in rest {
                sink.try_emit(event.clone());
            }
            last.try_emit(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::InMemoryEventSink;

    #[tokio::test]
    async fn every_sink_receives_every_event() {
        let (a, b) = (InMemoryEventSink::new(), InMemoryEventSink::new());
        let sink = CompositeEventSink::new(vec![Arc::new(a.clone())]).with(Arc::new(b.clone()));
        sink.try_emit(Event::new("one", Default::default()));
        sink.emit(Event::new("two", Default::default())).await;
        assert_eq!(a.event_types(), ["one", "two"]);
        assert_eq!(b.event_types(), ["one", "two"]);
    }
}
