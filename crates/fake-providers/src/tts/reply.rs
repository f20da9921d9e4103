//! Scripted replies of the fake text-to-speech server ([`TtsReply`]), their rendering as HTTP
//! answers, and the requests it records ([`RecordedTtsRequest`]).

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// What the fake answers to one request.
#[derive(Clone, Debug)]
pub struct TtsReply {
    pub(super) kind: Kind,
    pub(super) delay: Duration,
    pub(super) sample_rate: Option<u32>,
}

#[derive(Clone, Debug)]
pub(super) enum Kind {
    Audio,
    Error {
        status: u16,
        message: String,
        retry_after: Option<u64>,
    },
    Json(Value),
    InvalidJson,
}

impl Default for TtsReply {
    fn default() -> Self {
        Self::ok()
    }
}

impl TtsReply {
    const fn new(kind: Kind) -> Self {
        Self {
            kind,
            delay: Duration::ZERO,
            sample_rate: None,
        }
    }

    /// The tone, in the route's wire format (the default reply).
    #[must_use]
    pub const fn ok() -> Self {
        Self::new(Kind::Audio)
    }

    /// An error status with Google's error body carrying `message`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::new(Kind::Error {
            status,
            message: message.into(),
            retry_after: None,
        })
    }

    /// 429 with `Retry-After: seconds`.
    #[must_use]
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::new(Kind::Error {
            status: 429,
            message: "quota exceeded".to_owned(),
            retry_after: Some(retry_after_seconds),
        })
    }

    /// 401.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::error(401, "API key not valid")
    }

    /// 500.
    #[must_use]
    pub fn server_error() -> Self {
        Self::error(500, "internal error")
    }

    /// 200 with exactly this JSON body (an answer without audio, an `error` object).
    #[must_use]
    pub const fn json(body: Value) -> Self {
        Self::new(Kind::Json(body))
    }

    /// 200 with a body that is not JSON.
    #[must_use]
    pub const fn invalid_json() -> Self {
        Self::new(Kind::InvalidJson)
    }

    /// Waits this long before answering anything, headers included.
    #[must_use]
    pub const fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The tone's sample rate (Google's WAV header, Gemini's `rate=` in the mime type),
    /// whatever the request asks.
    #[must_use]
    pub const fn with_sample_rate(mut self, sample_rate: u32) -> Self {
        self.sample_rate = Some(sample_rate);
        self
    }
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTtsRequest {
    /// The HTTP method (`POST`).
    pub method: String,
    /// The path (`/v1/text:synthesize`, `/v1beta/models/{model}:generateContent`).
    pub path: String,
    /// The query string without `?`, if any.
    pub query: Option<String>,
    /// The headers, names in lower case (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; `Value::Null` when it is empty or not JSON.
    pub body: Value,
    /// The text it was asked to speak (Google's `input.text`, Gemini's parts joined).
    pub text: Option<String>,
}

impl RecordedTtsRequest {
    /// The value of the header `name` (any case), if it was sent.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// The answer of every reply but [`TtsReply::ok`], which `audio` renders.
pub(super) fn respond(
    reply: &TtsReply,
    audio: impl FnOnce() -> Result<Value, (u16, String)>,
) -> Response {
    let outcome = match &reply.kind {
        Kind::Audio => audio(),
        Kind::Error {
            status, message, ..
        } => Err((*status, message.clone())),
        Kind::Json(body) => Ok(body.clone()),
        Kind::InvalidJson => {
            return ([(header::CONTENT_TYPE, "application/json")], "{not json").into_response();
        }
    };
    match outcome {
        Ok(body) => axum::Json(body).into_response(),
        Err((status, message)) => {
            let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let name = match status {
                400 => "INVALID_ARGUMENT",
                401 => "UNAUTHENTICATED",
                403 => "PERMISSION_DENIED",
                404 => "NOT_FOUND",
                429 => "RESOURCE_EXHAUSTED",
                500 => "INTERNAL",
                _ => "UNKNOWN",
            };
            let body = json!({"error": {"code": status, "message": message, "status": name}});
            let mut response = (code, axum::Json(body)).into_response();
            if let Kind::Error {
                retry_after: Some(seconds),
                ..
            } = &reply.kind
            {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, (*seconds).into());
            }
            response
        }
    }
}
