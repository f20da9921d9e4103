//! Authentication routes: `GET` / `POST /api/v1/auth/me` (the authenticated user, their
//! organization and role), and for the web client's sign-in screen `GET /api/v1/auth/config`
//! (development tokens or AuthKit) and `POST /api/v1/auth/authkit/token` (an AuthKit code or
//! refresh token traded for a verified access token).

use crate::auth::Grant;
use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, RequestId};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::error::Resource;
use hellosales_domain::{AppError, Me};
use serde::{Deserialize, Serialize};

/// The caller: user, organization (with its WorkOS id) and role.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
    ))]
pub async fn me(
    State(state): State<AppState>,
    caller: Authenticated,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(
        state.identities().me(caller.user_id, caller.org_id).await?,
    ))
}

/// The same as `GET`, for clients of the earlier system that post to it.
#[utoipa::path(post, path = "/api/v1/auth/me", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "Missing, invalid or expired token", body = ErrorEnvelope),
    ))]
pub async fn me_post(state: State<AppState>, caller: Authenticated) -> Result<Json<Me>, ApiError> {
    me(state, caller).await
}

/// How this server lets people sign in: what the web client's sign-in screen offers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "environment": "development",
    "development_tokens": true,
    "authkit": null
}))]
pub struct SignInOptions {
    /// `development` or `production`.
    pub environment: &'static str,
    /// Whether development tokens (`hellosales token`) are accepted (development only).
    pub development_tokens: bool,
    /// AuthKit, when WorkOS is configured with an API key.
    pub authkit: Option<AuthKitOptions>,
}

/// Where AuthKit sign-in starts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuthKitOptions {
    /// The authorize address; the client adds `redirect_uri` (its `/auth/callback`) and
    /// `state`.
    pub authorize_url: String,
}

/// The sign-in options of this server. Public.
#[utoipa::path(get, path = "/api/v1/auth/config", tag = "auth",
    responses((status = 200, description = "How to sign in", body = SignInOptions)))]
pub async fn config(State(state): State<AppState>) -> Json<SignInOptions> {
    let environment = state.config().environment();
    Json(SignInOptions {
        environment: environment.as_str(),
        development_tokens: !environment.is_production(),
        authkit: state.authkit().map(|kit| AuthKitOptions {
            authorize_url: kit.authorize_url().to_owned(),
        }),
    })
}

/// A grant to trade for an access token: exactly one of `code` and `refresh_token`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthKitGrant {
    /// The `code` AuthKit redirected the browser back with.
    #[serde(default)]
    pub code: Option<String>,
    /// A refresh token from an earlier exchange.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Tokens for the web client, and who they are for.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AuthKitSession {
    /// A WorkOS access token: the `Authorization: Bearer` of the next requests.
    pub access_token: String,
    /// Trade it for a new access token before this one expires.
    pub refresh_token: Option<String>,
    /// The signed-in caller.
    pub me: Me,
}

/// Trades an AuthKit code (or a refresh token) for a verified access token. Public.
#[utoipa::path(post, path = "/api/v1/auth/authkit/token", tag = "auth",
    request_body = AuthKitGrant,
    responses(
        (status = 200, description = "Signed in", body = AuthKitSession),
        (status = 401, description = "WorkOS refused the grant, or its token is not valid here",
            body = ErrorEnvelope),
        (status = 404, description = "AuthKit is not configured", body = ErrorEnvelope),
        (status = 422, description = "Neither or both of `code` and `refresh_token`",
            body = ErrorEnvelope),
        (status = 502, description = "WorkOS failed or could not be reached", body = ErrorEnvelope),
    ))]
pub async fn authkit_token(
    State(state): State<AppState>,
    request_id: RequestId,
    Json(grant): Json<AuthKitGrant>,
) -> Result<Json<AuthKitSession>, ApiError> {
    let Some(kit) = state.authkit() else {
        return Err(AppError::NotFound {
            resource: Resource::Route,
            id: None,
        }
        .into());
    };
    let grant = match (
        present(grant.code.as_deref()),
        present(grant.refresh_token.as_deref()),
    ) {
        (Some(code), None) => Grant::Code(code),
        (None, Some(token)) => Grant::Refresh(token),
        _ => {
            return Err(AppError::invalid_field(
                "code",
                "required",
                "send exactly one of `code` and `refresh_token`",
            )
            .into());
        }
    };
    let tokens = kit.authenticate(grant).await?;
    let caller = state
        .authenticate(&tokens.access_token, request_id.0)
        .await?;
    let me = state.identities().me(caller.user_id, caller.org_id).await?;
    Ok(Json(AuthKitSession {
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        me,
    }))
}

/// A value that is there and not blank.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}
