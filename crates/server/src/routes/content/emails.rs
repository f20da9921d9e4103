//! `/api/v1/emails`: sales call emails, every edit a new version.

use super::Versions;
use crate::http::{ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hellosales_domain::EmailId;
use hellosales_domain::content::{
    EmailFilter, EmailInput, Generation, ListParams, Page, Record, SalesEmail,
};

fn created(email: SalesEmail) -> Tagged<SalesEmail> {
    let location = format!("/api/v1/emails/{}", email.id);
    Tagged::created(email.etag(), location, email)
}

/// Email versions of the caller's organization (`latest_only=true` for the current ones).
#[utoipa::path(get, path = "/api/v1/emails", tag = "emails", security(("bearer" = [])),
    params(ListParams, EmailFilter),
    responses(
        (status = 200, description = "One page of email versions", body = Page<SalesEmail>),
        (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<ListParams>,
    Query(filter): Query<EmailFilter>,
) -> Result<Json<Page<SalesEmail>>, ApiError> {
    let page = state
        .content()
        .emails
        .list(&caller, &filter, params)
        .await?;
    Ok(Json(page))
}

/// Writes an email by hand: version 1 (`name`, `subject` and `body` are required).
#[utoipa::path(post, path = "/api/v1/emails", tag = "emails", security(("bearer" = [])),
    request_body = EmailInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses(
        (status = 201, description = "Version 1", body = SalesEmail, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid fields, or a product / client of another organization", body = ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    Json(input): Json<EmailInput>,
) -> Result<Tagged<SalesEmail>, ApiError> {
    let email = state
        .content()
        .emails
        .create(&caller, input, &Generation::default())
        .await?;
    Ok(created(email))
}

/// One email version.
#[utoipa::path(get, path = "/api/v1/emails/{id}", tag = "emails", security(("bearer" = [])),
    params(("id" = EmailId, Path, description = "The version")),
    responses(
        (status = 200, description = "The version", body = SalesEmail, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such email in this organization", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<EmailId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let email = state.content().emails.get(&caller, id).await?;
    Ok(Tagged::read(&headers, email.etag(), email))
}

/// Edits an email: creates the next version (`version + 1`, `parent_email_id` = `id`); the
/// edited version stays as it was. Only the latest version can be edited.
#[utoipa::path(patch, path = "/api/v1/emails/{id}", tag = "emails", security(("bearer" = [])),
    params(("id" = EmailId, Path, description = "The version to edit"),
        ("If-Match" = Option<String>, Header, description = "Edit only if the version has this ETag")),
    request_body = EmailInput,
    responses(
        (status = 201, description = "The new version", body = SalesEmail, headers(("ETag" = String), ("Location" = String))),
        (status = 404, description = "No such email in this organization", body = ErrorEnvelope),
        (status = 409, description = "This version was already edited (INVALID_STATE)", body = ErrorEnvelope),
        (status = 412, description = "The version changed, or was edited concurrently", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<EmailId>,
    IfMatch(precondition): IfMatch,
    Json(input): Json<EmailInput>,
) -> Result<Tagged<SalesEmail>, ApiError> {
    let email = state
        .content()
        .emails
        .edit(&caller, id, input, &Generation::default(), &precondition)
        .await?;
    Ok(created(email))
}

/// Every version of the email `id` belongs to, oldest first.
#[utoipa::path(get, path = "/api/v1/emails/{id}/versions", tag = "emails", security(("bearer" = [])),
    params(("id" = EmailId, Path, description = "Any version of the email")),
    responses(
        (status = 200, description = "The lineage, oldest first", body = Versions<SalesEmail>),
        (status = 404, description = "No such email in this organization", body = ErrorEnvelope),
    ))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<EmailId>,
) -> Result<Json<Versions<SalesEmail>>, ApiError> {
    let items = state.content().emails.versions(&caller, id).await?;
    Ok(Json(Versions { items }))
}

/// Deletes an email version (soft: `is_active = false`; it stays in the lineage).
#[utoipa::path(delete, path = "/api/v1/emails/{id}", tag = "emails", security(("bearer" = [])),
    params(("id" = EmailId, Path, description = "The version"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such email in this organization", body = ErrorEnvelope),
        (status = 412, description = "The version changed since the If-Match ETag", body = ErrorEnvelope),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<EmailId>,
    IfMatch(precondition): IfMatch,
) -> Result<StatusCode, ApiError> {
    state
        .content()
        .emails
        .delete(&caller, id, &precondition)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
