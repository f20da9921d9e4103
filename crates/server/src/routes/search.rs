//! `GET /api/v1/search`: semantic search over the caller's organization: its products,
//! clients, scripts and emails (the latest active version of each) and the messages of the
//! caller's own sessions, ranked by similarity to `q`, with snippets.
//!
//! With `EMBEDDING_PROVIDER=none` (or a local model that could not be loaded) it answers
//! 503 `EMBEDDINGS_NOT_CONFIGURED`.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Query};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::AppError;
use hellosales_domain::semantic::{SearchParams, SearchResults};

/// The organization's items closest in meaning to `q`, best first.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", security(("bearer" = [])),
    params(SearchParams),
    responses(
        (status = 200, description = "The best matches, best first (an item is found once \
            the background indexer has embedded it)", body = SearchResults),
        (status = 400, description = "Unreadable parameters (limit not a number)", body = ErrorEnvelope),
        (status = 404, description = "session_id is not one of the caller's sessions \
            (SESSION_NOT_FOUND)", body = ErrorEnvelope),
        (status = 422, description = "Invalid parameters (VALIDATION_ERROR, per field)", body = ErrorEnvelope),
        (status = 502, description = "The embedding provider failed", body = ErrorEnvelope),
        (status = 503, description = "Semantic search is off (EMBEDDINGS_NOT_CONFIGURED), or \
            the embedding provider is unavailable", body = ErrorEnvelope),
        (status = 504, description = "The embedding provider did not answer in time", body = ErrorEnvelope),
    ))]
pub async fn search(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let semantic = state.semantic().ok_or(AppError::EmbeddingsNotConfigured)?;
    Ok(Json(semantic.search.search(&caller, params).await?))
}
