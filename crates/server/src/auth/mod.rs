//! Access-token verification: WorkOS access tokens in production, locally minted development
//! tokens in development. [`TokenVerifier::verify`] turns a bearer token into the
//! [`ExternalIdentity`] it asserts, or into a typed error.
//!
//! # Security decisions
//! - **The algorithm is pinned by configuration, never taken from the token.** The header's `alg`
//!   is only read to decide *which* verifier to try (RS256 → WorkOS, HS256 → development); each
//!   verifier then accepts exactly one algorithm (`RS256` for WorkOS, `HS256` for development
//!   tokens) and its own kind of key (RSA public keys from the JWKS, the local HMAC secret).
//!   `alg: none`, every other algorithm, and HS/RS confusion (an HS256 token "signed" with the
//!   RSA public key) are therefore refused.
//! - **Development tokens do not exist in production.** In production the development secret is
//!   never read or created, and an HS256 token is refused with "development tokens are not
//!   accepted in production".
//! - **WorkOS keys** come from the JWKS of the configured client (`https://api.workos.com/sso/jwks/{client_id}`
//!   unless overridden), fetched lazily on the first WorkOS token (start-up needs no network),
//!   with a timeout, and cached until a successful refetch replaces them. A token with an unknown
//!   `kid` triggers a refetch (key rotation), at most one per [`JWKS_REFETCH_INTERVAL`];
//!   concurrent requests with the same unknown `kid` share that one fetch. A JWKS that cannot be
//!   fetched is [`AppError::ServiceUnavailable`] (retryable), never a panic and never "valid".
//! - **Claims checked:** signature, `exp` (required, [`LEEWAY_SECONDS`] of leeway for clock
//!   skew), `nbf` when present, `sub` (required), `iss` when an issuer is configured (then
//!   required), `aud` when an audience is configured (then required), and `org_id` (required:
//!   "token has no org_id claim"). WorkOS access tokens carry no `aud` unless a JWT template
//!   adds one: configure `WORKOS_AUDIENCE` only together with such a template. When no audience
//!   is configured the `aud` claim is not checked (the key set is already specific to our
//!   WorkOS client).
//! - **Roles:** `role` is `admin` or `member` (case-insensitive); a missing role, a role that is
//!   not a string, and any other role string (for example a custom WorkOS role such as
//!   `org_member`) mean `member`, deliberately not an error: unknown roles never gain admin
//!   rights, and a new WorkOS role does not lock users out.
//! - **Errors:** an expired token is [`AppError::TokenExpired`] (retryable: refresh and retry);
//!   every other refusal is [`AppError::Unauthorized`] with a short reason ("bad signature",
//!   "wrong issuer", "wrong audience", "unknown signing key", "malformed token", "unsupported
//!   algorithm", …). Messages, `Debug` output and logs never contain the token or a secret.

mod authkit;
mod claims;
mod dev_token;
mod jwks;
mod workos;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hellosales_domain::{AppError, AppResult, ExternalIdentity};
use jsonwebtoken::Algorithm;

pub use authkit::{AuthKit, AuthKitTokens, Grant};
pub use dev_token::{
    DEV_TOKEN_AUDIENCE, DEV_TOKEN_ISSUER, DEV_TOKEN_LIFETIME_DAYS, DEV_TOKEN_SECRET_FILE,
    DevTokenIssuer,
};

use workos::WorkosVerifier;

/// `ExternalIdentity::auth_provider` of identities from WorkOS access tokens.
pub const AUTH_PROVIDER_WORKOS: &str = "workos";
/// `ExternalIdentity::auth_provider` of identities from development tokens.
pub const AUTH_PROVIDER_DEV: &str = "dev";
/// Clock-skew leeway applied to `exp` and `nbf`, in seconds.
pub const LEEWAY_SECONDS: u64 = 30;
/// Tokens longer than this are refused without being parsed.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;
/// At most one JWKS refetch (for an unknown `kid`) per this interval.
pub const JWKS_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// After a failed JWKS fetch, the next attempt waits at least this long (requests in between
/// get [`AppError::ServiceUnavailable`] at once instead of queueing on a dead endpoint).
pub const JWKS_RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);
/// Timeout of one JWKS request (connect, headers and body).
pub const JWKS_FETCH_TIMEOUT: Duration = Duration::from_secs(5);

/// The JWKS URL WorkOS documents for a client id: `https://api.workos.com/sso/jwks/{client_id}`.
#[must_use]
pub fn workos_jwks_url(client_id: &str) -> String {
    format!("https://api.workos.com/sso/jwks/{client_id}")
}

/// What token verification needs from the configuration.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// `true` in production: only WorkOS tokens are accepted and the development secret is never
    /// loaded.
    pub environment_is_production: bool,
    /// The data directory; the development secret lives in `<data_dir>/dev-token.secret`.
    pub data_dir: PathBuf,
    /// WorkOS, when configured (required in production).
    pub workos: Option<WorkosSettings>,
}

/// WorkOS access-token settings. None of these is a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkosSettings {
    /// `WORKOS_CLIENT_ID`.
    pub client_id: String,
    /// The JWKS URL, already derived ([`workos_jwks_url`]) or overridden by configuration.
    pub jwks_url: String,
    /// `WORKOS_ISSUER`: when set, `iss` is required and must equal it. WorkOS issues
    /// `https://api.workos.com` (or `https://api.workos.com/user_management/{client_id}`, or a
    /// custom auth domain), so it is not derived; set it in production.
    pub issuer: Option<String>,
    /// `WORKOS_AUDIENCE`: when set, `aud` is required and must contain it. WorkOS access tokens
    /// have no `aud` unless a JWT template adds one.
    pub audience: Option<String>,
}

impl WorkosSettings {
    /// Settings for a client id with the documented JWKS URL and no issuer or audience check.
    #[must_use]
    pub fn for_client_id(client_id: impl Into<String>) -> Self {
        let client_id = client_id.into();
        Self {
            jwks_url: workos_jwks_url(&client_id),
            client_id,
            issuer: None,
            audience: None,
        }
    }
}

/// Verifies bearer tokens. Cheap to clone (shared state behind an `Arc`); its `Debug` output
/// shows the configuration, never a secret.
#[derive(Clone)]
pub struct TokenVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    production: bool,
    workos: Option<WorkosVerifier>,
    /// `None` in production: the secret is never loaded there.
    dev: Option<DevTokenIssuer>,
}

impl fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenVerifier")
            .field("production", &self.inner.production)
            .field("workos", &self.inner.workos)
            .field("dev_tokens_accepted", &self.inner.dev.is_some())
            .finish()
    }
}

impl TokenVerifier {
    /// Builds the verifier. In development this loads (or creates, once) the development secret
    /// in the data directory; in production it never touches it. No network access: the WorkOS
    /// JWKS is fetched on the first WorkOS token.
    ///
    /// `http` is used for the JWKS only (each request gets [`JWKS_FETCH_TIMEOUT`]); with
    /// reqwest's `rustls-no-provider` the caller must have installed a rustls crypto provider
    /// before building it.
    ///
    /// # Errors
    /// [`AppError::Internal`] when production has no WorkOS settings, or when the development
    /// secret cannot be read or created.
    pub async fn new(settings: AuthSettings, http: reqwest::Client) -> AppResult<Self> {
        let production = settings.environment_is_production;
        if production && settings.workos.is_none() {
            return Err(AppError::internal(
                "production requires WorkOS token verification: WORKOS_CLIENT_ID is not set",
            ));
        }
        if settings.workos.as_ref().is_some_and(|w| w.issuer.is_none()) {
            tracing::warn!(
                "WORKOS_ISSUER is not set: the iss claim of WorkOS access tokens is not checked"
            );
        }
        let workos = settings
            .workos
            .as_ref()
            .map(|w| WorkosVerifier::new(w, http));
        let dev = if production {
            None
        } else {
            let data_dir = settings.data_dir.clone();
            let issuer =
                tokio::task::spawn_blocking(move || DevTokenIssuer::load_or_create(&data_dir))
                    .await
                    .map_err(AppError::internal)??;
            Some(issuer)
        };
        Ok(Self {
            inner: Arc::new(Inner {
                production,
                workos,
                dev,
            }),
        })
    }

    /// The development token issuer (sharing the verifier's secret), outside production.
    #[must_use]
    pub fn dev_token_issuer(&self) -> Option<&DevTokenIssuer> {
        self.inner.dev.as_ref()
    }

    /// Verifies a bearer token (without the `Bearer ` prefix) and returns the identity it
    /// asserts.
    ///
    /// # Errors
    /// [`AppError::TokenExpired`] for an expired token, [`AppError::ServiceUnavailable`] when the
    /// WorkOS JWKS cannot be fetched, [`AppError::Unauthorized`] with a short reason otherwise.
    pub async fn verify(&self, token: &str) -> AppResult<ExternalIdentity> {
        let result = self.verify_inner(token).await;
        if let Err(err) = &result {
            tracing::debug!(code = err.code(), reason = %err, "access token refused");
        }
        result
    }

    async fn verify_inner(&self, token: &str) -> AppResult<ExternalIdentity> {
        if token.is_empty() {
            return Err(AppError::unauthorized("missing access token"));
        }
        if token.len() > MAX_TOKEN_BYTES {
            return Err(AppError::unauthorized("malformed token: too long"));
        }
        let header = claims::peek_header(token)?;
        // The header's alg only picks the verifier; each verifier pins its own algorithm.
        match header.alg {
            Algorithm::RS256 => match &self.inner.workos {
                Some(workos) => workos.verify(token, &header).await,
                None => Err(AppError::unauthorized(
                    "WorkOS tokens are not accepted: WorkOS is not configured",
                )),
            },
            Algorithm::HS256 => match (&self.inner.dev, self.inner.production) {
                (Some(dev), false) => dev.verify(token),
                _ => Err(AppError::unauthorized(
                    "development tokens are not accepted in production",
                )),
            },
            _ => Err(AppError::unauthorized("unsupported algorithm")),
        }
    }
}
