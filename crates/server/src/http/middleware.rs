//! The middleware that renders errors into the envelope, and the request span.

use super::envelope::{ErrorEnvelope, ErrorReport, log_error};
use super::request_id::RequestId;
use axum::Json;
use axum::extract::{MatchedPath, Request};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hellosales_domain::AppError;
use hellosales_domain::error::Resource;
use tracing::Span;

/// Renders [`ErrorReport`]s, and bare error statuses produced outside our handlers, as the error
/// envelope; logs unexpected errors once, with the request id.
pub async fn render_errors(request: Request, next: Next) -> Response {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    let response = next.run(request).await;

    if let Some(ErrorReport(error)) = response.extensions().get::<ErrorReport>().cloned() {
        log_error(&error);
        return replace_body(
            response,
            &ErrorEnvelope::from_error(&error, request_id.as_str()),
        );
    }

    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let error = error_for_bare_status(status);
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), "request failed outside a handler");
        }
        return replace_body(
            response,
            &ErrorEnvelope::from_error(&error, request_id.as_str()),
        );
    }
    response
}

fn replace_body(response: Response, envelope: &ErrorEnvelope) -> Response {
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let rendered = Json(envelope).into_response();
    let (rendered_parts, body) = rendered.into_parts();
    for (name, value) in &rendered_parts.headers {
        parts.headers.insert(name.clone(), value.clone());
    }
    Response::from_parts(parts, body)
}

fn error_for_bare_status(status: StatusCode) -> AppError {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound {
            resource: Resource::Route,
            id: None,
        },
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge {
            limit_bytes: crate::startup::BODY_LIMIT_BYTES as u64,
        },
        StatusCode::UNAUTHORIZED => AppError::unauthorized("authentication required"),
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => AppError::ServiceUnavailable {
            message: "the request timed out".into(),
        },
        StatusCode::SERVICE_UNAVAILABLE => AppError::ServiceUnavailable {
            message: "the server cannot take the request now; retry later".into(),
        },
        s if s.is_server_error() => AppError::internal(format!(
            "a response with status {} and no error report",
            s.as_u16()
        )),
        s => AppError::bad_request(
            s.canonical_reason()
                .unwrap_or("the request could not be processed")
                .to_owned(),
        ),
    }
}

/// The span of one HTTP request: method, route, request id, and the caller's ids once known.
///
/// It continues the W3C trace context (`traceparent`) of the request when there is one, and is
/// named `{method} {route}` in OpenTelemetry, as the HTTP semantic conventions ask.
pub fn request_span(request: &axum::http::Request<axum::body::Body>) -> Span {
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |p| p.as_str().to_owned(),
    );
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .map(ToString::to_string)
        .unwrap_or_default();
    let span = tracing::info_span!(
        "http.request",
        otel.name = %format_args!("{} {route}", request.method()),
        otel.kind = "server",
        otel.status_code = tracing::field::Empty,
        http.request.method = %request.method(),
        http.route = %route,
        url.path = %request.uri().path(),
        request_id = %request_id,
        user_id = tracing::field::Empty,
        org_id = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
    );
    crate::telemetry::otel::continue_trace(&span, request.headers());
    span
}
