//! Conditional requests: `ETag` on reads and writes, `If-Match` preconditions on writes
//! ([`IfMatch`]), `If-None-Match` on reads (`304 Not Modified`).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hellosales_domain::content::{ETag, Precondition};
use serde::Serialize;
use std::convert::Infallible;

/// The `If-Match` precondition of a write (none when the header is absent).
#[derive(Clone, Debug, Default)]
pub struct IfMatch(pub Precondition);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(match parts.headers.get(header::IF_MATCH) {
            None => Precondition::None,
            Some(value) => match value.to_str() {
                Ok(text) => Precondition::from_if_match(Some(text)),
                // A header that is not text names no tag we issued: it can never match.
                Err(_) => Precondition::OneOf(Vec::new()),
            },
        }))
    }
}

/// Whether the request's `If-None-Match` names `etag` (or is `*`), so that a read can answer
/// `304 Not Modified`. Weak comparison, as RFC 9110 prescribes for `If-None-Match`.
#[must_use]
pub fn not_modified(headers: &HeaderMap, etag: &ETag) -> bool {
    let Some(value) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    value
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag.as_str())
}

/// A JSON record with its `ETag`, and its `Location` when it was just created.
#[derive(Debug)]
pub struct Tagged<T> {
    status: StatusCode,
    etag: ETag,
    location: Option<String>,
    body: T,
}

impl<T> Tagged<T> {
    /// `200 OK` with the record.
    pub fn ok(etag: ETag, body: T) -> Self {
        Self {
            status: StatusCode::OK,
            etag,
            location: None,
            body,
        }
    }

    /// `201 Created` with the record and where it lives.
    pub fn created(etag: ETag, location: String, body: T) -> Self {
        Self {
            status: StatusCode::CREATED,
            etag,
            location: Some(location),
            body,
        }
    }

    /// `200 OK`, or `304 Not Modified` (no body) when the client already has this version.
    pub fn read(headers: &HeaderMap, etag: ETag, body: T) -> Response
    where
        T: Serialize,
    {
        if not_modified(headers, &etag) {
            return (StatusCode::NOT_MODIFIED, etag_header(&etag)).into_response();
        }
        Self::ok(etag, body).into_response()
    }
}

fn etag_header(etag: &ETag) -> [(header::HeaderName, HeaderValue); 1] {
    let value = HeaderValue::from_str(etag.as_str()).unwrap_or(HeaderValue::from_static("\"\""));
    [(header::ETAG, value)]
}

impl<T: Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, etag_header(&self.etag), axum::Json(self.body)).into_response();
        if let Some(location) = self.location
            && let Ok(value) = HeaderValue::from_str(&location)
        {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn if_none_match_compares_weakly() {
        let etag = ETag::of(Utc::now());
        let mut headers = HeaderMap::new();
        assert!(!not_modified(&headers, &etag));
        let weak = format!("W/{etag}");
        headers.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&weak).unwrap_or(HeaderValue::from_static("x")),
        );
        assert!(not_modified(&headers, &etag));
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"other\""));
        assert!(!not_modified(&headers, &etag));
    }
}
