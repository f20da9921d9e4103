//! `/api/v1/company-profile`: the organization's one company profile (admins write, members
//! read).

use crate::http::{ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Tagged};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hellosales_domain::content::{CompanyProfile, CompanyProfileInput};

/// The company profile.
#[utoipa::path(get, path = "/api/v1/company-profile", tag = "company-profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = CompanyProfile, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No profile yet (COMPANY_PROFILE_NOT_FOUND)", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let profile = state.content().company_profile.get(&caller).await?;
    Ok(Tagged::read(&headers, profile.etag(), profile))
}

/// Creates or replaces the whole company profile (admins only).
#[utoipa::path(put, path = "/api/v1/company-profile", tag = "company-profile",
    security(("bearer" = [])),
    params(("If-Match" = Option<String>, Header, description = "Replace only this ETag")),
    request_body = CompanyProfileInput,
    responses(
        (status = 200, description = "Replaced", body = CompanyProfile, headers(("ETag" = String))),
        (status = 201, description = "Created", body = CompanyProfile, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 412, description = "The profile changed since the If-Match ETag", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn put(
    State(state): State<AppState>,
    caller: Authenticated,
    IfMatch(precondition): IfMatch,
    Json(input): Json<CompanyProfileInput>,
) -> Result<Tagged<CompanyProfile>, ApiError> {
    let (profile, created) = state
        .content()
        .company_profile
        .put(&caller, input, &precondition)
        .await?;
    let etag = profile.etag();
    Ok(if created {
        Tagged::created(etag, "/api/v1/company-profile".to_owned(), profile)
    } else {
        Tagged::ok(etag, profile)
    })
}
