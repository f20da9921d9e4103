//! Provider-call recording: every attempt at an LLM goes through [`RecordingLlm`], which
//! writes one `provider_calls` record per attempt, traces it in a `gen_ai.call` span and
//! counts it in the provider metrics.
//!
//! A record says who called ([`CallContext`]), what was asked and answered (unless
//! [`RecordingOptions::store_prompts`] is off), how long it took (latency to the end, time to
//! the first non-empty content delta), the tokens (from the provider's usage, otherwise
//! estimated and flagged), the exact cost from the [`PriceTable`] on the call's day
//! (`priced = false` and no cost for a model without a price), and how it ended (the typed
//! error's code and a message scrubbed of secrets; `CANCELLED` when the caller dropped the
//! stream). Writing never fails the caller and never holds a stream back: records are written
//! by tasks of their own. [`RecordingLlm::complete`] returns once its record is written (so
//! that rows referring to the call can be stored at once), a stream's
//! [`RecordedStream::recorded`] waits for it after the end, and [`RecordingLlm::flush`] waits
//! for every write in flight.
//!
//! - `attempt`: the observations of one call and its record;
//! - `embedding`: the same for embedding calls ([`RecordingEmbedder`]);
//! - `speech`: the same for speech-to-text and text-to-speech calls ([`RecordingStt`],
//!   [`RecordingTts`]);
//! - `stream`: the pass-through stream that ends the attempt exactly once;
//! - `recorder`: pricing, span fields, metrics, then the write;
//! - `writer`: the writes off the caller's path;
//! - `telemetry`: the span and the metric names;
//! - `redact`: secrets out of error messages.

mod attempt;
mod embedding;
mod recorder;
mod redact;
mod speech;
mod stream;
mod telemetry;
mod writer;

pub use attempt::CANCELLED;
pub use embedding::{RecordedEmbeddings, RecordingEmbedder};
pub use speech::{
    RecordedSpeech, RecordedSttStream, RecordedTranscript, RecordingStt, RecordingTts,
};
pub use stream::RecordedStream;
pub use telemetry::{
    PROVIDER_CALLS_TOTAL, PROVIDER_COST_USD_MICROS_TOTAL, PROVIDER_LATENCY_MS, PROVIDER_TTFT_MS,
    describe_metrics,
};
pub use writer::{CallMeasures, RecordWritten};

use crate::pricing::PriceTable;
use attempt::{Attempt, Ending};
use hellosales_domain::ports::{CallContext, ChatRequest, LlmProvider, ProviderCallStore};
use hellosales_domain::{AppError, AppResult};
use recorder::Recorder;
use std::fmt;
use std::sync::Arc;
use stream::Unrecorded;
use tokio::runtime::Handle;
use tracing::Instrument;
use uuid::Uuid;

/// What is recorded besides the measurements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordingOptions {
    /// Store the prompt messages and the generated text (`prompt_messages`,
    /// `output_content`). Off: neither is kept.
    pub store_prompts: bool,
}

impl Default for RecordingOptions {
    fn default() -> Self {
        Self {
            store_prompts: true,
        }
    }
}

/// Token usage as the provider reported it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenUsage {
    /// Tokens of the prompt.
    pub prompt_tokens: u32,
    /// Tokens generated.
    pub completion_tokens: u32,
}

/// A whole chat completion, for callers that do not stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The id of the call's `provider_calls` record.
    pub call_id: Uuid,
    /// The generated text.
    pub content: String,
    /// Usage, when the provider reported it.
    pub usage: Option<TokenUsage>,
    /// Why generation stopped, when the provider said.
    pub finish_reason: Option<String>,
}

/// An LLM whose every call is recorded, traced and counted. Cheap to clone.
#[derive(Clone)]
pub struct RecordingLlm {
    inner: Arc<dyn LlmProvider>,
    recorder: Arc<Recorder>,
    options: RecordingOptions,
}

impl RecordingLlm {
    /// Records the calls of `inner` into `store`, priced from `prices`.
    #[must_use]
    pub fn new(
        inner: Arc<dyn LlmProvider>,
        store: Arc<dyn ProviderCallStore>,
        prices: Arc<PriceTable>,
        options: RecordingOptions,
    ) -> Self {
        Self {
            inner,
            recorder: Arc::new(Recorder::new(store, prices)),
            options,
        }
    }

    /// The wrapped provider's name.
    #[must_use]
    pub fn provider_name(&self) -> &str {
        self.inner.name()
    }

    /// Starts a streamed chat completion for `context`. The stream yields the provider's
    /// events unchanged; the call is recorded when it ends or is dropped.
    ///
    /// # Errors
    /// The provider's error when it refuses the request (recorded as a failed call);
    /// `Internal` when called outside a tokio runtime (nothing could record the call).
    pub async fn chat_stream(
        &self,
        context: &CallContext,
        request: ChatRequest,
    ) -> AppResult<RecordedStream> {
        let runtime = Handle::try_current().map_err(AppError::internal)?;
        let provider = self.inner.name().to_owned();
        let attempt = Attempt::start(context, &provider, &request, self.options.store_prompts);
        let span = telemetry::call_span(
            telemetry::Operation::Chat,
            context,
            &provider,
            &request.model,
            attempt.id(),
        );
        match self
            .inner
            .chat_stream(request)
            .instrument(span.clone())
            .await
        {
            Ok(stream) => Ok(RecordedStream::new(
                stream,
                Unrecorded {
                    attempt,
                    recorder: Arc::clone(&self.recorder),
                    runtime,
                },
                span,
            )),
            Err(err) => {
                let written = {
                    let _entered = span.enter();
                    self.recorder
                        .finish(attempt, &Ending::Refused(&err), &span, &runtime)
                };
                written.wait().await;
                Err(err)
            }
        }
    }

    /// Runs a chat completion to its end and returns it whole (one recorded call).
    ///
    /// # Errors
    /// As [`chat_stream`](Self::chat_stream), and the error that ended the stream.
    pub async fn complete(
        &self,
        context: &CallContext,
        request: ChatRequest,
    ) -> AppResult<Completion> {
        self.chat_stream(context, request)
            .await?
            .into_completion()
            .await
    }

    /// Waits until every record submitted so far has been written (or its write has failed
    /// and been logged). For tests and graceful shutdown.
    pub async fn flush(&self) {
        self.recorder.flush().await;
    }
}

impl fmt::Debug for RecordingLlm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingLlm")
            .field("provider", &self.inner.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
