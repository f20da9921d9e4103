//! [`Recorder`]: what ends an attempt: prices it into its record, records the span fields and
//! the metrics, and hands the record to the writer. Runs once per attempt.

use super::attempt::{Attempt, Ending};
use super::telemetry;
use super::writer::RecordWriter;
use crate::pricing::PriceTable;
use hellosales_domain::ports::ProviderCallStore;
use std::sync::Arc;
use tokio::runtime::Handle;
use tracing::Span;

/// Shared by a [`RecordingLlm`](super::RecordingLlm) and the streams it returns.
pub(super) struct Recorder {
    prices: Arc<PriceTable>,
    writer: RecordWriter,
}

impl Recorder {
    pub(super) fn new(store: Arc<dyn ProviderCallStore>, prices: Arc<PriceTable>) -> Self {
        Self {
            prices,
            writer: RecordWriter::new(store),
        }
    }

    /// Ends `attempt` as `ending` says; the record is written on `runtime`.
    pub(super) fn finish(
        &self,
        attempt: Attempt,
        ending: &Ending<'_>,
        span: &Span,
        runtime: &Handle,
    ) {
        let record = attempt.finish(ending, &self.prices);
        telemetry::record_on_span(span, &record);
        telemetry::record_metrics(&record);
        self.writer.submit(record, runtime);
    }

    /// Waits for the records submitted so far to be written.
    pub(super) async fn flush(&self) {
        self.writer.flush().await;
    }
}
