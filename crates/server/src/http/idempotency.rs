//! `Idempotency-Key` on POST: the first successful response to a key is stored for 24 hours
//! and replayed (with `Idempotent-Replayed: true`) when the same caller sends the same key
//! with the same request again, so a client may retry a POST after a timeout without creating
//! a second record.
//!
//! - The request is identified by the SHA-256 of method, path, query and body; the same key
//!   with another request is `422 IDEMPOTENCY_KEY_REUSED`.
//! - While the first request runs, the key is claimed: a concurrent one with the same key gets
//!   `409 CONFLICT` (retryable by waiting), never a second execution.
//! - Only 2xx responses are stored. A request that failed (validation, a conflict, a 5xx)
//!   releases the key, so the client can correct it and retry with the same key.
//! - Keys belong to a caller (organization and user): two users never see each other's.
//! - An expired key is forgotten when it is used again, and the server deletes expired keys
//!   every 15 minutes (`startup`).
//!
//! Requests without the header, other methods and unauthenticated requests pass through
//! untouched (the handler then rejects a bad token as usual).

use super::envelope::ApiError;
use super::extract::{ResolvedCaller, bearer_token};
use super::request_id::RequestId;
use crate::state::AppState;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hellosales_domain::{AppError, OrgContext};
use hellosales_store::{Claim, StoredResponse};
use sha2::{Digest, Sha256};

/// The request header.
pub static IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// The header marking a replayed response.
pub static IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
/// The longest key accepted.
const MAX_KEY_LEN: usize = 255;
/// Response headers stored and replayed with the body.
const REPLAYED_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::ETAG, header::LOCATION];

/// The middleware (see the module documentation).
pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::POST {
        return next.run(request).await;
    }
    let Some(key) = request.headers().get(&IDEMPOTENCY_KEY) else {
        return next.run(request).await;
    };
    let key = match key.to_str().map(str::trim) {
        Ok(key) if !key.is_empty() && key.len() <= MAX_KEY_LEN => key.to_owned(),
        _ => {
            return ApiError(AppError::invalid_field(
                "Idempotency-Key",
                "invalid",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            ))
            .into_response();
        }
    };
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(str::to_owned);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    let resolved = request
        .extensions()
        .get::<ResolvedCaller>()
        .map(|resolved| resolved.0.clone());
    let caller = match (resolved, token) {
        (Some(caller), _) => Some(caller),
        (None, Some(token)) => state.authenticate(&token, request_id.0).await.ok(),
        (None, None) => None,
    };
    let Some(caller) = caller else {
        return next.run(request).await;
    };
    let (parts, body) = request.into_parts();
    let body = match to_bytes(body, crate::startup::BODY_LIMIT_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return ApiError(AppError::PayloadTooLarge {
                limit_bytes: crate::startup::BODY_LIMIT_BYTES as u64,
            })
            .into_response();
        }
    };
    let hash = request_hash(&parts.method, &parts.uri, &body);
    let keys = state.store().idempotency_keys();
    match keys.claim(caller.org_id, caller.user_id, &key, &hash).await {
        Err(error) => ApiError(error).into_response(),
        Ok(Claim::Mismatch) => ApiError(AppError::IdempotencyKeyReused).into_response(),
        Ok(Claim::InFlight) => ApiError(AppError::Conflict {
            message: "a request with this Idempotency-Key is still being processed; retry later"
                .to_owned(),
        })
        .into_response(),
        Ok(Claim::Replay(stored)) => replay(stored),
        Ok(Claim::Claimed) => {
            let mut request = Request::from_parts(parts, Body::from(body));
            request
                .extensions_mut()
                .insert(ResolvedCaller(caller.clone()));
            let response = next.run(request).await;
            settle(&keys, &caller, &key, response).await
        }
    }
}

fn request_hash(method: &Method, uri: &axum::http::Uri, body: &Bytes) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(uri.path_and_query().map_or("", |p| p.as_str()).as_bytes());
    hasher.update(b"\n");
    hasher.update(body);
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Stores a successful response (and returns it), or releases the key.
async fn settle(
    keys: &hellosales_store::IdempotencyKeys,
    caller: &OrgContext,
    key: &str,
    response: Response,
) -> Response {
    if !response.status().is_success() {
        if let Err(error) = keys.release(caller.org_id, caller.user_id, key).await {
            tracing::warn!(error = %error, "releasing an idempotency key");
        }
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(error) => {
            if let Err(error) = keys.release(caller.org_id, caller.user_id, key).await {
                tracing::warn!(error = %error, "releasing an idempotency key");
            }
            return ApiError(AppError::internal(format!(
                "reading the response body: {error}"
            )))
            .into_response();
        }
    };
    let headers: Vec<(&str, &str)> = REPLAYED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = parts.headers.get(name)?.to_str().ok()?;
            Some((name.as_str(), value))
        })
        .collect();
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        headers: serde_json::to_string(&headers).unwrap_or_else(|_| "[]".to_owned()),
        body: body.to_vec(),
    };
    if let Err(error) = keys
        .complete(caller.org_id, caller.user_id, key, stored)
        .await
    {
        // The record exists; only its replay is lost. Release the key so that a retry is not
        // told "in flight" for 24 hours.
        tracing::warn!(error = %error, "storing an idempotent response");
        if let Err(error) = keys.release(caller.org_id, caller.user_id, key).await {
            tracing::warn!(error = %error, "releasing an idempotency key");
        }
    }
    Response::from_parts(parts, Body::from(body))
}

fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body).into_response();
    let headers: Vec<(String, String)> = serde_json::from_str(&stored.headers).unwrap_or_default();
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response.headers_mut().insert(
        IDEMPOTENT_REPLAYED.clone(),
        HeaderValue::from_static("true"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_covers_method_path_query_and_body() {
        let uri = |s: &str| s.parse::<axum::http::Uri>().unwrap_or_default();
        let a = request_hash(&Method::POST, &uri("/a?x=1"), &Bytes::from_static(b"{}"));
        assert_eq!(a.len(), 64);
        assert_eq!(
            a,
            request_hash(&Method::POST, &uri("/a?x=1"), &Bytes::from_static(b"{}"))
        );
        assert_ne!(
            a,
            request_hash(&Method::POST, &uri("/a?x=2"), &Bytes::from_static(b"{}"))
        );
        assert_ne!(
            a,
            request_hash(&Method::POST, &uri("/b?x=1"), &Bytes::from_static(b"{}"))
        );
        assert_ne!(
            a,
            request_hash(&Method::POST, &uri("/a?x=1"), &Bytes::from_static(b"[]"))
        );
    }
}
