//! Writing records off the caller's path: each record is written by a task of its own, so a
//! slow or failing store never delays or fails the stream it describes. A failed write is
//! logged at `warn` and dropped. [`RecordWritten`] lets a caller wait for one record (a run
//! whose row refers to the call's row); [`RecordWriter::flush`] waits for every write in
//! flight (tests, graceful shutdown).

use hellosales_domain::ports::{ProviderCallRecord, ProviderCallStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::runtime::Handle;
use tokio::sync::{Notify, watch};

/// What a finished call measured, known as soon as it ended (before its record is written).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallMeasures {
    /// Whether the call completed.
    pub success: bool,
    /// Input tokens.
    pub tokens_in: Option<u32>,
    /// Output tokens.
    pub tokens_out: Option<u32>,
    /// Whether the token counts are estimates.
    pub tokens_estimated: bool,
    /// Exact cost in micro-USD, when the model is priced and the tokens known.
    pub cost_usd_micros: Option<i64>,
    /// From the start of the call to its first content delta.
    pub ttft_ms: Option<u32>,
    /// From the start of the call to its end.
    pub latency_ms: u32,
}

impl CallMeasures {
    fn of(record: &ProviderCallRecord) -> Self {
        Self {
            success: record.success,
            tokens_in: record.tokens_in,
            tokens_out: record.tokens_out,
            tokens_estimated: record.tokens_estimated,
            cost_usd_micros: record.cost_usd_micros,
            ttft_ms: record.ttft_ms,
            latency_ms: record.latency_ms,
        }
    }
}

/// The end of one record's write: [`wait`](Self::wait) resolves once the write succeeded or
/// failed; [`measures`](Self::measures) tells what the call measured. Cheap to clone.
#[derive(Clone, Debug)]
pub struct RecordWritten {
    written: watch::Receiver<Option<bool>>,
    measures: CallMeasures,
}

impl RecordWritten {
    /// What the recorded call measured (tokens, cost, latency).
    #[must_use]
    pub const fn measures(&self) -> CallMeasures {
        self.measures
    }

    /// Waits for the write to end: `true` when the record was written, `false` when the store
    /// refused it (logged) or the write was abandoned (the runtime shut down).
    pub async fn wait(mut self) -> bool {
        self.written
            .wait_for(Option::is_some)
            .await
            .is_ok_and(|written| *written == Some(true))
    }
}

/// Spawns the writes of records and counts those in flight.
pub(super) struct RecordWriter {
    store: Arc<dyn ProviderCallStore>,
    pending: Arc<Pending>,
}

#[derive(Default)]
struct Pending {
    count: AtomicUsize,
    idle: Notify,
}

/// One write in flight; counted down when dropped, whether the write ended or was cancelled.
struct InFlight(Arc<Pending>);

impl InFlight {
    fn start(pending: &Arc<Pending>) -> Self {
        pending.count.fetch_add(1, Ordering::SeqCst);
        Self(Arc::clone(pending))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl RecordWriter {
    pub(super) fn new(store: Arc<dyn ProviderCallStore>) -> Self {
        Self {
            store,
            pending: Arc::default(),
        }
    }

    /// Writes `record` on a task of `runtime`.
    pub(super) fn submit(&self, record: ProviderCallRecord, runtime: &Handle) -> RecordWritten {
        let in_flight = InFlight::start(&self.pending);
        let store = Arc::clone(&self.store);
        let measures = CallMeasures::of(&record);
        let (done, written) = watch::channel(None);
        runtime.spawn(async move {
            let _in_flight = in_flight;
            let result = store.record(&record).await;
            // Nobody may be waiting: that is fine.
            let _ = done.send(Some(result.is_ok()));
            if let Err(err) = result {
                tracing::warn!(
                    provider_call.id = %record.id,
                    provider = %record.provider,
                    error.code = err.code(),
                    error = %err,
                    "provider call record not written"
                );
            }
        });
        RecordWritten { written, measures }
    }

    /// Waits until no write is in flight.
    pub(super) async fn flush(&self) {
        loop {
            let idle = self.pending.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.pending.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }
}
