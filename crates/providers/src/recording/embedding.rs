//! [`RecordingEmbedder`]: the recording wrapper of embedding calls. Each call is one
//! `provider_calls` record with operation `embedding`: the input tokens (the provider's usage,
//! otherwise estimated and flagged), no output tokens, the exact cost from the price table,
//! latency, the typed error of a failed call; a `gen_ai.call` client span (`embeddings {model}`) and the
//! provider metrics, as for chat.

use super::attempt::{completed_at, millis};
use super::redact::redact_secrets;
use super::telemetry;
use super::{Recorder, RecordingOptions};
use crate::pricing::PriceTable;
use crate::tokens;
use chrono::Utc;
use hellosales_domain::ports::{
    CallContext, EMBEDDING_OPERATION, EmbeddingProvider, EmbeddingRequest, Embeddings,
    ProviderCallRecord, ProviderCallStore,
};
use hellosales_domain::{AppError, AppResult};
use std::fmt;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::time::Instant;
use tracing::Instrument;
use uuid::Uuid;

/// The vectors of a recorded call, and the id of its record.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedEmbeddings {
    /// The id of the call's `provider_calls` record.
    pub call_id: Uuid,
    /// What the provider answered.
    pub embeddings: Embeddings,
}

/// An embedding model whose every call is recorded, traced and counted. Cheap to clone.
#[derive(Clone)]
pub struct RecordingEmbedder {
    inner: Arc<dyn EmbeddingProvider>,
    recorder: Arc<Recorder>,
    options: RecordingOptions,
}

impl fmt::Debug for RecordingEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingEmbedder")
            .field("provider", &self.inner.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RecordingEmbedder {
    /// Records the calls of `inner` into `store`, priced from `prices`.
    #[must_use]
    pub fn new(
        inner: Arc<dyn EmbeddingProvider>,
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

    /// Embeds the request's inputs for `context`; the call is recorded whatever its outcome.
    ///
    /// # Errors
    /// The provider's typed error; `Internal` outside a tokio runtime.
    pub async fn embed(
        &self,
        context: &CallContext,
        request: EmbeddingRequest,
    ) -> AppResult<RecordedEmbeddings> {
        let runtime = Handle::try_current().map_err(AppError::internal)?;
        let provider = self.inner.name().to_owned();
        let call_id = Uuid::now_v7();
        let span = telemetry::call_span(
            telemetry::Operation::Embeddings,
            context,
            &provider,
            &request.model,
            call_id,
        );
        let started = Instant::now();
        let started_at = Utc::now();
        let estimate = request
            .inputs
            .iter()
            .map(|input| tokens::estimate_text(input))
            .fold(0, u32::saturating_add);
        let mut record = ProviderCallRecord {
            id: call_id,
            service: context.service,
            operation: EMBEDDING_OPERATION.to_owned(),
            provider: provider.clone(),
            model_id: Some(request.model.clone()),
            request_id: context.request_id.clone(),
            pipeline_run_id: context.pipeline_run_id,
            session_id: context.session_id,
            interaction_id: context.interaction_id,
            user_id: context.user_id,
            org_id: context.org_id,
            prompt_messages: self
                .options
                .store_prompts
                .then(|| serde_json::to_value(&request.inputs).ok())
                .flatten(),
            output_content: None,
            latency_ms: 0,
            ttft_ms: None,
            tokens_in: None,
            tokens_out: None,
            tokens_estimated: false,
            audio_duration_ms: None,
            cost_usd_micros: None,
            priced: false,
            success: false,
            error: None,
            error_code: None,
            finish_reason: None,
            response_model: None,
            started_at,
            completed_at: started_at,
        };
        let answer = self.inner.embed(request).instrument(span.clone()).await;
        let latency = started.elapsed();
        record.latency_ms = millis(latency);
        record.completed_at = completed_at(started_at, latency);
        match &answer {
            Ok(embeddings) => {
                record.success = true;
                record.response_model.clone_from(&embeddings.model);
                record.tokens_in = Some(embeddings.prompt_tokens.unwrap_or(estimate));
                record.tokens_out = Some(0);
                record.tokens_estimated = embeddings.prompt_tokens.is_none();
            }
            Err(error) => {
                record.error_code = Some(error.code().to_owned());
                record.error = Some(redact_secrets(&error.public_message()));
            }
        }
        self.recorder.price(&mut record);
        let written = {
            let _entered = span.enter();
            self.recorder.submit(record, &span, &runtime)
        };
        // The record exists once the caller has the call id (rows may refer to it).
        written.wait().await;
        answer.map(|embeddings| RecordedEmbeddings {
            call_id,
            embeddings,
        })
    }

    /// Waits until every record submitted so far has been written.
    pub async fn flush(&self) {
        self.recorder.flush().await;
    }
}
