//! [`Embedder`]: the embedding model the index, search and memory share, with its model id;
//! every call goes through the recording wrapper (a `provider_calls` row with operation
//! `embedding`).

use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{CallContext, EMBEDDING_OPERATION, EmbeddingRequest};
use hellosales_domain::{AppError, AppResult};
use hellosales_providers::RecordingEmbedder;

/// An embedding model and the id its vectors are stored under. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Embedder {
    recording: RecordingEmbedder,
    model: String,
}

impl Embedder {
    /// Embeds with `model` through `recording`.
    #[must_use]
    pub fn new(recording: RecordingEmbedder, model: impl Into<String>) -> Self {
        Self {
            recording,
            model: model.into(),
        }
    }

    /// The model id (vectors of other models are not compared with this one's).
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The provider's name.
    #[must_use]
    pub fn provider(&self) -> &str {
        self.recording.provider_name()
    }

    /// One vector per input, in order; recorded for `context`.
    ///
    /// # Errors
    /// The provider's typed error; `PROVIDER_MALFORMED_STREAM` when it answers another number
    /// of vectors than inputs.
    pub async fn embed(
        &self,
        context: &CallContext,
        inputs: Vec<String>,
    ) -> AppResult<Vec<Vec<f32>>> {
        let count = inputs.len();
        let recorded = self
            .recording
            .embed(context, EmbeddingRequest::new(self.model.clone(), inputs))
            .await?;
        let vectors = recorded.embeddings.vectors;
        if vectors.len() != count {
            return Err(AppError::Provider {
                provider: self.provider().to_owned(),
                operation: EMBEDDING_OPERATION.to_owned(),
                failure: ProviderFailure::MalformedStream,
                message: format!("{} vectors for {count} inputs", vectors.len()),
            });
        }
        Ok(vectors)
    }

    /// The query vector of `text`.
    ///
    /// # Errors
    /// As [`Embedder::embed`].
    pub async fn embed_one(&self, context: &CallContext, text: &str) -> AppResult<Vec<f32>> {
        let mut vectors = self.embed(context, vec![text.to_owned()]).await?;
        vectors.pop().ok_or_else(|| AppError::Provider {
            provider: self.provider().to_owned(),
            operation: EMBEDDING_OPERATION.to_owned(),
            failure: ProviderFailure::MalformedStream,
            message: "no vector for the query".to_owned(),
        })
    }

    /// Waits until every call record is written.
    pub async fn flush(&self) {
        self.recording.flush().await;
    }
}
