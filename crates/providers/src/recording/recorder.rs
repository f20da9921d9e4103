//! [`Recorder`]: what ends an attempt: prices its record (from the provider, model, day and
//! tokens), records the span fields and the metrics, and hands the record to the writer. Runs
//! once per attempt.

use super::attempt::{Attempt, Ending};
use super::telemetry;
use super::writer::{RecordWriter, RecordWritten};
use crate::pricing::PriceTable;
use hellosales_domain::ports::{ProviderCallRecord, ProviderCallStore};
use std::sync::Arc;
use tokio::runtime::Handle;
use tracing::Span;

/// Shared by a [`RecordingLlm`](super::RecordingLlm) and the streams it returns (and by a
/// [`RecordingEmbedder`](super::RecordingEmbedder)).
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
    ) -> RecordWritten {
        let mut record = attempt.finish(ending);
        self.price(&mut record);
        self.submit(record, span, runtime)
    }

    /// Prices a finished record from its provider, model, day and tokens: `priced` when the
    /// model has a price, and the exact cost when the tokens are known.
    pub(super) fn price(&self, record: &mut ProviderCallRecord) {
        let day = record.started_at.date_naive();
        let model = record.model_id.as_deref().unwrap_or_default();
        record.priced = self.prices.lookup(&record.provider, model, day).is_some();
        record.cost_usd_micros = record
            .tokens_in
            .zip(record.tokens_out)
            .and_then(|(input, output)| {
                self.prices
                    .cost(&record.provider, model, day, input.into(), output.into())
            })
            .map(|cost| cost.usd_micros);
    }

    /// Prices a finished speech call: from its tokens when the provider bills speech by token
    /// and reported them (Gemini), otherwise from the speech price of its audio duration
    /// (`stt`) or of the `characters` it spoke (`tts`).
    pub(super) fn price_speech(&self, record: &mut ProviderCallRecord, characters: Option<u64>) {
        let day = record.started_at.date_naive();
        let model = record.model_id.clone().unwrap_or_default();
        if let (Some(input), Some(output)) = (record.tokens_in, record.tokens_out)
            && let Some(cost) =
                self.prices
                    .cost(&record.provider, &model, day, input.into(), output.into())
        {
            record.priced = true;
            record.cost_usd_micros = Some(cost.usd_micros);
            return;
        }
        let price = self
            .prices
            .speech_lookup(&record.provider, &record.operation, &model, day);
        record.priced = price.is_some();
        record.cost_usd_micros = price.and_then(|price| {
            price.cost_usd_micros(record.audio_duration_ms.map(u64::from), characters)
        });
    }

    /// Records the finished call on its span and in the metrics, and hands it to the writer.
    pub(super) fn submit(
        &self,
        record: ProviderCallRecord,
        span: &Span,
        runtime: &Handle,
    ) -> RecordWritten {
        telemetry::record_on_span(span, &record);
        telemetry::record_metrics(&record);
        self.writer.submit(record, runtime)
    }

    /// Waits for the records submitted so far to be written.
    pub(super) async fn flush(&self) {
        self.writer.flush().await;
    }
}
