//! WorkOS AuthKit sign-in for the web client: the address the browser is sent to
//! (`/user_management/authorize`, `provider=authkit`), and the exchange of the code it comes
//! back with, or of a refresh token, for an access token (`POST /user_management/authenticate`
//! with the client secret `WORKOS_API_KEY`). The secret never leaves the server; the access
//! token it returns is verified like any other before the client gets it.

use hellosales_domain::error::ProviderFailure;
use hellosales_domain::{AppError, AppResult};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The longest wait for WorkOS's answer.
const AUTHENTICATE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server needs to sign users in with AuthKit.
#[derive(Clone)]
pub struct AuthKit {
    client_id: String,
    api_key: SecretString,
    api_url: String,
    authorize_url: reqwest::Url,
    http: reqwest::Client,
}

impl fmt::Debug for AuthKit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthKit")
            .field("client_id", &self.client_id)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// What is traded for an access token.
#[derive(Clone, Copy, Debug)]
pub enum Grant<'a> {
    /// The `code` AuthKit sent the browser back with.
    Code(&'a str),
    /// A refresh token from an earlier exchange.
    Refresh(&'a str),
}

/// The tokens WorkOS answered with.
#[derive(Clone, Deserialize)]
pub struct AuthKitTokens {
    /// The access token (a JWT verified by the server's WorkOS verifier).
    pub access_token: String,
    /// The refresh token, when WorkOS sent one.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

impl fmt::Debug for AuthKitTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthKitTokens { .. }")
    }
}

#[derive(Serialize)]
struct AuthenticateRequest<'a> {
    client_id: &'a str,
    client_secret: &'a str,
    grant_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a str>,
}

impl AuthKit {
    /// AuthKit for `client_id`, authenticating with `api_key` against `api_url`
    /// (`https://api.workos.com`).
    ///
    /// # Errors
    /// `api_url` is not a URL.
    pub fn new(
        client_id: String,
        api_key: SecretString,
        api_url: &str,
        http: reqwest::Client,
    ) -> anyhow::Result<Self> {
        let api_url = api_url.trim_end_matches('/').to_owned();
        let authorize_url = reqwest::Url::parse_with_params(
            &format!("{api_url}/user_management/authorize"),
            [
                ("client_id", client_id.as_str()),
                ("response_type", "code"),
                ("provider", "authkit"),
            ],
        )
        .map_err(|error| anyhow::anyhow!("WORKOS_API_URL is not a URL: {error}"))?;
        Ok(Self {
            client_id,
            api_key,
            api_url,
            authorize_url,
            http,
        })
    }

    /// Where the browser starts signing in; the client adds its `redirect_uri` and `state`.
    #[must_use]
    pub fn authorize_url(&self) -> &str {
        self.authorize_url.as_str()
    }

    /// Trades a code or a refresh token for tokens.
    ///
    /// # Errors
    /// `UNAUTHORIZED` when WorkOS refuses the grant (an expired or reused code, a revoked
    /// refresh token); `PROVIDER_*` (retryable) when WorkOS cannot be reached or fails.
    pub async fn authenticate(&self, grant: Grant<'_>) -> AppResult<AuthKitTokens> {
        let (grant_type, code, refresh_token) = match grant {
            Grant::Code(code) => ("authorization_code", Some(code), None),
            Grant::Refresh(token) => ("refresh_token", None, Some(token)),
        };
        let body = AuthenticateRequest {
            client_id: &self.client_id,
            client_secret: self.api_key.expose_secret(),
            grant_type,
            code,
            refresh_token,
        };
        let response = self
            .http
            .post(format!("{}/user_management/authenticate", self.api_url))
            .timeout(AUTHENTICATE_TIMEOUT)
            .json(&body)
            .send()
            .await
            .map_err(|error| {
                let failure = if error.is_timeout() {
                    ProviderFailure::Timeout
                } else {
                    ProviderFailure::ServerError
                };
                provider_error(failure, "WorkOS could not be reached")
            })?;
        let status = response.status();
        if status.is_client_error() && status.as_u16() != 429 {
            return Err(AppError::Unauthorized {
                message: match grant {
                    Grant::Code(_) => "WorkOS refused the sign-in code (expired or already used)",
                    Grant::Refresh(_) => "WorkOS refused the refresh token: sign in again",
                }
                .to_owned(),
            });
        }
        if !status.is_success() {
            let failure = if status.as_u16() == 429 {
                ProviderFailure::RateLimited {
                    retry_after_seconds: 1,
                }
            } else {
                ProviderFailure::ServerError
            };
            return Err(provider_error(
                failure,
                &format!("WorkOS answered {}", status.as_u16()),
            ));
        }
        response.json::<AuthKitTokens>().await.map_err(|_| {
            provider_error(
                ProviderFailure::MalformedStream,
                "WorkOS answered without an access token",
            )
        })
    }
}

fn provider_error(failure: ProviderFailure, message: &str) -> AppError {
    AppError::Provider {
        provider: "workos".to_owned(),
        operation: "authenticate".to_owned(),
        failure,
        message: message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::AuthKit;

    #[test]
    fn the_authorize_url_names_the_client_and_authkit() {
        let kit = AuthKit::new(
            "client_01 A".to_owned(),
            "sk_test".to_owned().into(),
            "https://api.workos.test/",
            crate::startup::http_client().expect("an HTTP client"),
        )
        .expect("a URL");
        assert_eq!(
            kit.authorize_url(),
            "https://api.workos.test/user_management/authorize?client_id=client_01+A\
             &response_type=code&provider=authkit"
        );
        assert!(!format!("{kit:?}").contains("sk_test"));
    }
}
