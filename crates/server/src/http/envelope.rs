//! The error envelope: how every error leaves the server.
//!
//! Handlers and extractors return [`ApiError`] (a wrapper of the domain's `AppError`). Its
//! response carries the status and the error itself in an extension; the
//! [`render_errors`](super::middleware::render_errors) middleware, which knows the request id,
//! turns it into the JSON envelope
//! `{code, message, details, retryable, request_id, timestamp}` and logs unexpected errors —
//! once, there, and nowhere else. Responses that fail outside our handlers (an unknown route, a
//! wrong method, a body over the limit) get the same envelope.
//!
//! Status policy: validation 422, unreadable request 400, authentication 401, role 403,
//! missing (or another organization's) resource 404, conflicts and state errors 409, a stale
//! `If-Match` 412, a reused idempotency key 422, rate limits
//! 429 with `Retry-After`, provider failures (and a model answer that cannot be read,
//! `GENERATION_INVALID_OUTPUT`) 502/503/504, unexpected errors an opaque 500.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use hellosales_domain::AppError;
use hellosales_domain::error::ProviderFailure;
use serde::Serialize;
use std::sync::Arc;

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "code": "PRODUCT_NOT_FOUND",
    "message": "product not found",
    "details": {"resource": "product", "id": "0193a5c2-7d1e-7f00-8000-000000000000"},
    "retryable": false,
    "request_id": "0193a5c2-7d1e-7f00-8000-0000000000aa",
    "timestamp": "2026-11-22T10:00:00Z"
}))]
pub struct ErrorEnvelope {
    /// Stable machine code (`VALIDATION_ERROR`, `PRODUCT_NOT_FOUND`, `TOKEN_EXPIRED`, …).
    pub code: String,
    /// What went wrong, in words.
    pub message: String,
    /// Structured details (invalid fields, the missing resource, the provider…).
    #[schema(value_type = Object)]
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Whether sending the same request later may succeed.
    pub retryable: bool,
    /// The request id (also in the `X-Request-Id` response header).
    pub request_id: String,
    /// When the error happened (UTC).
    pub timestamp: DateTime<Utc>,
}

impl ErrorEnvelope {
    /// The envelope of `error` for request `request_id`.
    #[must_use]
    pub fn from_error(error: &AppError, request_id: &str) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.public_message(),
            details: error.details(),
            retryable: error.retryable(),
            request_id: request_id.to_owned(),
            timestamp: Utc::now(),
        }
    }
}

/// An error on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

/// The error that produced a response, left in its extensions for the rendering middleware.
#[derive(Clone, Debug)]
pub struct ErrorReport(pub Arc<AppError>);

/// The HTTP status of an error.
#[must_use]
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::Validation { .. }
        | AppError::GuardBlocked { .. }
        | AppError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
        AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
        AppError::InvalidState { .. }
        | AppError::Conflict { .. }
        | AppError::PipelineCancelled { .. } => StatusCode::CONFLICT,
        AppError::Unauthorized { .. } | AppError::TokenExpired => StatusCode::UNAUTHORIZED,
        AppError::InsufficientPermissions { .. } => StatusCode::FORBIDDEN,
        AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::Provider { failure, .. } => match failure {
            ProviderFailure::Timeout => StatusCode::GATEWAY_TIMEOUT,
            ProviderFailure::CircuitOpen
            | ProviderFailure::Busy
            | ProviderFailure::NotConfigured
            | ProviderFailure::RateLimited { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_GATEWAY,
        },
        AppError::ServiceUnavailable { .. }
        | AppError::EmbeddingsNotConfigured
        | AppError::SttNotConfigured
        | AppError::TtsNotConfigured => StatusCode::SERVICE_UNAVAILABLE,
        AppError::AudioTooLong { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::GenerationInvalidOutput { .. } => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Logs `error` the one time it is reported: unexpected failures (5xx) at `error` (internal,
/// with its cause) or `warn`, the client's mistakes at `debug`. Called by the rendering
/// middleware for HTTP responses and by the WebSocket and event-stream transports for the
/// errors they send as frames or events.
pub fn log_error(error: &AppError) {
    if status_of(error).is_server_error() {
        match error {
            AppError::Internal { source } => {
                tracing::error!(error = %source, error.chain = ?source, code = error.code(), "request failed");
            }
            other => tracing::warn!(error = %other, code = other.code(), "request failed"),
        }
    } else {
        tracing::debug!(error = %error, code = error.code(), "request rejected");
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status_of(&self.0);
        let mut response = status.into_response();
        if let Some(seconds) = self.0.retry_after_seconds()
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
            .extensions_mut()
            .insert(ErrorReport(Arc::new(self.0)));
        response
    }
}
