//! `/api/v1/pulse/dead-letter-queue`: the organization's failed runs, for its admins (a member
//! is answered 403 `INSUFFICIENT_PERMISSIONS`) — list, read, retry now, resolve, abandon.
//! Another organization's entry is answered 404 `DEAD_LETTER_NOT_FOUND`, like a missing one.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::content::Page;
use hellosales_domain::dead_letters::{DeadLetter, DeadLetterNotes, DeadLetterParams};
use uuid::Uuid;

/// The organization's dead-letter entries, newest first.
#[utoipa::path(get, path = "/api/v1/pulse/dead-letter-queue", tag = "pulse",
    security(("bearer" = [])),
    params(DeadLetterParams),
    responses(
        (status = 200, description = "One page", body = Page<DeadLetter>),
        (status = 400, description = "Unreadable parameters", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 422, description = "Bad status or paging", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<DeadLetterParams>,
) -> Result<Json<Page<DeadLetter>>, ApiError> {
    Ok(Json(state.dead_letters().list(&caller, params).await?))
}

/// One dead-letter entry, with its snapshot and input.
#[utoipa::path(get, path = "/api/v1/pulse/dead-letter-queue/{id}", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry")),
    responses(
        (status = 200, description = "The entry", body = DeadLetter),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
) -> Result<Json<DeadLetter>, ApiError> {
    Ok(Json(state.dead_letters().get(&caller, id).await?))
}

/// Replays the entry now (whatever its schedule; an abandoned entry too) and answers it as it
/// then is: `resolved`, or with the replay's error and its next attempt.
#[utoipa::path(post, path = "/api/v1/pulse/dead-letter-queue/{id}/retry", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry")),
    responses(
        (status = 200, description = "The entry after the replay", body = DeadLetter),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
        (status = 409, description = "Resolved already, or a replay is in flight", body = ErrorEnvelope),
    ))]
pub async fn retry(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
) -> Result<Json<DeadLetter>, ApiError> {
    Ok(Json(state.dead_letters().retry(&caller, id).await?))
}

/// Resolves the entry by hand (`resolved_by` is the caller).
#[utoipa::path(post, path = "/api/v1/pulse/dead-letter-queue/{id}/resolve", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry")),
    request_body = DeadLetterNotes,
    responses(
        (status = 200, description = "The resolved entry", body = DeadLetter),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
        (status = 409, description = "Resolved already", body = ErrorEnvelope),
        (status = 422, description = "Notes too long", body = ErrorEnvelope),
    ))]
pub async fn resolve(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
    Json(notes): Json<DeadLetterNotes>,
) -> Result<Json<DeadLetter>, ApiError> {
    Ok(Json(
        state.dead_letters().resolve(&caller, id, notes).await?,
    ))
}

/// Gives up on the entry: `abandoned`, no replay scheduled.
#[utoipa::path(post, path = "/api/v1/pulse/dead-letter-queue/{id}/abandon", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The entry")),
    request_body = DeadLetterNotes,
    responses(
        (status = 200, description = "The abandoned entry", body = DeadLetter),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
        (status = 409, description = "Resolved already", body = ErrorEnvelope),
        (status = 422, description = "Notes too long", body = ErrorEnvelope),
    ))]
pub async fn abandon(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
    Json(notes): Json<DeadLetterNotes>,
) -> Result<Json<DeadLetter>, ApiError> {
    Ok(Json(
        state.dead_letters().abandon(&caller, id, notes).await?,
    ))
}
