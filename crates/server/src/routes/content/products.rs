//! `/api/v1/products`: what the organization sells.

use super::DeleteParams;
use crate::http::{ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged};
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use hellosales_domain::ProductId;
use hellosales_domain::content::{ListParams, Page, Product, ProductFilter, ProductInput, Record};

/// The products of the caller's organization, newest first unless `sort` says otherwise.
#[utoipa::path(get, path = "/api/v1/products", tag = "products", security(("bearer" = [])),
    params(ListParams, ProductFilter),
    responses(
        (status = 200, description = "One page of products", body = Page<Product>),
        (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<ListParams>,
    Query(filter): Query<ProductFilter>,
) -> Result<Json<Page<Product>>, ApiError> {
    let page = state
        .content()
        .products
        .list(&caller, &filter, params)
        .await?;
    Ok(Json(page))
}

/// Creates a product (`name` is required).
#[utoipa::path(post, path = "/api/v1/products", tag = "products", security(("bearer" = [])),
    request_body = ProductInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
    responses(
        (status = 201, description = "The product", body = Product, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "Invalid fields, one entry each in details.fields", body = ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    Json(input): Json<ProductInput>,
) -> Result<Tagged<Product>, ApiError> {
    let product = state.content().products.create(&caller, input).await?;
    let location = format!("/api/v1/products/{}", product.id);
    Ok(Tagged::created(product.etag(), location, product))
}

/// One product.
#[utoipa::path(get, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path, description = "The product")),
    responses(
        (status = 200, description = "The product", body = Product, headers(("ETag" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, description = "No such product in this organization", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ProductId>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let product = state.content().products.get(&caller, id).await?;
    Ok(Tagged::read(&headers, product.etag(), product))
}

/// Changes a product: absent fields are kept, `null` clears a field.
#[utoipa::path(patch, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path, description = "The product"),
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    request_body = ProductInput,
    responses(
        (status = 200, description = "The changed product", body = Product, headers(("ETag" = String))),
        (status = 404, description = "No such product in this organization", body = ErrorEnvelope),
        (status = 412, description = "The product changed since the If-Match ETag", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ProductId>,
    IfMatch(precondition): IfMatch,
    Json(input): Json<ProductInput>,
) -> Result<Tagged<Product>, ApiError> {
    let product = state
        .content()
        .products
        .update(&caller, id, input, &precondition)
        .await?;
    Ok(Tagged::ok(product.etag(), product))
}

/// Archives a product (`is_active = false`), or with `?hard=true` deletes it (admins).
#[utoipa::path(delete, path = "/api/v1/products/{id}", tag = "products", security(("bearer" = [])),
    params(("id" = ProductId, Path, description = "The product"), DeleteParams,
        ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
    responses(
        (status = 204, description = "Archived or deleted"),
        (status = 403, description = "Hard delete by a member", body = ErrorEnvelope),
        (status = 404, description = "No such product in this organization", body = ErrorEnvelope),
        (status = 412, description = "The product changed since the If-Match ETag", body = ErrorEnvelope),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<ProductId>,
    Query(params): Query<DeleteParams>,
    IfMatch(precondition): IfMatch,
) -> Result<StatusCode, ApiError> {
    let products = &state.content().products;
    if params.hard {
        products.delete(&caller, id, &precondition).await?;
    } else {
        products.archive(&caller, id, &precondition).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
