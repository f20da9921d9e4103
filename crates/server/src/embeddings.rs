//! The embedding wiring, built once at start-up from `EMBEDDING_*` / `MEMORY_*`: the provider
//! (the in-process local model, or an OpenAI-compatible API: OpenAI, Ollama), wrapped in the
//! recording wrapper (a `provider_calls` row per call, operation `embedding`), and the semantic
//! services on it: the background indexer, search, chat memory.
//!
//! `EMBEDDING_PROVIDER=none` builds nothing: no indexer, `GET /api/v1/search` answers 503
//! `EMBEDDINGS_NOT_CONFIGURED`, chats have no memory. So does a local model that cannot be
//! loaded (its files are missing): the server still starts, with a warning, since `local` is
//! the default and the server must start anywhere.

use crate::config::{Config, EmbeddingEndpoint, EmbeddingProviderName};
use anyhow::Context as _;
use hellosales_app::semantic::{Embedder, Semantic};
use hellosales_domain::ports::{EmbeddingProvider, SemanticIndexStore, SessionStore};
use hellosales_providers::openai_compatible::{OLLAMA_BASE_URL, OPENAI_BASE_URL};
use hellosales_providers::{
    OpenAiCompatibleConfig, OpenAiCompatibleProvider, PriceTable, RecordingEmbedder,
    RecordingOptions,
};
use hellosales_store::Store;
use std::sync::Arc;
use std::time::Duration;

/// The semantic services of the configured embedding provider; `None` when embeddings are
/// off (`EMBEDDING_PROVIDER=none`) or the local model cannot be loaded.
///
/// # Errors
/// An OpenAI-compatible provider cannot be set up (an unusable base URL).
pub fn semantic_services(
    config: &Config,
    store: &Store,
    prices: Arc<PriceTable>,
    options: RecordingOptions,
) -> anyhow::Result<Option<Semantic>> {
    let Some(endpoint) = config.embedding_endpoint() else {
        tracing::info!("EMBEDDING_PROVIDER=none: semantic search and chat memory are off");
        return Ok(None);
    };
    let provider = match endpoint.provider {
        EmbeddingProviderName::Local => match crate::ai::local_embedder(&endpoint.model_dir) {
            Ok(provider) => provider,
            Err(error) => {
                tracing::warn!(
                    model_dir = %endpoint.model_dir.display(),
                    error = %format!("{error:#}"),
                    "the local embedding model is unavailable; semantic search and chat memory \
                     are off (set LOCAL_EMBEDDING_MODEL_DIR, or EMBEDDING_PROVIDER)"
                );
                return Ok(None);
            }
        },
        EmbeddingProviderName::Openai => openai_compatible(config, &endpoint, OPENAI_BASE_URL)?,
        EmbeddingProviderName::Ollama => openai_compatible(config, &endpoint, OLLAMA_BASE_URL)?,
        EmbeddingProviderName::Disabled => return Ok(None),
    };
    let recording =
        RecordingEmbedder::new(provider, Arc::new(store.provider_calls()), prices, options);
    let embedder = Embedder::new(recording, endpoint.model.clone());
    let index: Arc<dyn SemanticIndexStore> = Arc::new(store.semantic_index());
    let sessions: Arc<dyn SessionStore> = Arc::new(store.sessions());
    tracing::info!(
        provider = %endpoint.provider,
        model = %endpoint.model,
        "semantic search and chat memory are on"
    );
    Ok(Some(Semantic::new(
        index,
        sessions,
        embedder,
        config.indexer_config(),
        config.memory_config(),
    )))
}

/// An OpenAI-compatible embeddings client for `endpoint` (`default_base` unless overridden).
fn openai_compatible(
    config: &Config,
    endpoint: &EmbeddingEndpoint,
    default_base: &str,
) -> anyhow::Result<Arc<dyn EmbeddingProvider>> {
    let name = endpoint.provider.as_str();
    let mut client =
        OpenAiCompatibleConfig::new(name, endpoint.base_url.as_deref().unwrap_or(default_base))
            .with_request_timeout(Duration::from_millis(config.llm_request_timeout_ms));
    if let Some(key) = &endpoint.api_key {
        client = client.with_api_key(key.clone());
    }
    let provider = OpenAiCompatibleProvider::new(client)
        .with_context(|| format!("setting up the {name} embedding provider"))?;
    Ok(Arc::new(provider))
}
