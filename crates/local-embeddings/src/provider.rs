//! [`LocalEmbedder`]: the embedding port implemented by the in-process model. Inference runs on
//! tokio's blocking threads, bounded by `admission`; failures are typed
//! [`AppError::Provider`]s (`provider: "local"`, `operation: "embedding"`).

use crate::admission::Admission;
use crate::error::LoadError;
use crate::files::ModelFiles;
use crate::model::SentenceEncoder;
use async_trait::async_trait;
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use hellosales_domain::ports::embedding::{
    EMBEDDING_OPERATION, EmbeddingProvider, EmbeddingRequest, Embeddings,
};
use std::path::Path;
use std::sync::Arc;

/// The provider name recorded and shown in errors.
pub const PROVIDER_NAME: &str = "local";

/// Tuning of a [`LocalEmbedder`].
///
/// Threads: a forward pass already uses every core (candle's CPU matrix products run on rayon's
/// pool, sized by `RAYON_NUM_THREADS`, default one thread per core; the tokenizer's batch
/// encoding uses the same pool, `TOKENIZERS_PARALLELISM=false` turns that off). There is
/// therefore no thread-count option; `max_concurrency` above 1 only helps on many-core machines
/// where one pass does not saturate the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedderOptions {
    /// Forward passes (requests) computed at the same time. At least 1. Default 1.
    pub max_concurrency: usize,
    /// Requests allowed to wait for a running place; beyond that, requests are refused at once
    /// with [`ProviderFailure::Busy`]. Default 64.
    pub queue_capacity: usize,
    /// Inputs per forward pass. At least 1. Default 32.
    pub batch_size: usize,
    /// Tokens per input after which the input is truncated; `None` takes the folder's
    /// `sentence_bert_config.json` (256 for MiniLM). Capped by the model's position embeddings.
    pub max_seq_length: Option<usize>,
}

impl Default for EmbedderOptions {
    fn default() -> Self {
        Self {
            max_concurrency: 1,
            queue_capacity: 64,
            batch_size: 32,
            max_seq_length: None,
        }
    }
}

/// The in-process sentence-transformers model behind [`EmbeddingProvider`]. Cheap to clone:
/// clones share the model and the concurrency limits.
#[derive(Clone, Debug)]
pub struct LocalEmbedder {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    encoder: SentenceEncoder,
    admission: Admission,
    model_id: String,
    max_seq_length: usize,
    batch_size: usize,
}

impl LocalEmbedder {
    /// Loads the model folder `dir` (`…/all-MiniLM-L6-v2`). Blocking (reads ≈ 90 MB and builds
    /// the model, well under a second on a warm disk): call it at start-up or from
    /// `spawn_blocking`.
    ///
    /// # Errors
    /// [`LoadError::MissingFolder`] / [`LoadError::MissingFile`] when the model has not been
    /// fetched (the message says how), other variants for unreadable or unsupported files and
    /// out-of-range options.
    pub fn load(dir: &Path, options: EmbedderOptions) -> Result<Self, LoadError> {
        if options.max_concurrency == 0 {
            return Err(LoadError::InvalidOptions {
                message: "max_concurrency must be at least 1".to_owned(),
            });
        }
        if options.batch_size == 0 {
            return Err(LoadError::InvalidOptions {
                message: "batch_size must be at least 1".to_owned(),
            });
        }
        let files = ModelFiles::locate(dir, options.max_seq_length)?;
        let encoder = SentenceEncoder::load(&files)?;
        tracing::info!(
            model = %files.model_id,
            dimensions = encoder.dimensions(),
            max_seq_length = files.max_seq_length,
            max_concurrency = options.max_concurrency,
            queue_capacity = options.queue_capacity,
            "local embedding model loaded"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                encoder,
                admission: Admission::new(options.max_concurrency, options.queue_capacity),
                model_id: files.model_id,
                max_seq_length: files.max_seq_length,
                batch_size: options.batch_size,
            }),
        })
    }

    /// The model id reported in [`Embeddings::model`]: the folder's name
    /// (`all-MiniLM-L6-v2`).
    #[must_use]
    pub fn model_id(&self) -> &str {
        &self.inner.model_id
    }

    /// The size of every vector (384 for MiniLM).
    #[must_use]
    pub fn dimensions(&self) -> usize {
        self.inner.encoder.dimensions()
    }

    /// Tokens per input after which inputs are truncated.
    #[must_use]
    pub fn max_seq_length(&self) -> usize {
        self.inner.max_seq_length
    }

    /// Whether a request naming `model` may be served: an empty name (the provider's default),
    /// the model id, or the id with its hub owner (`sentence-transformers/all-MiniLM-L6-v2`),
    /// ignoring case. Anything else would silently mix vectors of different models.
    fn serves(&self, model: &str) -> bool {
        let id = self.model_id();
        model.is_empty()
            || model.eq_ignore_ascii_case(id)
            || model
                .rsplit_once('/')
                .is_some_and(|(_, name)| name.eq_ignore_ascii_case(id))
    }
}

fn failure(failure: ProviderFailure, message: impl Into<String>) -> AppError {
    AppError::Provider {
        provider: PROVIDER_NAME.to_owned(),
        operation: EMBEDDING_OPERATION.to_owned(),
        failure,
        message: message.into(),
    }
}

#[async_trait]
impl EmbeddingProvider for LocalEmbedder {
    fn name(&self) -> &str {
        PROVIDER_NAME
    }

    /// Embeds the inputs in forward passes of `batch_size`; no inputs need no pass. Refused at
    /// once with [`ProviderFailure::Busy`] when every running and waiting place is taken.
    async fn embed(&self, request: EmbeddingRequest) -> AppResult<Embeddings> {
        if !self.serves(&request.model) {
            return Err(failure(
                ProviderFailure::BadRequest,
                format!(
                    "the local embedder serves {}, not {}",
                    self.model_id(),
                    request.model
                ),
            ));
        }
        if request.inputs.is_empty() {
            return Ok(Embeddings::default());
        }
        let admission = &self.inner.admission;
        let Some(admitted) = admission.try_admit() else {
            tracing::debug!(model = %self.model_id(), "local embedding model busy");
            return Err(failure(
                ProviderFailure::Busy,
                format!(
                    "the local embedding model is at capacity ({} running, {} waiting); retry shortly",
                    admission.max_concurrency(),
                    admission.queue_capacity()
                ),
            ));
        };
        let running = admitted.start().await.map_err(AppError::internal)?;
        let inner = Arc::clone(&self.inner);
        let inputs = request.inputs;
        let count = inputs.len();
        let encoded = tokio::task::spawn_blocking(move || {
            let _running = running;
            inner.encoder.encode_all(&inputs, inner.batch_size)
        })
        .await
        .map_err(|_| {
            failure(
                ProviderFailure::ServerError,
                "the local embedding task failed",
            )
        })?
        .map_err(|error| failure(ProviderFailure::ServerError, error.to_string()))?;
        if encoded.vectors.len() != count {
            return Err(failure(
                ProviderFailure::ServerError,
                format!("{} vectors for {count} inputs", encoded.vectors.len()),
            ));
        }
        Ok(Embeddings {
            vectors: encoded.vectors,
            model: Some(self.model_id().to_owned()),
            prompt_tokens: Some(u32::try_from(encoded.tokens).unwrap_or(u32::MAX)),
        })
    }
}

#[cfg(test)]
mod tests {
    //! The busy path, made deterministic by holding the embedder's own places.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn embedder(max_concurrency: usize, queue_capacity: usize) -> LocalEmbedder {
        let dir = crate::default_model_dir().expect("HOME or HELLOSALES_MODELS_DIR is set");
        let options = EmbedderOptions {
            max_concurrency,
            queue_capacity,
            ..EmbedderOptions::default()
        };
        LocalEmbedder::load(&dir, options)
            .unwrap_or_else(|error| panic!("the model folder is needed by these tests: {error}"))
    }

    fn request(text: &str) -> EmbeddingRequest {
        EmbeddingRequest::new(crate::MODEL_NAME, vec![text.to_owned()])
    }

    fn assert_busy(result: AppResult<Embeddings>) {
        match result {
            Err(error @ AppError::Provider { .. }) => {
                assert_eq!(error.code(), "PROVIDER_BUSY");
                assert!(error.retryable());
                let AppError::Provider {
                    provider,
                    operation,
                    failure,
                    ..
                } = error
                else {
                    unreachable!()
                };
                assert_eq!(provider, "local");
                assert_eq!(operation, EMBEDDING_OPERATION);
                assert_eq!(failure, ProviderFailure::Busy);
            }
            other => panic!("expected PROVIDER_BUSY, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn full_house_without_queue_is_busy_at_once() {
        let embedder = embedder(1, 0);
        let held = embedder.inner.admission.try_admit().unwrap();
        assert_busy(embedder.embed(request("Are you free on Friday?")).await);
        drop(held);
        let answer = embedder
            .embed(request("Are you free on Friday?"))
            .await
            .unwrap();
        assert_eq!(answer.vectors.len(), 1);
    }

    #[tokio::test]
    async fn a_full_queue_is_busy_and_the_waiting_request_completes() {
        let embedder = embedder(1, 1);
        // Take the only running place, as a long pass would.
        let running = embedder
            .inner
            .admission
            .try_admit()
            .unwrap()
            .start()
            .await
            .unwrap();
        // This request takes the only waiting place and waits for the worker.
        let mut waiting = Box::pin(embedder.embed(request("Send me the pricing sheet.")));
        assert!(futures::poll!(&mut waiting).is_pending());
        // Running and waiting places taken: refused, not queued.
        assert_busy(embedder.embed(request("And the case studies.")).await);
        // A clone shares the limits.
        assert_busy(
            embedder
                .clone()
                .embed(request("And the case studies."))
                .await,
        );
        drop(running);
        let answer = waiting.await.unwrap();
        assert_eq!(answer.vectors.len(), 1);
        assert_eq!(answer.model.as_deref(), Some("all-MiniLM-L6-v2"));
    }

    #[tokio::test]
    async fn another_model_is_a_bad_request() {
        let embedder = embedder(1, 0);
        let error = embedder
            .embed(EmbeddingRequest::new(
                "text-embedding-3-small",
                vec!["x".into()],
            ))
            .await
            .unwrap_err();
        assert_eq!(error.code(), "PROVIDER_BAD_REQUEST");
        for model in [
            "",
            "sentence-transformers/all-MiniLM-L6-v2",
            "ALL-MINILM-L6-V2",
        ] {
            assert!(embedder.serves(model), "{model}");
        }
    }
}
