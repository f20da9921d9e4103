//! `/api/v1/clients`: the prospects and customers the organization sells to.

use super::DeleteParams;
use crate::http::{ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hellosales_domain::ClientId;
use hellosales_domain::content::{Client, ClientFilter, ClientInput, ListParams, Page, Record};

/// The clients of the caller's organization, newest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    params(ListParams, ClientFilter),
    responses(
        (status = 200, description = "One page of clients", body = Page<Client>),
        (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<ListParams>,
    Query(filter): Query<ClientFilter>,
) -> Result<Json<Page<Client>>, ApiError> {
    let page = state
        .content()
        .clients
        .list(&caller, &filter, params)
        .await?;
    Ok(Json(page))
}

/// Creates a client (`name` is required).
#[utoipa::path(post, path = "/api/v1/clients", tag = "clients", security(("bearer" = [])),
    request_body = ClientInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses(
        (status = 201, description = "The client", body = Client, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid fields, one entry each in details.fields", body = ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    Json(input): Json<ClientInput>,
) -> Result<Tagged<Client>, ApiError> {
    let client = state.content().clients.create(&caller, input).await?;
    let location = format!("/api/v1/clients/{}", client.id);
    Ok(Tagged::created(client.etag(), location, client))
}

/// One client.
#[utoipa::path(get, path = "/api/v1/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = ClientId, Path, description = "The client")),
    responses(
        (status = 200, description = "The client", body = Client, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such client in this organization", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ClientId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let client = state.content().clients.get(&caller, id).await?;
    Ok(Tagged::read(&headers, client.etag(), client))
}

/// Changes a client: absent fields are kept, `null` clears a field.
#[utoipa::path(patch, path = "/api/v1/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = ClientId, Path, description = "The client"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    request_body = ClientInput,
    responses(
        (status = 200, description = "The changed client", body = Client, headers(("ETag" = String))),
        (status = 404, description = "No such client in this organization", body = ErrorEnvelope),
        (status = 412, description = "The client changed since the If-Match ETag", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ClientId>,
    IfMatch(precondition): IfMatch,
    Json(input): Json<ClientInput>,
) -> Result<Tagged<Client>, ApiError> {
    let client = state
        .content()
        .clients
        .update(&caller, id, input, &precondition)
        .await?;
    Ok(Tagged::ok(client.etag(), client))
}

/// Archives a client (`is_active = false`), or with `?hard=true` deletes it (admins).
#[utoipa::path(delete, path = "/api/v1/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = ClientId, Path, description = "The client"), DeleteParams,
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    responses(
        (status = 204, description = "Archived or deleted"),
        (status = 403, description = "Hard delete by a member", body = ErrorEnvelope),
        (status = 404, description = "No such client in this organization", body = ErrorEnvelope),
        (status = 412, description = "The client changed since the If-Match ETag", body = ErrorEnvelope),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ClientId>,
    Query(params): Query<DeleteParams>,
    IfMatch(precondition): IfMatch,
) -> Result<StatusCode, ApiError> {
    let clients = &state.content().clients;
    if params.hard {
        clients.delete(&caller, id, &precondition).await?;
    } else {
        clients.archive(&caller, id, &precondition).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
