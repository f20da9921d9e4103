//! A cache of the WorkOS signing keys (JWKS), fetched lazily and refetched on an unknown `kid`.
//!
//! # Security decisions
//! - Only RSA keys usable for RS256 signatures are kept: keys with `use` other than `sig`, with
//!   an `alg` other than `RS256`, without a `kid`, or of another type are ignored. A key set with
//!   no usable key counts as a failed fetch, so the keys already cached are kept.
//! - Keys stay cached until a *successful* refetch replaces them (a rotated-out key stops being
//!   accepted at the next refetch; a failing endpoint does not empty the cache).
//! - The first fetch happens on the first WorkOS token. Afterwards an unknown `kid` triggers a
//!   refetch, at most one per [`JWKS_REFETCH_INTERVAL`]; after a failed fetch no fetch is tried
//!   for [`JWKS_RETRY_AFTER_FAILURE`]. Tokens with made-up `kid`s cannot make us hammer WorkOS:
//!   they cost at most one request per interval. Fetches are serialised behind one async mutex and the cache is re-checked
//!   after acquiring it, so concurrent requests with the same unknown `kid` share one fetch.
//! - Each fetch has a timeout ([`JWKS_FETCH_TIMEOUT`]) and a body-size cap; any failure is
//!   [`AppError::ServiceUnavailable`] (retryable), logged with the URL (which holds no secret).
//!
//! [`JWKS_REFETCH_INTERVAL`]: super::JWKS_REFETCH_INTERVAL
//! [`JWKS_RETRY_AFTER_FAILURE`]: super::JWKS_RETRY_AFTER_FAILURE
//! [`JWKS_FETCH_TIMEOUT`]: super::JWKS_FETCH_TIMEOUT

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use hellosales_domain::{AppError, AppResult};
use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk, KeyAlgorithm, PublicKeyUse};
use serde::Deserialize;

/// Largest JWKS document we read.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

type KeyMap = HashMap<String, Arc<DecodingKey>>;

/// The WorkOS signing keys of one client.
pub(crate) struct JwksCache {
    url: String,
    http: reqwest::Client,
    keys: RwLock<Arc<KeyMap>>,
    fetch: tokio::sync::Mutex<FetchState>,
    refetch_interval: Duration,
    retry_after_failure: Duration,
    timeout: Duration,
}

#[derive(Default)]
struct FetchState {
    /// When the last refetch for an unknown `kid` was attempted (the first load, into an empty
    /// cache, is not a refetch: it does not start the rate-limit window).
    last_refetch: Option<Instant>,
    /// When the last fetch failed, if the last fetch failed.
    last_failure: Option<Instant>,
}

impl fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksCache")
            .field("url", &self.url)
            .field("cached_keys", &self.snapshot().len())
            .finish_non_exhaustive()
    }
}

/// A JWKS document, keys kept as raw JSON so that one odd key does not reject the whole set.
#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

fn unavailable() -> AppError {
    AppError::ServiceUnavailable {
        message: "the WorkOS signing keys (JWKS) cannot be fetched; retry later".to_owned(),
    }
}

fn unknown_key() -> AppError {
    AppError::unauthorized("unknown signing key")
}

impl JwksCache {
    pub(crate) fn new(
        url: String,
        http: reqwest::Client,
        refetch_interval: Duration,
        retry_after_failure: Duration,
        timeout: Duration,
    ) -> Self {
        Self {
            url,
            http,
            keys: RwLock::new(Arc::new(HashMap::new())),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            refetch_interval,
            retry_after_failure,
            timeout,
        }
    }

    fn snapshot(&self) -> Arc<KeyMap> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn cached(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.snapshot().get(kid).cloned()
    }

    /// The key with this `kid`, fetching the key set when it is not cached (rate-limited).
    pub(crate) async fn key(&self, kid: &str) -> AppResult<Arc<DecodingKey>> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut state = self.fetch.lock().await;
        // Another request may have fetched while we waited for the lock.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        if state
            .last_failure
            .is_some_and(|at| at.elapsed() < self.retry_after_failure)
        {
            return Err(unavailable());
        }
        let is_refetch = !self.snapshot().is_empty();
        if is_refetch {
            if state
                .last_refetch
                .is_some_and(|at| at.elapsed() < self.refetch_interval)
            {
                return Err(unknown_key());
            }
            state.last_refetch = Some(Instant::now());
        }
        match self.fetch_keys().await {
            Ok(keys) => {
                state.last_failure = None;
                tracing::info!(url = %self.url, keys = keys.len(), "fetched the WorkOS JWKS");
                let found = keys.get(kid).cloned();
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
                found.ok_or_else(unknown_key)
            }
            Err(reason) => {
                state.last_failure = Some(Instant::now());
                tracing::warn!(url = %self.url, %reason, "cannot fetch the WorkOS JWKS");
                Err(unavailable())
            }
        }
    }

    /// Fetches and parses the key set. The error is a reason for the log.
    async fn fetch_keys(&self) -> Result<KeyMap, String> {
        let mut response = self
            .http
            .get(&self.url)
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| format!("request failed: {e}"))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("HTTP status {status}"));
        }
        if response
            .content_length()
            .is_some_and(|len| len > MAX_JWKS_BYTES as u64)
        {
            return Err("response too large".to_owned());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the body failed: {e}"))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err("response too large".to_owned());
            }
            body.extend_from_slice(&chunk);
        }
        let raw: RawJwks =
            serde_json::from_slice(&body).map_err(|e| format!("not a JWKS document: {e}"))?;
        let total = raw.keys.len();
        let keys: KeyMap = raw
            .keys
            .into_iter()
            .filter_map(|value| serde_json::from_value::<Jwk>(value).ok())
            .filter_map(|jwk| usable_key(&jwk))
            .collect();
        if keys.is_empty() {
            return Err(format!("none of its {total} keys is an RS256 signing key"));
        }
        if keys.len() < total {
            tracing::debug!(
                url = %self.url,
                ignored = total - keys.len(),
                "ignored JWKS keys that are not RS256 signing keys"
            );
        }
        Ok(keys)
    }
}

/// The `kid` and key of an RSA key usable for RS256 signatures.
fn usable_key(jwk: &Jwk) -> Option<(String, Arc<DecodingKey>)> {
    let kid = jwk.common.key_id.as_deref().filter(|k| !k.is_empty())?;
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    if jwk
        .common
        .key_algorithm
        .is_some_and(|alg| alg != KeyAlgorithm::RS256)
    {
        return None;
    }
    match &jwk.algorithm {
        AlgorithmParameters::RSA(rsa) => DecodingKey::from_rsa_components(&rsa.n, &rsa.e)
            .ok()
            .map(|key| (kid.to_owned(), Arc::new(key))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn jwk(value: serde_json::Value) -> Jwk {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn only_rs256_signing_keys_with_a_kid_are_usable() {
        let rsa = |extra: serde_json::Value| {
            let mut v = json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" });
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            jwk(v)
        };
        assert!(usable_key(&rsa(json!({ "kid": "a" }))).is_some());
        assert!(usable_key(&rsa(json!({ "kid": "a", "use": "sig", "alg": "RS256" }))).is_some());
        assert!(usable_key(&rsa(json!({}))).is_none());
        assert!(usable_key(&rsa(json!({ "kid": "" }))).is_none());
        assert!(usable_key(&rsa(json!({ "kid": "a", "use": "enc" }))).is_none());
        assert!(usable_key(&rsa(json!({ "kid": "a", "alg": "RS512" }))).is_none());
        assert!(usable_key(&rsa(json!({ "kid": "a", "alg": "RSA-OAEP" }))).is_none());
        let oct = jwk(json!({ "kty": "oct", "kid": "h", "k": "c2VjcmV0" }));
        assert!(usable_key(&oct).is_none());
    }
}
