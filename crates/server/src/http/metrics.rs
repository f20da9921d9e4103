//! The HTTP metrics middleware: `http_requests_total` and `http_request_duration_ms` by
//! method, route and status.
//!
//! The route is the matched path template (`/api/v1/products/{id}`), never the raw path, so
//! that ids and unknown paths cannot explode the number of series; requests that matched no
//! route are counted as `unmatched`.

use crate::telemetry::prometheus::{HTTP_REQUEST_DURATION_MS, HTTP_REQUESTS_TOTAL};
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::SharedString;
use std::time::Instant;

/// The route label of requests that matched no route.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The method label: the standard methods by name, anything else as `other` (a client cannot
/// make up new series). Static strings: no allocation on this path.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts and times the request.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || UNMATCHED_ROUTE.to_owned(),
        |path| path.as_str().to_owned(),
    );
    let response = next.run(request).await;
    let labels: [(&str, SharedString); 3] = [
        ("method", method.into()),
        ("route", route.into()),
        ("status", response.status().as_u16().to_string().into()),
    ];
    metrics::counter!(HTTP_REQUESTS_TOTAL, &labels).increment(1);
    metrics::histogram!(HTTP_REQUEST_DURATION_MS, &labels)
        .record(started.elapsed().as_secs_f64() * 1_000.0);
    response
}
