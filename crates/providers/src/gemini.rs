//! The Google Gemini client (Generative Language API, `v1beta`).
//!
//! [`LlmProvider::chat_stream`] posts
//! `{base_url}/v1beta/models/{model}:streamGenerateContent?alt=sse` and reads one `GenerateContentResponse` per server-sent event; [`LlmProvider::complete`]
//! posts `:generateContent`. JSON mode asks for `responseMimeType: application/json`, a
//! response schema adds `responseSchema`. Failures become
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with operation `llm` and
//! the same typed failures as the OpenAI-compatible client (listed in the crate documentation);
//! a stream that ends before a finish reason is malformed.
//!
//! The API key is held in a [`SecretString`] and sent only in the `x-goog-api-key` header:
//! never in the URL, `Debug` output, error messages or logs.

use crate::chat_sse::{self, StreamSummary};
use crate::gemini_wire::{GenerateBody, StreamDecoder, WireResponse};
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use hellosales_domain::error::AppResult;
use hellosales_domain::ports::llm::{
    ChatCompletion, ChatRequest, ChatStream, LLM_OPERATION, LlmProvider,
};
use reqwest::Url;
use secrecy::SecretString;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Google's Generative Language API.
pub const GEMINI_BASE_URL: &str = "https://generativelanguage.googleapis.com";

/// The provider's name, as recorded and shown in errors.
pub const GEMINI_PROVIDER: &str = "gemini";

/// Configuration of the Gemini client.
#[derive(Clone, Debug)]
pub struct GeminiConfig {
    /// The API root, up to and excluding `/v1beta` (`https://generativelanguage.googleapis.com`).
    pub base_url: String,
    /// The API key, sent as `x-goog-api-key`.
    pub api_key: SecretString,
    /// How long to wait for the response headers, and then for each chunk of the stream.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl GeminiConfig {
    /// Gemini at its public base URL with the given key and the default timeouts.
    #[must_use]
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: GEMINI_BASE_URL.to_owned(),
            api_key,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Sets the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
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

/// A chat client for Gemini. Cheap to clone.
#[derive(Clone)]
pub struct GeminiProvider {
    inner: Arc<Inner>,
}

struct Inner {
    http: ProviderHttp,
    base_url: String,
}

impl fmt::Debug for GeminiProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeminiProvider")
            .field("http", &self.inner.http)
            .field("base_url", &self.inner.base_url)
            .finish_non_exhaustive()
    }
}

impl GeminiProvider {
    /// A client for the configured API.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` when the base URL is not an absolute http(s) URL or the
    /// HTTP client cannot be built.
    pub fn new(config: GeminiConfig) -> AppResult<Self> {
        let GeminiConfig {
            base_url,
            api_key,
            request_timeout,
            connect_timeout,
        } = config;
        if http::join_url(&base_url, &[]).is_none() {
            return Err(http::not_configured(
                GEMINI_PROVIDER,
                "the base URL is not an absolute http(s) URL",
            ));
        }
        let http = ProviderHttp::new(
            GEMINI_PROVIDER.to_owned(),
            Some(api_key),
            KeyHeader::Named("x-goog-api-key"),
            request_timeout,
            connect_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner { http, base_url }),
        })
    }

    /// The URL of `method` (`generateContent`, `streamGenerateContent`) for `model`; a model
    /// may be given with or without its `models/` prefix.
    fn method_url(&self, model: &str, method: &str) -> AppResult<Url> {
        let model = model.strip_prefix("models/").unwrap_or(model);
        let action = format!("{model}:{method}");
        http::join_url(&self.inner.base_url, &["v1beta", "models", &action]).ok_or_else(|| {
            http::not_configured(
                GEMINI_PROVIDER,
                "the base URL is not an absolute http(s) URL",
            )
        })
    }
}

#[async_trait::async_trait]
impl LlmProvider for GeminiProvider {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        let mut url = self.method_url(&request.model, "streamGenerateContent")?;
        url.set_query(Some("alt=sse"));
        let http = &self.inner.http;
        tracing::debug!(provider = %http.name(), model = %request.model, "llm chat stream request");
        let body = GenerateBody::from(&request);
        chat_sse::open(http, &url, &body, StreamDecoder::default()).await
    }

    async fn complete(&self, request: ChatRequest) -> AppResult<ChatCompletion> {
        let url = self.method_url(&request.model, "generateContent")?;
        let http = &self.inner.http;
        tracing::debug!(provider = %http.name(), model = %request.model, "llm chat completion request");
        let answer: WireResponse = http
            .post_for_json(LLM_OPERATION, &url, &GenerateBody::from(&request))
            .await?;
        let mut summary = StreamSummary::default();
        let texts = answer
            .absorb(&mut summary)
            .map_err(|fault| http.error(LLM_OPERATION, fault))?;
        Ok(summary.into_completion(texts.concat()))
    }
}
