//! One client for every OpenAI-compatible chat completions API: Groq (the default), OpenRouter,
//! OpenAI, Ollama, vLLM and llama.cpp server differ only by base URL and key.
//!
//! The client streams `POST {base_url}/chat/completions` with `stream: true` and
//! `stream_options.include_usage: true`, and turns the server-sent events into
//! [`ChatEvent`](hellosales_domain::ports::llm::ChatEvent)s; [`LlmProvider::complete`] posts the
//! same body without streaming, and [`EmbeddingProvider::embed`] posts `{base_url}/embeddings`.
//! JSON mode asks for `response_format: json_object`; a response schema for `json_schema`
//! (strict). Failures become
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider) (operation `llm` or
//! `embedding`) with the typed failures listed in the crate documentation.
//!
//! The API key is held in a [`SecretString`]: it is sent only in the `Authorization` header and
//! never appears in `Debug` output, error messages or logs.

use crate::chat_sse;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_wire::{ChatBody, ChunkDecoder, EmbeddingsBody, WireCompletion, WireEmbeddings};
use hellosales_domain::error::AppResult;
use hellosales_domain::ports::embedding::{
    EMBEDDING_OPERATION, EmbeddingProvider, EmbeddingRequest, Embeddings,
};
use hellosales_domain::ports::llm::{
    ChatCompletion, ChatRequest, ChatStream, LLM_OPERATION, LlmProvider,
};
use reqwest::Url;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use crate::failure::DEFAULT_RETRY_AFTER_SECONDS;

/// Groq's OpenAI-compatible API (the default provider).
pub const GROQ_BASE_URL: &str = "https://api.groq.com/openai/v1";
/// OpenRouter's API.
pub const OPENROUTER_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// OpenAI's API.
pub const OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
/// A local Ollama server's OpenAI-compatible API.
pub const OLLAMA_BASE_URL: &str = "http://localhost:11434/v1";

/// Default wait for the response headers, and for each chunk of the stream after them.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default wait for the TCP (and TLS) connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Configuration of one OpenAI-compatible provider.
#[derive(Clone, Debug)]
pub struct OpenAiCompatibleConfig {
    /// The provider's name, as recorded and shown in errors (`groq`, `openrouter`, `ollama`).
    pub name: String,
    /// The API root, up to and excluding `/chat/completions` (`https://api.groq.com/openai/v1`).
    pub base_url: String,
    /// The API key, sent as `Authorization: Bearer …`; `None` for servers without keys (Ollama).
    pub api_key: Option<SecretString>,
    /// How long to wait for the response headers, and then for each chunk of the stream.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl OpenAiCompatibleConfig {
    /// A provider named `name` at `base_url`, without a key and with the default timeouts.
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            api_key: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Groq at its public base URL, with the given key.
    #[must_use]
    pub fn groq(api_key: SecretString) -> Self {
        Self::new("groq", GROQ_BASE_URL).with_api_key(api_key)
    }

    /// Sets the API key.
    #[must_use]
    pub fn with_api_key(mut self, api_key: SecretString) -> Self {
        self.api_key = Some(api_key);
        self
    }

    /// Sets the request timeout (headers, then each chunk).
    #[must_use]
    pub const fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    #[must_use]
    pub const fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A chat and embeddings client for an OpenAI-compatible API. Cheap to clone.
#[derive(Clone)]
pub struct OpenAiCompatibleProvider {
    inner: Arc<Inner>,
}

struct Inner {
    http: ProviderHttp,
    chat_url: Url,
    embeddings_url: Url,
}

impl fmt::Debug for OpenAiCompatibleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatibleProvider")
            .field("http", &self.inner.http)
            .field("endpoint", &self.inner.chat_url.as_str())
            .finish_non_exhaustive()
    }
}

impl OpenAiCompatibleProvider {
    /// A client for the configured provider.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` when the base URL is not an absolute http(s) URL or the
    /// HTTP client cannot be built.
    pub fn new(config: OpenAiCompatibleConfig) -> AppResult<Self> {
        let OpenAiCompatibleConfig {
            name,
            base_url,
            api_key,
            request_timeout,
            connect_timeout,
        } = config;
        let url = |segments: &[&str]| {
            http::join_url(&base_url, segments).ok_or_else(|| {
                http::not_configured(&name, "the base URL is not an absolute http(s) URL")
            })
        };
        let chat_url = url(&["chat", "completions"])?;
        let embeddings_url = url(&["embeddings"])?;
        let http = ProviderHttp::new(
            name,
            api_key,
            KeyHeader::Bearer,
            request_timeout,
            connect_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                chat_url,
                embeddings_url,
            }),
        })
    }

    /// The URL that chat completions are posted to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.inner.chat_url.as_str()
    }
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiCompatibleProvider {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        let inner = &self.inner;
        tracing::debug!(provider = %inner.http.name(), model = %request.model, "llm chat stream request");
        let body = ChatBody::new(&request, true);
        chat_sse::open(&inner.http, &inner.chat_url, &body, ChunkDecoder::default()).await
    }

    async fn complete(&self, request: ChatRequest) -> AppResult<ChatCompletion> {
        let http = &self.inner.http;
        tracing::debug!(provider = %http.name(), model = %request.model, "llm chat completion request");
        let body = ChatBody::new(&request, false);
        let answer: WireCompletion = http
            .post_for_json(LLM_OPERATION, &self.inner.chat_url, &body)
            .await?;
        answer
            .into_completion()
            .map_err(|fault| http.error(LLM_OPERATION, fault))
    }
}

#[async_trait::async_trait]
impl EmbeddingProvider for OpenAiCompatibleProvider {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    /// Embeds the inputs in one request; no inputs need no request.
    async fn embed(&self, request: EmbeddingRequest) -> AppResult<Embeddings> {
        if request.inputs.is_empty() {
            return Ok(Embeddings::default());
        }
        let http = &self.inner.http;
        let body = EmbeddingsBody {
            model: &request.model,
            input: &request.inputs,
        };
        tracing::debug!(provider = %http.name(), model = %request.model, inputs = request.inputs.len(), "embedding request");
        let answer: WireEmbeddings = http
            .post_for_json(EMBEDDING_OPERATION, &self.inner.embeddings_url, &body)
            .await?;
        answer
            .into_embeddings(request.inputs.len())
            .map_err(|fault| http.error(EMBEDDING_OPERATION, fault))
    }
}
