//! Verification of WorkOS (AuthKit) access tokens.
//!
//! # Security decisions
//! - RS256 only, whatever the header says: a token with another `alg` is refused before any key
//!   is looked up, and `jsonwebtoken` is given a validation that allows RS256 alone and an RSA
//!   key, so neither `alg: none` nor an HS256 token keyed with the RSA public key can pass.
//! - The key is chosen by the header's `kid` among the keys of *our* client's JWKS only; a token
//!   without a `kid` is refused (WorkOS always sets one), and the `jwk`/`jku`/`x5u` header
//!   parameters are never followed.
//! - `exp` (30 s leeway) and `sub` are required; `iss` and `aud` are required and checked when
//!   configured. WorkOS access tokens carry no `aud` unless a JWT template adds one, so an
//!   audience must only be configured together with such a template; without one, `aud` is
//!   not checked.
//! - `org_id` is required ("token has no org_id claim"); `role`, `email` and `name` (or
//!   `first_name`/`last_name`, added by a JWT template) are optional.

use std::fmt;

use hellosales_domain::{AppError, AppResult, ExternalIdentity};
use jsonwebtoken::{Algorithm, Header, Validation};

use super::claims::{TokenClaims, map_jwt_error, validation};
use super::jwks::JwksCache;
use super::{
    AUTH_PROVIDER_WORKOS, JWKS_FETCH_TIMEOUT, JWKS_REFETCH_INTERVAL, JWKS_RETRY_AFTER_FAILURE,
    WorkosSettings,
};

/// The only algorithm WorkOS access tokens may use.
const WORKOS_ALGORITHM: Algorithm = Algorithm::RS256;

/// Verifies WorkOS access tokens against the client's JWKS.
pub(crate) struct WorkosVerifier {
    settings: WorkosSettings,
    jwks: JwksCache,
    validation: Validation,
}

impl fmt::Debug for WorkosVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkosVerifier")
            .field("client_id", &self.settings.client_id)
            .field("issuer", &self.settings.issuer)
            .field("audience", &self.settings.audience)
            .field("jwks", &self.jwks)
            .finish()
    }
}

impl WorkosVerifier {
    pub(crate) fn new(settings: &WorkosSettings, http: reqwest::Client) -> Self {
        let jwks = JwksCache::new(
            settings.jwks_url.clone(),
            http,
            JWKS_REFETCH_INTERVAL,
            JWKS_RETRY_AFTER_FAILURE,
            JWKS_FETCH_TIMEOUT,
        );
        let validation = validation(
            WORKOS_ALGORITHM,
            settings.issuer.as_deref(),
            settings.audience.as_deref(),
        );
        Self {
            settings: settings.clone(),
            jwks,
            validation,
        }
    }

    /// Verifies a token whose header has already been parsed.
    pub(crate) async fn verify(&self, token: &str, header: &Header) -> AppResult<ExternalIdentity> {
        if header.alg != WORKOS_ALGORITHM {
            return Err(AppError::unauthorized("unsupported algorithm"));
        }
        let kid = header
            .kid
            .as_deref()
            .filter(|kid| !kid.is_empty())
            .ok_or_else(|| AppError::unauthorized("malformed token: no key id (kid)"))?;
        let key = self.jwks.key(kid).await?;
        let data = jsonwebtoken::decode::<TokenClaims>(token, &key, &self.validation)
            .map_err(|e| map_jwt_error(&e))?;
        data.claims.into_identity(AUTH_PROVIDER_WORKOS)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jsonwebtoken::{EncodingKey, encode};
    use serde_json::json;

    #[tokio::test]
    async fn other_algorithms_are_refused_before_any_key_lookup() {
        // The JWKS URL is unreachable: a lookup would give ServiceUnavailable, not Unauthorized.
        let settings = WorkosSettings {
            client_id: "client_test".into(),
            jwks_url: "http://127.0.0.1:9/sso/jwks/client_test".into(),
            issuer: None,
            audience: None,
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let verifier = WorkosVerifier::new(&settings, reqwest::Client::new());
        let claims = json!({ "sub": "u", "org_id": "o", "exp": 4_000_000_000u64 });
        for alg in [Algorithm::HS256, Algorithm::HS512] {
            let mut header = Header::new(alg);
            header.kid = Some("k1".into());
            let token = encode(&header, &claims, &EncodingKey::from_secret(b"public")).unwrap();
            let err = verifier
                .verify(&token, &jsonwebtoken::decode_header(&token).unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.code(), "UNAUTHORIZED");
            assert_eq!(err.to_string(), "unsupported algorithm");
        }
    }
}
