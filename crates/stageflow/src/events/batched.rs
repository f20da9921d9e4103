//! [`BatchedEventSink`]: a bounded queue drained in batches by a background task that hands each
//! batch to a [`BatchConsumer`] (for example one that inserts rows into a database).
//!
//! Back-pressure policy: [`try_emit`](EventSink::try_emit) (what the engine uses) never waits;
//! when the queue is full the event is dropped and counted in
//! [`dropped`](BatchedEventSink::dropped) and in the [`EVENT_SINK_DROPPED_TOTAL`] counter of the
//! [`metrics`](https://docs.rs/metrics) facade. A batch is handed over when it reaches
//! [`BatchConfig::max_batch_size`], every [`BatchConfig::flush_interval`], on
//! [`flush`](BatchedEventSink::flush) and on [`shutdown`](BatchedEventSink::shutdown).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use super::{Event, EventSink};

/// Counter (through the `metrics` facade) of the events a [`BatchedEventSink`] dropped, queue
/// full or after shutdown. Every sink of the process adds to it.
pub const EVENT_SINK_DROPPED_TOTAL: &str = "event_sink_dropped_total";

/// Receives batches of events from a [`BatchedEventSink`].
///
/// The consumer runs in the sink's background task, one batch at a time. It handles its own
/// failures (log them, count them): the sink does not retry a batch.
///
/// Any `FnMut(Vec<Event>) -> impl Future<Output = ()>` closure is a consumer.
#[async_trait]
pub trait BatchConsumer: Send + 'static {
    /// Handles one non-empty batch, in emission order.
    async fn consume(&mut self, batch: Vec<Event>);
}

#[async_trait]
impl<F, Fut> BatchConsumer for F
where
    F: FnMut(Vec<Event>) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    async fn consume(&mut self, batch: Vec<Event>) {
        (self)(batch).await;
    }
}

/// Sizes and timing of a [`BatchedEventSink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchConfig {
    /// How many events may wait in the queue; beyond that `try_emit` drops. At least 1.
    pub capacity: usize,
    /// The largest batch handed to the consumer. At least 1.
    pub max_batch_size: usize,
    /// How often a partial batch is handed over.
    pub flush_interval: Duration,
}

impl Default for BatchConfig {
    /// 10 000 queued events, batches of up to 256, flushed every second.
    fn default() -> Self {
        Self {
            capacity: 10_000,
            max_batch_size: 256,
            flush_interval: Duration::from_secs(1),
        }
    }
}

#[derive(Debug)]
enum Command {
    Event(Event),
    Flush(oneshot::Sender<()>),
}

#[derive(Debug)]
struct Shared {
    tx: mpsc::Sender<Command>,
    accepted: AtomicU64,
    dropped: AtomicU64,
    shutdown: CancellationToken,
    worker: Mutex<Option<JoinHandle<()>>>,
}

/// A sink with a bounded queue whose background task hands batches to a [`BatchConsumer`].
/// It never blocks a stage: when the queue is full, events are dropped and counted.
///
/// Clones share the queue. Call [`shutdown`](Self::shutdown) when the application stops, so that
/// queued events reach the consumer.
///
/// ```
/// use stageflow::events::{BatchConfig, BatchedEventSink, Event, EventSink};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sink = BatchedEventSink::spawn(
///     |batch: Vec<Event>| async move {
///         // insert `batch` into the database in one statement
///         let _rows = batch.len();
///     },
///     BatchConfig::default(),
/// );
/// sink.try_emit(Event::new("pipeline.started", Default::default()));
/// sink.shutdown().await;
/// assert_eq!(sink.accepted(), 1);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct BatchedEventSink {
    shared: Arc<Shared>,
}

impl BatchedEventSink {
    /// Starts the background task on the current Tokio runtime.
    ///
    /// # Panics
    /// Panics when called outside a Tokio runtime, like `tokio::spawn`.
    #[must_use]
    pub fn spawn<C: BatchConsumer>(consumer: C, config: BatchConfig) -> Self {
        let (tx, rx) = mpsc::channel(config.capacity.max(1));
        let shutdown = CancellationToken::new();
        let worker = tokio::spawn(run_worker(consumer, rx, config, shutdown.clone()));
        Self {
            shared: Arc::new(Shared {
                tx,
                accepted: AtomicU64::new(0),
                dropped: AtomicU64::new(0),
                shutdown,
                worker: Mutex::new(Some(worker)),
            }),
        }
    }

    /// How many events were queued.
    #[must_use]
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// How many events were dropped (queue full, or emitted after shutdown).
    #[must_use]
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// How many events wait in the queue right now.
    #[must_use]
    pub fn queued(&self) -> usize {
        self.shared.tx.max_capacity() - self.shared.tx.capacity()
    }

    /// Waits until every event accepted before this call has been handed to the consumer.
    /// Returns at once after shutdown.
    pub async fn flush(&self) {
        let (ack, done) = oneshot::channel();
        if self.shared.tx.send(Command::Flush(ack)).await.is_ok() {
            // An error means the worker stopped; there is nothing left to wait for.
            let _ = done.await;
        }
    }

    /// Stops accepting events, hands every queued event to the consumer and waits for the
    /// background task to finish. Later events are dropped. Calling it twice is harmless.
    pub async fn shutdown(&self) {
        self.shared.shutdown.cancel();
        let worker = self
            .shared
            .worker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(worker) = worker
            && let Err(error) = worker.await
        {
            tracing::error!(%error, "the batched event sink consumer panicked");
        }
    }

    fn count(&self, accepted: bool) {
        if accepted {
            self.shared.accepted.fetch_add(1, Ordering::Relaxed);
        } else {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            // Looked up on the drop path only, so the recorder may be installed at any time.
            metrics::counter!(EVENT_SINK_DROPPED_TOTAL).increment(1);
        }
    }
}

#[async_trait]
impl EventSink for BatchedEventSink {
    /// Waits for room in the queue (drops only after shutdown).
    async fn emit(&self, event: Event) {
        let accepted = self.shared.tx.send(Command::Event(event)).await.is_ok();
        self.count(accepted);
    }

    fn try_emit(&self, event: Event) {
        let accepted = self.shared.tx.try_send(Command::Event(event)).is_ok();
        self.count(accepted);
    }
}

async fn run_worker<C: BatchConsumer>(
    mut consumer: C,
    mut rx: mpsc::Receiver<Command>,
    config: BatchConfig,
    shutdown: CancellationToken,
) {
    let max = config.max_batch_size.max(1);
    let mut batch = Vec::with_capacity(max);
    let mut ticker = tokio::time::interval(config.flush_interval);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    ticker.reset();
    loop {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            command = rx.recv() => match command {
                Some(command) => handle(command, &mut batch, &mut consumer, max).await,
                None => break,
            },
            _ = ticker.tick() => hand_over(&mut batch, &mut consumer, max).await,
        }
    }
    rx.close();
    while let Some(command) = rx.recv().await {
        handle(command, &mut batch, &mut consumer, max).await;
    }
    hand_over(&mut batch, &mut consumer, max).await;
}

async fn handle<C: BatchConsumer>(
    command: Command,
    batch: &mut Vec<Event>,
    consumer: &mut C,
    max: usize,
) {
    match command {
        Command::Event(event) => {
            batch.push(event);
            if batch.len() >= max {
                hand_over(batch, consumer, max).await;
            }
        }
        Command::Flush(ack) => {
            hand_over(batch, consumer, max).await;
            // The caller may have stopped waiting; that is fine.
            let _ = ack.send(());
        }
    }
}

async fn hand_over<C: BatchConsumer>(batch: &mut Vec<Event>, consumer: &mut C, max: usize) {
    if !batch.is_empty() {
        let full = std::mem::replace(batch, Vec::with_capacity(max));
        consumer.consume(full).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use std::sync::Mutex as StdMutex;

    fn event(n: usize) -> Event {
        Event::new(format!("e{n}"), Default::default())
    }

    #[derive(Clone, Default)]
    struct Collector(Arc<StdMutex<Vec<Vec<String>>>>);

    impl Collector {
        fn consumer(&self) -> impl BatchConsumer {
            let batches = self.0.clone();
            move |batch: Vec<Event>| {
                let names = batch.iter().map(|e| e.event_type().to_owned()).collect();
                batches.lock().unwrap().push(names);
                async {}
            }
        }

        fn batches(&self) -> Vec<Vec<String>> {
            self.0.lock().unwrap().clone()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn hands_over_full_batches_then_the_rest_on_flush() {
        let collector = Collector::default();
        let config = BatchConfig {
            capacity: 100,
            max_batch_size: 2,
            flush_interval: Duration::from_secs(3600),
        };
        let sink = BatchedEventSink::spawn(collector.consumer(), config);
        for n in 0..5 {
            sink.try_emit(event(n));
        }
        sink.flush().await;
        assert_eq!(
            collector.batches(),
            [vec!["e0", "e1"], vec!["e2", "e3"], vec!["e4"]]
        );
        assert_eq!((sink.accepted(), sink.dropped()), (5, 0));
        sink.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn flushes_partial_batches_on_the_interval() {
        let collector = Collector::default();
        let config = BatchConfig {
            capacity: 100,
            max_batch_size: 100,
            flush_interval: Duration::from_millis(500),
        };
        let sink = BatchedEventSink::spawn(collector.consumer(), config);
        sink.try_emit(event(0));
        tokio::time::sleep(Duration::from_millis(600)).await;
        assert_eq!(collector.batches(), [vec!["e0"]]);
        sink.shutdown().await;
    }

    #[tokio::test]
    async fn drops_and_counts_when_the_queue_is_full() {
        let (started_tx, mut started) = mpsc::unbounded_channel();
        let release = Arc::new(tokio::sync::Semaphore::new(0));
        let consumed = Arc::new(AtomicU64::new(0));
        let consumer = {
            let (release, consumed) = (release.clone(), consumed.clone());
            move |batch: Vec<Event>| {
                let (release, consumed) = (release.clone(), consumed.clone());
                let _ = started_tx.send(());
                async move {
                    let _permit = release.acquire().await;
                    consumed.fetch_add(batch.len() as u64, Ordering::Relaxed);
                }
            }
        };
        let config = BatchConfig {
            capacity: 2,
            max_batch_size: 1,
            flush_interval: Duration::from_secs(3600),
        };
        let sink = BatchedEventSink::spawn(consumer, config);
        sink.try_emit(event(0));
        started.recv().await.unwrap(); // the worker holds e0 and waits in the consumer
        for n in 1..=5 {
            sink.try_emit(event(n)); // e1, e2 fit in the queue; e3..e5 are dropped at once
        }
        assert_eq!((sink.accepted(), sink.dropped(), sink.queued()), (3, 3, 2));
        release.add_permits(10);
        sink.shutdown().await;
        assert_eq!(consumed.load(Ordering::Relaxed), 3);
        sink.try_emit(event(6));
        assert_eq!(sink.dropped(), 4);
    }

    /// Counts the increments of the `event_sink_dropped_total` counter.
    #[derive(Default)]
    struct DropCounter(Arc<AtomicU64>);

    impl metrics::CounterFn for DropCounter {
        fn increment(&self, value: u64) {
            self.0.fetch_add(value, Ordering::Relaxed);
        }

        fn absolute(&self, value: u64) {
            self.0.store(value, Ordering::Relaxed);
        }
    }

    impl metrics::Recorder for DropCounter {
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
            if key.name() == EVENT_SINK_DROPPED_TOTAL {
                metrics::Counter::from_arc(Arc::new(DropCounter(self.0.clone())))
            } else {
                metrics::Counter::noop()
            }
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
    async fn dropped_events_are_exported_as_a_metric() {
        let recorder = DropCounter::default();
        let exported = recorder.0.clone();
        let _guard = metrics::set_default_local_recorder(&recorder);
        let config = BatchConfig {
            capacity: 1,
            max_batch_size: 100,
            flush_interval: Duration::from_secs(3600),
        };
        // The consumer never runs before the queue is full: this test holds the only thread.
        let sink = BatchedEventSink::spawn(|_batch: Vec<Event>| async {}, config);
        sink.try_emit(event(0));
        sink.try_emit(event(1)); // queue full
        assert_eq!((sink.accepted(), sink.dropped()), (1, 1));
        assert_eq!(exported.load(Ordering::Relaxed), 1);
        sink.shutdown().await;
        sink.try_emit(event(2)); // after shutdown
        assert_eq!(sink.dropped(), 2);
        assert_eq!(exported.load(Ordering::Relaxed), 2);
    }

    #[tokio::test]
    async fn shutdown_hands_over_queued_events() {
        let collector = Collector::default();
        let sink = BatchedEventSink::spawn(collector.consumer(), BatchConfig::default());
        sink.emit(event(0)).await;
        sink.emit(event(1)).await;
        sink.shutdown().await;
        sink.shutdown().await;
        assert_eq!(collector.batches(), [vec!["e0", "e1"]]);
        sink.flush().await;
    }
}
