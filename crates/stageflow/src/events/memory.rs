//! [`InMemoryEventSink`]: keeps every event in memory, for tests and examples.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{Event, EventSink};

/// A sink that keeps events in memory, in emission order. Clones share the same store.
///
/// Meant for tests: it grows without bound, so do not use it for a long-lived process.
///
/// ```
/// use stageflow::events::{Event, EventSink, InMemoryEventSink};
///
/// let sink = InMemoryEventSink::new();
/// sink.try_emit(Event::new("custom", Default::default()));
/// assert_eq!(sink.event_types(), ["custom"]);
/// ```
#[derive(Debug, Clone)]
pub struct InMemoryEventSink {
    events: Arc<Mutex<Vec<Event>>>,
}

impl Default for InMemoryEventSink {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemoryEventSink {
    /// An empty sink, with room for the events of a small run.
    #[must_use]
    pub fn new() -> Self {
        Self {
            events: Arc::new(Mutex::new(Vec::with_capacity(32))),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        // A panic while holding the lock cannot leave the vector half-written: keep going.
        self.events.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of every event recorded so far.
    #[must_use]
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    /// The types of the events recorded so far, in order.
    #[must_use]
    pub fn event_types(&self) -> Vec<String> {
        self.lock()
            .iter()
            .map(|event| event.event_type().to_owned())
            .collect()
    }

    /// The events of one type, in order.
    #[must_use]
    pub fn of_type(&self, event_type: &str) -> Vec<Event> {
        self.lock()
            .iter()
            .filter(|event| event.event_type() == event_type)
            .cloned()
            .collect()
    }

    /// Removes and returns every event recorded so far.
    #[must_use]
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.lock())
    }

    /// The number of events recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no event was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Forgets every event.
    pub fn clear(&self) {
        self.lock().clear();
    }
}

impl EventSink for InMemoryEventSink {
    fn try_emit(&self, event: Event) {
        self.lock().push(event);
    }
}
