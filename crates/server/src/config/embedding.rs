//! The embedding settings of semantic search and memory: which provider embeds
//! (`EMBEDDING_PROVIDER`: local, openai, ollama or none), with which model (`EMBEDDING_MODEL`),
//! where (`EMBEDDING_BASE_URL`, else the provider's `OPENAI_BASE_URL` / `OLLAMA_BASE_URL`, else
//! its public address) and with which key (`EMBEDDING_API_KEY`, else `OPENAI_API_KEY`), and
//! where the local model's files are (`LOCAL_EMBEDDING_MODEL_DIR`).

use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

/// The embedding providers HelloSales can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingProviderName {
    /// The in-process local model (no account, no network).
    Local,
    /// OpenAI's embeddings API (or any OpenAI-compatible one at `EMBEDDING_BASE_URL`).
    Openai,
    /// A local Ollama server's OpenAI-compatible API.
    Ollama,
    /// No embeddings: no indexing, no semantic search (503), no chat memory.
    #[serde(rename = "none")]
    Disabled,
}

impl EmbeddingProviderName {
    /// The name recorded in `provider_calls.provider` and used to look prices up.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Openai => "openai",
            Self::Ollama => "ollama",
            Self::Disabled => "none",
        }
    }

    /// The model used when `EMBEDDING_MODEL` is not set.
    #[must_use]
    pub const fn default_model(self) -> &'static str {
        match self {
            Self::Local | Self::Disabled => "all-MiniLM-L6-v2",
            Self::Openai => "text-embedding-3-small",
            Self::Ollama => "nomic-embed-text",
        }
    }
}

impl fmt::Display for EmbeddingProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The embedding provider, resolved.
#[derive(Clone)]
pub struct EmbeddingEndpoint {
    /// Which provider (never `none`).
    pub provider: EmbeddingProviderName,
    /// The model, also the id its vectors are stored under.
    pub model: String,
    /// Its API key, when it has one.
    pub api_key: Option<SecretString>,
    /// Its base URL, when overridden; the adapter's default otherwise.
    pub base_url: Option<String>,
    /// Where the local model's files are (`local`).
    pub model_dir: PathBuf,
}

impl fmt::Debug for EmbeddingEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddingEndpoint")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("model_dir", &self.model_dir)
            .finish()
    }
}
