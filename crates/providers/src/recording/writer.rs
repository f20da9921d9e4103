//! Writing records off the caller's path: each record is written by a task of its own, so a
//! slow or failing store never delays or fails the stream it describes. A failed write is
//! logged at `warn` and dropped. [`RecordWriter::flush`] waits for the writes in flight
//! (tests, graceful shutdown).

use hellosales_domain::ports::{ProviderCallRecord, ProviderCallStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::runtime::Handle;
use tokio::sync::Notify;

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
    pub(super) fn submit(&self, record: ProviderCallRecord, runtime: &Handle) {
        let in_flight = InFlight::start(&self.pending);
        let store = Arc::clone(&self.store);
        runtime.spawn(async move {
            let _in_flight = in_flight;
            if let Err(err) = store.record(&record).await {
                tracing::warn!(
                    provider_call.id = %record.id,
                    provider = %record.provider,
                    error.code = err.code(),
                    error = %err,
                    "provider call record not written"
                );
            }
        });
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
