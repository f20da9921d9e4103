//! `GET` / `POST /api/v1/auth/me`: the authenticated user, their organization and role.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::Me;

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
