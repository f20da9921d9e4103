//! How HTTP outcomes become typed provider failures, shared by every adapter: the table of
//! the crate documentation.
//!
//! Nothing here knows a provider's name or key: [`crate::http::ProviderHttp`] turns a
//! [`Fault`] into an `AppError` and redacts the key.

use hellosales_domain::error::ProviderFailure;
use reqwest::{StatusCode, header};
use serde::Deserialize;

/// Seconds to wait after a 429 that carries no usable `Retry-After`.
pub const DEFAULT_RETRY_AFTER_SECONDS: u64 = 1;

/// Longest provider error text kept in an error message.
const MAX_PROVIDER_MESSAGE_CHARS: usize = 300;

/// A failure and its description, before the provider's name is attached.
#[derive(Debug)]
pub(crate) struct Fault {
    pub(crate) failure: ProviderFailure,
    pub(crate) message: String,
}

impl Fault {
    pub(crate) fn new(failure: ProviderFailure, message: impl Into<String>) -> Self {
        Self {
            failure,
            message: message.into(),
        }
    }

    /// Unparsable data from the provider.
    pub(crate) fn malformed(message: impl Into<String>) -> Self {
        Self::new(ProviderFailure::MalformedStream, message)
    }

    /// An `error` object inside a successful response.
    pub(crate) fn in_band(error: WireError) -> Self {
        let message = error.message.map_or_else(
            || "error in stream".to_owned(),
            |m| truncate(&m, MAX_PROVIDER_MESSAGE_CHARS),
        );
        Self::new(ProviderFailure::ServerError, message)
    }
}

/// The failure of a non-success HTTP status.
pub(crate) fn status_failure(status: StatusCode, retry_after: Option<u64>) -> ProviderFailure {
    match status.as_u16() {
        401 | 403 => ProviderFailure::Authentication,
        408 => ProviderFailure::Timeout,
        429 => ProviderFailure::RateLimited {
            retry_after_seconds: retry_after.unwrap_or(DEFAULT_RETRY_AFTER_SECONDS),
        },
        500..=599 => ProviderFailure::ServerError,
        _ => ProviderFailure::BadRequest,
    }
}

/// Whether the status is an authentication failure, whose body is never read: it may echo
/// (part of) the key.
pub(crate) fn is_authentication(status: StatusCode) -> bool {
    matches!(status.as_u16(), 401 | 403)
}

/// The failure of an error of the HTTP client (no connection, timeout, broken body).
pub(crate) fn transport_fault(err: &reqwest::Error, context: &str) -> Fault {
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
    Fault::new(failure, message)
}

/// `Retry-After` in whole seconds (rounded up), when it is a number of seconds.
pub(crate) fn retry_after_seconds(headers: &header::HeaderMap) -> Option<u64> {
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

/// The provider's `error.message` (OpenAI and Gemini both answer `{"error": {"message": …}}`),
/// or the start of a body that is not such JSON, shortened; `None` when empty.
pub(crate) fn error_message(body: &str) -> Option<String> {
    let message = match serde_json::from_str::<WireErrorBody>(body) {
        Ok(WireErrorBody {
            error: Some(WireError {
                message: Some(message),
            }),
        }) => message,
        _ => body.to_owned(),
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

/// An error response body.
#[derive(Deserialize)]
struct WireErrorBody {
    error: Option<WireError>,
}

/// The `error` object of an error body or of a streamed event (other fields are ignored).
#[derive(Deserialize)]
pub(crate) struct WireError {
    message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn error_message_reads_openai_and_gemini_bodies_and_plain_text() {
        assert_eq!(
            error_message(r#"{"error":{"message":"bad model","type":"invalid_request_error"}}"#)
                .as_deref(),
            Some("bad model")
        );
        assert_eq!(
            error_message(
                r#"{"error":{"code":400,"message":"bad schema","status":"INVALID_ARGUMENT"}}"#
            )
            .as_deref(),
            Some("bad schema")
        );
        assert_eq!(
            error_message(" upstream exploded\n").as_deref(),
            Some("upstream exploded")
        );
        assert_eq!(error_message("  "), None);
    }
}
