//! The web client: the built single-page app (`HELLOSALES_WEB_DIR`, `./web/dist` by default)
//! answers every `GET` outside the API's own paths (`/api`, `/ws`, `/docs`, `/health`,
//! `/openapi.json`). A path with no file answers `index.html`, so that the client's own routes
//! (`/products/…`) load on a refresh; a missing `/assets/…` file is a 404 (never the page, which
//! would be cached under the asset's name). Vite's content-hashed assets are cached for a year;
//! everything else is revalidated on each load, and every page carries a strict
//! Content-Security-Policy: the client talks to its own origin only.

use crate::http::ApiError;
use axum::extract::Request;
use axum::http::header::{self, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use hellosales_domain::AppError;
use hellosales_domain::error::Resource;
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

/// Paths that belong to the API: never answered by the web client.
const API_PREFIXES: &[&str] = &["/api", "/ws", "/docs", "/health", "/openapi.json"];

/// Same origin for scripts, styles and connections (HTTP and the WebSocket); inline styles are
/// allowed for the chart library's computed positions; no framing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; \
     form-action 'self'";

/// The built web client, when there is one.
#[derive(Clone, Debug)]
pub struct WebClient {
    files: ServeDir,
    index: ServeFile,
}

impl WebClient {
    /// The client in `dir`, or `None` (with a warning) when `dir` holds no `index.html`.
    #[must_use]
    pub fn from_dir(dir: &Path) -> Option<Self> {
        let index = dir.join("index.html");
        if !index.is_file() {
            tracing::warn!(
                dir = %dir.display(),
                "no web client built in HELLOSALES_WEB_DIR (npm run build in web/): serving the API only"
            );
            return None;
        }
        Some(Self {
            files: ServeDir::new(dir).append_index_html_on_directories(true),
            index: ServeFile::new(index),
        })
    }

    /// Answers a request that no API route took: its file, else `index.html` (a client route),
    /// else, for a missing asset, the API's 404.
    pub async fn serve(&self, request: Request) -> Response {
        let is_asset = request.uri().path().starts_with("/assets/");
        let (parts, body) = request.into_parts();
        let retry = Request::from_parts(parts.clone(), axum::body::Body::empty());
        let mut response = match self
            .files
            .clone()
            .oneshot(Request::from_parts(parts, body))
            .await
        {
            Ok(response) => response.into_response(),
            Err(never) => match never {},
        };
        if response.status() == StatusCode::NOT_FOUND {
            if is_asset {
                return route_not_found();
            }
            response = match self.index.clone().oneshot(retry).await {
                Ok(response) => response.into_response(),
                Err(never) => match never {},
            };
        }
        if response.status() != StatusCode::OK && response.status() != StatusCode::NOT_MODIFIED {
            return response;
        }
        let headers = response.headers_mut();
        let cache = if is_asset {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        response
    }
}

/// Whether a path is the API's (and so answers the API's 404, never the client's page).
fn is_api_path(path: &str) -> bool {
    API_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The router's fallback: the web client for a `GET`/`HEAD` outside the API, else the API's
/// `404 ROUTE_NOT_FOUND` envelope.
pub async fn fallback(client: Option<WebClient>, request: Request) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    match client {
        Some(client) if is_read && !is_api_path(request.uri().path()) => {
            client.serve(request).await
        }
        _ => route_not_found(),
    }
}

/// The API's `404` envelope for a path nothing serves.
fn route_not_found() -> Response {
    ApiError(AppError::NotFound {
        resource: Resource::Route,
        id: None,
    })
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::is_api_path;

    #[test]
    fn api_paths_are_told_from_client_routes() {
        for path in [
            "/api",
            "/api/v1/products",
            "/ws",
            "/docs/",
            "/health/ready",
            "/openapi.json",
        ] {
            assert!(is_api_path(path), "{path}");
        }
        for path in [
            "/",
            "/products/1",
            "/apiary",
            "/assets/index.js",
            "/pulse",
            "/wsx",
        ] {
            assert!(!is_api_path(path), "{path}");
        }
    }
}
