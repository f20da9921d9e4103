//! The HTTP plumbing every adapter shares: one client with its timeouts, the API key header,
//! the trace context, and the turning of every failure into a typed provider error.
//!
//! Every outgoing request is sent by [`ProviderHttp::send`], which authorizes it, passes it
//! through [`trace_context::inject`](crate::trace_context::inject) and maps refusals with
//! [`crate::failure`]. Messages never contain the key: it is removed should a provider echo it.

use crate::failure::{self, Fault};
use crate::trace_context;
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{RequestBuilder, Response, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::fmt;
use std::time::Duration;

/// How the API key travels.
#[derive(Clone, Copy, Debug)]
pub(crate) enum KeyHeader {
    /// `Authorization: Bearer …` (OpenAI-compatible APIs).
    Bearer,
    /// A header of its own (`x-goog-api-key` for Gemini).
    Named(&'static str),
    /// `Authorization: Token …` (Deepgram).
    Token,
}

/// An HTTP client for one provider. Cheap to clone.
#[derive(Clone)]
pub(crate) struct ProviderHttp {
    name: String,
    api_key: Option<SecretString>,
    key_header: KeyHeader,
    request_timeout: Duration,
    client: reqwest::Client,
}

impl fmt::Debug for ProviderHttp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderHttp")
            .field("name", &self.name)
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

impl ProviderHttp {
    /// A client for the provider `name`.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    pub(crate) fn new(
        name: String,
        api_key: Option<SecretString>,
        key_header: KeyHeader,
        request_timeout: Duration,
        connect_timeout: Duration,
    ) -> AppResult<Self> {
        // Ignored when a process default exists already (the server installs it at start-up).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .connect_timeout(connect_timeout)
            .build()
            .map_err(|_| not_configured(&name, "the HTTP client could not be built"))?;
        Ok(Self {
            name,
            api_key,
            key_header,
            request_timeout,
            client,
        })
    }

    /// The provider's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// How long to wait for the response headers, and then for each chunk of the body.
    pub(crate) const fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// A POST of `body` as JSON to `url`.
    pub(crate) fn post_json(&self, url: &Url, body: &impl serde::Serialize) -> RequestBuilder {
        self.client.post(url.clone()).json(body)
    }

    /// A POST to `url` whose body the caller sets (raw audio, a multipart form).
    pub(crate) fn post(&self, url: &Url) -> RequestBuilder {
        self.client.post(url.clone())
    }

    /// Sends the request with the key and the trace context, and returns the response if its
    /// status is a success.
    ///
    /// # Errors
    /// The typed failure of a refusal, a timeout or a transport error, for `operation`.
    pub(crate) async fn send(
        &self,
        operation: &str,
        builder: RequestBuilder,
    ) -> AppResult<Response> {
        let builder = trace_context::inject(self.authorize(builder));
        let response = match tokio::time::timeout(self.request_timeout, builder.send()).await {
            Err(_) => return Err(self.error(operation, self.timeout_fault("no response"))),
            Ok(Err(err)) => {
                let fault = failure::transport_fault(&err, "request failed");
                return Err(self.error(operation, fault));
            }
            Ok(Ok(response)) => response,
        };
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = failure::retry_after_seconds(response.headers());
        let detail = if failure::is_authentication(status) {
            None
        } else {
            tokio::time::timeout(self.request_timeout, response.text())
                .await
                .ok()
                .and_then(Result::ok)
                .and_then(|body| failure::error_message(&body))
        };
        let mut message = format!("HTTP {status}");
        if let Some(detail) = detail {
            message.push_str(": ");
            message.push_str(&detail);
        }
        let err = self.error(
            operation,
            Fault::new(failure::status_failure(status, retry_after), message),
        );
        tracing::debug!(provider = %self.name, operation, status = status.as_u16(), error = %err, "provider request refused");
        Err(err)
    }

    /// Posts `body` to `url` and reads the successful answer as JSON.
    ///
    /// # Errors
    /// Those of [`send`](Self::send) and [`read_json`](Self::read_json).
    pub(crate) async fn post_for_json<T: DeserializeOwned>(
        &self,
        operation: &str,
        url: &Url,
        body: &impl serde::Serialize,
    ) -> AppResult<T> {
        let response = self.send(operation, self.post_json(url, body)).await?;
        self.read_json(operation, response).await
    }

    /// Sends the request and reads the successful answer as JSON.
    ///
    /// # Errors
    /// Those of [`send`](Self::send) and [`read_json`](Self::read_json).
    pub(crate) async fn send_for_json<T: DeserializeOwned>(
        &self,
        operation: &str,
        builder: RequestBuilder,
    ) -> AppResult<T> {
        let response = self.send(operation, builder).await?;
        self.read_json(operation, response).await
    }

    /// Reads the whole body of a successful response as JSON.
    ///
    /// # Errors
    /// `Timeout` when the body does not arrive in time, `MalformedStream` when it is cut or is
    /// not the expected JSON.
    async fn read_json<T: DeserializeOwned>(
        &self,
        operation: &str,
        response: Response,
    ) -> AppResult<T> {
        let bytes = match tokio::time::timeout(self.request_timeout, response.bytes()).await {
            Err(_) => return Err(self.error(operation, self.timeout_fault("no body"))),
            Ok(Err(err)) => {
                let fault = failure::transport_fault(&err, "body broken");
                return Err(self.error(operation, fault));
            }
            Ok(Ok(bytes)) => bytes,
        };
        serde_json::from_slice(&bytes).map_err(|err| {
            self.error(
                operation,
                Fault::malformed(format!("invalid response body: {err}")),
            )
        })
    }

    /// A timeout after [`request_timeout`](Self::request_timeout), described by `what`.
    pub(crate) fn timeout_fault(&self, what: &str) -> Fault {
        Fault::new(
            ProviderFailure::Timeout,
            format!("{what} within {} ms", self.request_timeout.as_millis()),
        )
    }

    /// The provider error of a fault, with the key removed from its message.
    pub(crate) fn error(&self, operation: &str, fault: Fault) -> AppError {
        let Fault { failure, message } = fault;
        let message = match &self.api_key {
            Some(key)
                if !key.expose_secret().is_empty() && message.contains(key.expose_secret()) =>
            {
                message.replace(key.expose_secret(), "[REDACTED]")
            }
            _ => message,
        };
        provider_error(&self.name, operation, failure, message)
    }

    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        let Some(key) = &self.api_key else {
            return builder;
        };
        match self.key_header {
            KeyHeader::Bearer => builder.bearer_auth(key.expose_secret()),
            KeyHeader::Token => {
                match HeaderValue::from_str(&format!("Token {}", key.expose_secret())) {
                    Ok(mut value) => {
                        value.set_sensitive(true);
                        builder.header(reqwest::header::AUTHORIZATION, value)
                    }
                    Err(_) => builder,
                }
            }
            KeyHeader::Named(name) => match HeaderValue::from_str(key.expose_secret()) {
                Ok(mut value) => {
                    value.set_sensitive(true);
                    builder.header(HeaderName::from_static(name), value)
                }
                // A key that is not a valid header value is sent as none: the provider refuses.
                Err(_) => builder,
            },
        }
    }
}

/// A `NotConfigured` error for `provider`'s chat operation (a bad base URL, no HTTP client).
pub(crate) fn not_configured(provider: &str, message: &str) -> AppError {
    not_configured_for(provider, hellosales_domain::ports::LLM_OPERATION, message)
}

/// A `NotConfigured` error for `provider`'s `operation` (`stt`, `tts`).
pub(crate) fn not_configured_for(provider: &str, operation: &str, message: &str) -> AppError {
    provider_error(
        provider,
        operation,
        ProviderFailure::NotConfigured,
        message.to_owned(),
    )
}

fn provider_error(
    provider: &str,
    operation: &str,
    failure: ProviderFailure,
    message: String,
) -> AppError {
    AppError::Provider {
        provider: provider.to_owned(),
        operation: operation.to_owned(),
        failure,
        message,
    }
}

/// `base` (an absolute http(s) URL) with `segments` appended to its path.
pub(crate) fn join_url(base: &str, segments: &[&str]) -> Option<Url> {
    let mut url = Url::parse(base).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    url.path_segments_mut()
        .ok()?
        .pop_if_empty()
        .extend(segments);
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::join_url;

    #[test]
    fn join_url_appends_segments_with_or_without_trailing_slash() {
        assert_eq!(
            join_url("https://api.groq.com/openai/v1/", &["chat", "completions"]).map(String::from),
            Some("https://api.groq.com/openai/v1/chat/completions".to_owned())
        );
        assert_eq!(
            join_url(
                "http://127.0.0.1:9",
                &["v1beta", "models", "m:generateContent"]
            )
            .map(String::from),
            Some("http://127.0.0.1:9/v1beta/models/m:generateContent".to_owned())
        );
        assert_eq!(
            join_url("http://h/v1", &["models", "a/b?c"]).map(String::from),
            Some("http://h/v1/models/a%2Fb%3Fc".to_owned())
        );
        assert!(join_url("not a url", &["x"]).is_none());
        assert!(join_url("ftp://example.com", &["x"]).is_none());
    }
}
