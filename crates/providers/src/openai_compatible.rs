//! One client for every OpenAI-compatible chat completions API: Groq (the default), OpenRouter,
//! OpenAI, Ollama, vLLM and llama.cpp server differ only by base URL and key.
//!
//! The client streams `POST {base_url}/chat/completions` with `stream: true` and
//! `stream_options.include_usage: true`, and turns the server-sent events into
//! [`ChatEvent`]s. Failures become [`AppError::Provider`] with operation `llm`:
//!
//! | What happened                                                  | [`ProviderFailure`]          |
//! |----------------------------------------------------------------|------------------------------|
//! | HTTP 401, 403                                                  | `Authentication`             |
//! | HTTP 429                                                       | `RateLimited` (`Retry-After` seconds, 1 when absent) |
//! | HTTP 400, 404, 422 (and any other 4xx but 408)                 | `BadRequest`                 |
//! | HTTP 5xx, an `error` object in the stream, connection refused  | `ServerError`                |
//! | no connection, headers or next chunk in time; HTTP 408         | `Timeout`                    |
//! | unparsable event data, stream ended or cut before `[DONE]`     | `MalformedStream`            |
//!
//! The API key is held in a [`SecretString`]: it is sent only in the `Authorization` header and
//! never appears in `Debug` output, error messages or logs.

use crate::sse::SseParser;
use futures::{Stream, StreamExt, stream};
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use hellosales_domain::ports::llm::{
    ChatEvent, ChatRequest, ChatStream, LLM_OPERATION, LlmProvider,
};
use reqwest::{StatusCode, Url, header};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

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
/// Seconds to wait after a 429 that carries no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_SECONDS: u64 = 1;

/// Longest provider error text kept in an error message.
const MAX_PROVIDER_MESSAGE_CHARS: usize = 300;

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

/// A streaming chat client for an OpenAI-compatible API. Cheap to clone.
#[derive(Clone)]
pub struct OpenAiCompatibleProvider {
    inner: Arc<Inner>,
}

struct Inner {
    name: String,
    endpoint: Url,
    api_key: Option<SecretString>,
    request_timeout: Duration,
    http: reqwest::Client,
}

impl fmt::Debug for OpenAiCompatibleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiCompatibleProvider")
            .field("name", &self.inner.name)
            .field("endpoint", &self.inner.endpoint.as_str())
            .field(
                "api_key",
                &self.inner.api_key.as_ref().map(|_| "[REDACTED]"),
            )
            .field("request_timeout", &self.inner.request_timeout)
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
        let endpoint = chat_completions_url(&base_url)
            .ok_or_else(|| not_configured(&name, "the base URL is not an absolute http(s) URL"))?;
        // Ignored when a process default exists already (the server installs it at start-up).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|_| not_configured(&name, "the HTTP client could not be built"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                name,
                endpoint,
                api_key,
                request_timeout,
                http,
            }),
        })
    }

    /// The URL that chat completions are posted to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.inner.endpoint.as_str()
    }
}

fn chat_completions_url(base_url: &str) -> Option<Url> {
    let url = Url::parse(&format!(
        "{}/chat/completions",
        base_url.trim_end_matches('/')
    ))
    .ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

fn not_configured(provider: &str, message: &str) -> AppError {
    provider_error(provider, ProviderFailure::NotConfigured, message.to_owned())
}

fn provider_error(provider: &str, failure: ProviderFailure, message: String) -> AppError {
    AppError::Provider {
        provider: provider.to_owned(),
        operation: LLM_OPERATION.to_owned(),
        failure,
        message,
    }
}

#[async_trait::async_trait]
impl LlmProvider for OpenAiCompatibleProvider {
    fn name(&self) -> &str {
        &self.inner.name
    }

    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        let inner = &self.inner;
        let body = WireRequest::from(&request);
        let mut builder = inner
            .http
            .post(inner.endpoint.clone())
            .header(header::ACCEPT, "text/event-stream")
            .json(&body);
        if let Some(key) = &inner.api_key {
            builder = builder.bearer_auth(key.expose_secret());
        }
        tracing::debug!(provider = %inner.name, model = %request.model, "llm chat stream request");
        let response = match tokio::time::timeout(inner.request_timeout, builder.send()).await {
            Err(_) => {
                return Err(inner.error(
                    ProviderFailure::Timeout,
                    format!(
                        "no response within {} ms",
                        inner.request_timeout.as_millis()
                    ),
                ));
            }
            Ok(Err(err)) => return Err(inner.transport_error(&err, "request failed")),
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after_seconds(response.headers());
            let detail = if is_authentication(status) {
                // An authentication error body may echo (part of) the key: never read it.
                None
            } else {
                read_error_message(response, inner.request_timeout).await
            };
            let err = inner.status_error(status, retry_after, detail);
            tracing::debug!(provider = %inner.name, status = status.as_u16(), error = %err, "llm request refused");
            return Err(err);
        }
        Ok(event_stream(Arc::clone(&self.inner), response))
    }
}

impl Inner {
    fn error(&self, failure: ProviderFailure, message: String) -> AppError {
        provider_error(&self.name, failure, self.redact(message))
    }

    /// Removes the key from a message, should anything ever have echoed it.
    fn redact(&self, message: String) -> String {
        match &self.api_key {
            Some(key)
                if !key.expose_secret().is_empty() && message.contains(key.expose_secret()) =>
            {
                message.replace(key.expose_secret(), "[REDACTED]")
            }
            _ => message,
        }
    }

    /// An error of the HTTP client (no connection, timeout, broken body).
    fn transport_error(&self, err: &reqwest::Error, context: &str) -> AppError {
        let failure = if err.is_timeout() {
            ProviderFailure::Timeout
        } else if err.is_connect() || err.is_request() {
            ProviderFailure::ServerError
        } else {
            ProviderFailure::MalformedStream
        };
        let mut message = format!("{context}: {err}");
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        self.error(failure, message)
    }

    fn status_error(
        &self,
        status: StatusCode,
        retry_after: Option<u64>,
        detail: Option<String>,
    ) -> AppError {
        let failure = match status.as_u16() {
            401 | 403 => ProviderFailure::Authentication,
            408 => ProviderFailure::Timeout,
            429 => ProviderFailure::RateLimited {
                retry_after_seconds: retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
            },
            500..=599 => ProviderFailure::ServerError,
            _ => ProviderFailure::BadRequest,
        };
        let mut message = format!("HTTP {status}");
        if let Some(detail) = detail {
            message.push_str(": ");
            message.push_str(&detail);
        }
        self.error(failure, message)
    }
}

fn is_authentication(status: StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 403)
}

/// `Retry-After` in whole seconds (rounded up), when it is a number of seconds.
fn retry_after_seconds(headers: &header::HeaderMap) -> Option<u64> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds);
    }
    let seconds = value.parse::<f64>().ok()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(seconds.ceil() as u64)
}

/// The provider's `error.message` (or the start of a non-JSON body), shortened, if it can be
/// read within the timeout.
async fn read_error_message(response: reqwest::Response, timeout: Duration) -> Option<String> {
    let text = tokio::time::timeout(timeout, response.text())
        .await
        .ok()?
        .ok()?;
    let message = match serde_json::from_str::<WireErrorBody>(&text) {
        Ok(WireErrorBody {
            error: Some(WireError {
                message: Some(message),
            }),
        }) => message,
        _ => text,
    };
    let message = message.trim();
    if message.is_empty() {
        return None;
    }
    Some(truncate(message, MAX_PROVIDER_MESSAGE_CHARS))
}

fn truncate(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// The state of one streamed completion.
struct StreamState {
    inner: Arc<Inner>,
    bytes: ByteStream,
    parser: SseParser,
    ready: VecDeque<AppResult<ChatEvent>>,
    usage: Option<ChatEvent>,
    finish_reason: Option<String>,
    /// `[DONE]` or an error was seen: yield what is ready, then end.
    finished: bool,
}

fn event_stream(inner: Arc<Inner>, response: reqwest::Response) -> ChatStream {
    let state = StreamState {
        inner,
        bytes: Box::pin(response.bytes_stream()),
        parser: SseParser::new(),
        ready: VecDeque::new(),
        usage: None,
        finish_reason: None,
        finished: false,
    };
    Box::pin(stream::unfold(state, |mut state| async move {
        loop {
            if let Some(item) = state.ready.pop_front() {
                return Some((item, state));
            }
            if state.finished {
                return None;
            }
            state.read_more().await;
        }
    }))
}

impl StreamState {
    /// Reads the next chunk and queues the events it completes (or the error it causes).
    async fn read_more(&mut self) {
        let timeout = self.inner.request_timeout;
        match tokio::time::timeout(timeout, self.bytes.next()).await {
            Err(_) => self.fail(
                ProviderFailure::Timeout,
                format!("no data within {} ms", timeout.as_millis()),
            ),
            Ok(Some(Err(err))) => {
                let err = self.inner.transport_error(&err, "stream broken");
                self.fail_with(err);
            }
            Ok(Some(Ok(chunk))) => {
                for data in self.parser.push(&chunk) {
                    self.data(&data);
                    if self.finished {
                        return;
                    }
                }
            }
            Ok(None) => {
                if let Some(data) = self.parser.finish() {
                    self.data(&data);
                }
                if !self.finished {
                    self.fail(
                        ProviderFailure::MalformedStream,
                        "stream ended before [DONE]".to_owned(),
                    );
                }
            }
        }
    }

    /// Handles the data of one event.
    fn data(&mut self, data: &str) {
        let data = data.trim();
        if data.is_empty() {
            return;
        }
        if data == "[DONE]" {
            if let Some(usage) = self.usage.take() {
                self.ready.push_back(Ok(usage));
            }
            self.ready.push_back(Ok(ChatEvent::Done {
                finish_reason: self.finish_reason.take(),
            }));
            self.finished = true;
            return;
        }
        let chunk: WireChunk = match serde_json::from_str(data) {
            Ok(chunk) => chunk,
            Err(err) => {
                self.fail(
                    ProviderFailure::MalformedStream,
                    format!("invalid event data: {err}"),
                );
                return;
            }
        };
        if let Some(error) = chunk.error {
            let message = error.message.map_or_else(
                || "error in stream".to_owned(),
                |m| truncate(&m, MAX_PROVIDER_MESSAGE_CHARS),
            );
            self.fail(ProviderFailure::ServerError, message);
            return;
        }
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(content) = choice.delta.and_then(|delta| delta.content)
                && !content.is_empty()
            {
                self.ready.push_back(Ok(ChatEvent::Delta(content)));
            }
            if choice.finish_reason.is_some() {
                self.finish_reason = choice.finish_reason;
            }
        }
        if let Some(usage) = chunk.usage.or(chunk.x_groq.and_then(|x| x.usage)) {
            self.usage = Some(ChatEvent::Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
            });
        }
    }

    fn fail(&mut self, failure: ProviderFailure, message: String) {
        let err = self.inner.error(failure, message);
        self.fail_with(err);
    }

    fn fail_with(&mut self, err: AppError) {
        tracing::debug!(provider = %self.inner.name, error = %err, "llm stream failed");
        self.ready.push_back(Err(err));
        self.finished = true;
    }
}

/// The request body of `POST /chat/completions`.
#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    stream: bool,
    stream_options: WireStreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<WireResponseFormat>,
}

impl<'a> From<&'a ChatRequest> for WireRequest<'a> {
    fn from(request: &'a ChatRequest) -> Self {
        Self {
            model: &request.model,
            messages: request
                .messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role.as_str(),
                    content: &m.content,
                })
                .collect(),
            stream: true,
            stream_options: WireStreamOptions {
                include_usage: true,
            },
            temperature: request.temperature,
            max_tokens: request.max_tokens,
            stop: &request.stop,
            response_format: request.json_mode.then_some(WireResponseFormat {
                kind: "json_object",
            }),
        }
    }
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct WireStreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct WireResponseFormat {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// One streamed chunk (`chat.completion.chunk`); unknown fields are ignored.
#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
    /// Groq reports usage here in older API versions.
    x_groq: Option<WireXGroq>,
    /// OpenRouter reports mid-stream failures as an `error` object.
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireChoice {
    delta: Option<WireDelta>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireDelta {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[derive(Deserialize)]
struct WireXGroq {
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct WireErrorBody {
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireError {
    message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_joins_base_url_with_or_without_trailing_slash() {
        assert_eq!(
            chat_completions_url("https://api.groq.com/openai/v1/").map(String::from),
            Some("https://api.groq.com/openai/v1/chat/completions".to_owned())
        );
        assert!(chat_completions_url("not a url").is_none());
        assert!(chat_completions_url("ftp://example.com").is_none());
    }

    #[test]
    fn retry_after_accepts_integer_and_fractional_seconds() {
        let mut headers = header::HeaderMap::new();
        assert_eq!(retry_after_seconds(&headers), None);
        headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("7"));
        assert_eq!(retry_after_seconds(&headers), Some(7));
        headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1.2"));
        assert_eq!(retry_after_seconds(&headers), Some(2));
        headers.insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after_seconds(&headers), None);
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("abc", 3), "abc");
    }
}
