//! The embedding port: text in, one vector per input out.
//!
//! Adapters live in `hellosales-providers`. Every failure of a provider is an
//! [`AppError::Provider`](crate::error::AppError::Provider) with operation
//! [`EMBEDDING_OPERATION`] and one of the typed
//! [`ProviderFailure`](crate::error::ProviderFailure)s.

use crate::error::AppResult;
use async_trait::async_trait;

/// The `operation` of provider errors raised by embedding calls.
pub const EMBEDDING_OPERATION: &str = "embedding";

/// An embedding request, independent of any provider's wire format.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct EmbeddingRequest {
    /// The provider's model id (`text-embedding-3-small`, `nomic-embed-text`).
    pub model: String,
    /// The texts to embed, in order.
    pub inputs: Vec<String>,
}

impl EmbeddingRequest {
    /// A request to embed `inputs` with `model`.
    pub fn new(model: impl Into<String>, inputs: Vec<String>) -> Self {
        Self {
            model: model.into(),
            inputs,
        }
    }
}

/// The vectors of an embedding request.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Embeddings {
    /// One vector per input, in the order of the inputs.
    pub vectors: Vec<Vec<f32>>,
    /// The model that answered, as the provider named it.
    pub model: Option<String>,
    /// Tokens of the inputs, when the provider reported usage.
    pub prompt_tokens: Option<u32>,
}

/// A model reachable for text embeddings.
#[async_trait]
pub trait EmbeddingProvider: Send + Sync + 'static {
    /// The provider's name as recorded and shown in errors (`openai`, `ollama`, `local`).
    fn name(&self) -> &str;

    /// Embeds every input of the request.
    ///
    /// # Errors
    /// [`AppError::Provider`](crate::error::AppError::Provider) with operation `embedding` when
    /// the request is refused, the provider does not answer in time, or its answer cannot be
    /// read (not one vector per input).
    async fn embed(&self, request: EmbeddingRequest) -> AppResult<Embeddings>;
}
