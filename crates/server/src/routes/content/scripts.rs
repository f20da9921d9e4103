//! `/api/v1/scripts`: sales call scripts, every edit a new version.

use super::Versions;
use crate::http::{ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hellosales_domain::ScriptId;
use hellosales_domain::content::{
    Generation, ListParams, Page, Record, SalesScript, ScriptFilter, ScriptInput,
};

fn created(script: SalesScript) -> Tagged<SalesScript> {
    let location = format!("/api/v1/scripts/{}", script.id);
    Tagged::created(script.etag(), location, script)
}

/// Script versions of the caller's organization (`latest_only=true` for the current ones).
#[utoipa::path(get, path = "/api/v1/scripts", tag = "scripts", security(("bearer" = [])),
    params(ListParams, ScriptFilter),
    responses(
        (status = 200, description = "One page of script versions", body = Page<SalesScript>),
        (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<ListParams>,
    Query(filter): Query<ScriptFilter>,
) -> Result<Json<Page<SalesScript>>, ApiError> {
    let page = state
        .content()
        .scripts
        .list(&caller, &filter, params)
        .await?;
    Ok(Json(page))
}

/// Writes a script by hand: version 1 (`name` and `content` are required).
#[utoipa::path(post, path = "/api/v1/scripts", tag = "scripts", security(("bearer" = [])),
    request_body = ScriptInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses(
        (status = 201, description = "Version 1", body = SalesScript, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid fields, or a product / client of another organization", body = ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    Json(input): Json<ScriptInput>,
) -> Result<Tagged<SalesScript>, ApiError> {
    let script = state
        .content()
        .scripts
        .create(&caller, input, &Generation::default())
        .await?;
    Ok(created(script))
}

/// One script version.
#[utoipa::path(get, path = "/api/v1/scripts/{id}", tag = "scripts", security(("bearer" = [])),
    params(("id" = ScriptId, Path, description = "The version")),
    responses(
        (status = 200, description = "The version", body = SalesScript, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such script in this organization", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ScriptId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let script = state.content().scripts.get(&caller, id).await?;
    Ok(Tagged::read(&headers, script.etag(), script))
}

/// Edits a script: creates the next version (`version + 1`, `parent_script_id` = `id`); the
/// edited version stays as it was. Only the latest version can be edited.
#[utoipa::path(patch, path = "/api/v1/scripts/{id}", tag = "scripts", security(("bearer" = [])),
    params(("id" = ScriptId, Path, description = "The version to edit"),
        ("If-Match" = Option<String>, Header, description = "Edit only if the version has this ETag")),
    request_body = ScriptInput,
    responses(
        (status = 201, description = "The new version", body = SalesScript, headers(("ETag" = String), ("Location" = String))),
        (status = 404, description = "No such script in this organization", body = ErrorEnvelope),
        (status = 409, description = "This version was already edited (INVALID_STATE)", body = ErrorEnvelope),
        (status = 412, description = "The version changed, or was edited concurrently", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ScriptId>,
    IfMatch(precondition): IfMatch,
    Json(input): Json<ScriptInput>,
) -> Result<Tagged<SalesScript>, ApiError> {
    let script = state
        .content()
        .scripts
        .edit(&caller, id, input, &Generation::default(), &precondition)
        .await?;
    Ok(created(script))
}

/// Every version of the script `id` belongs to, oldest first.
#[utoipa::path(get, path = "/api/v1/scripts/{id}/versions", tag = "scripts", security(("bearer" = [])),
    params(("id" = ScriptId, Path, description = "Any version of the script")),
    responses(
        (status = 200, description = "The lineage, oldest first", body = Versions<SalesScript>),
        (status = 404, description = "No such script in this organization", body = ErrorEnvelope),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ScriptId>,
) -> Result<Json<Versions<SalesScript>>, ApiError> {
    let items = state.content().scripts.versions(&caller, id).await?;
    Ok(Json(Versions { items }))
}

/// Deletes a script version (soft: `is_active = false`; it stays in the lineage).
#[utoipa::path(delete, path = "/api/v1/scripts/{id}", tag = "scripts", security(("bearer" = [])),
    params(("id" = ScriptId, Path, description = "The version"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such script in this organization", body = ErrorEnvelope),
        (status = 412, description = "The version changed since the If-Match ETag", body = ErrorEnvelope),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ScriptId>,
    IfMatch(precondition): IfMatch,
) -> Result<StatusCode, ApiError> {
    state
        .content()
        .scripts
        .delete(&caller, id, &precondition)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
