//! `/api/v1/pulse`: the organization's pipeline runs, their events and its provider calls, for
//! its admins (a member is answered 403 `INSUFFICIENT_PERMISSIONS`). Another organization's run
//! is answered 404 `PIPELINE_RUN_NOT_FOUND`, like a missing one.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::content::Page;
use hellosales_domain::pulse::{
    PipelineEventList, PipelineRun, PipelineRunDetail, PipelineRunParams, ProviderCall,
    ProviderCallParams,
};
use uuid::Uuid;

/// The organization's pipeline runs, newest first.
#[utoipa::path(get, path = "/api/v1/pulse/pipeline-runs", tag = "pulse",
    security(("bearer" = [])),
    params(PipelineRunParams),
    responses(
        (status = 200, description = "One page", body = Page<PipelineRun>),
        (status = 400, description = "Unreadable parameters", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 422, description = "Bad paging or time range", body = ErrorEnvelope),
    ))]
pub async fn pipeline_runs(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<PipelineRunParams>,
) -> Result<Json<Page<PipelineRun>>, ApiError> {
    Ok(Json(state.pulse().pipeline_runs(&caller, params).await?))
}

/// One pipeline run, with its events (oldest first).
#[utoipa::path(get, path = "/api/v1/pulse/pipeline-runs/{id}", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The run")),
    responses(
        (status = 200, description = "The run and its events", body = PipelineRunDetail),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
    ))]
pub async fn pipeline_run(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
) -> Result<Json<PipelineRunDetail>, ApiError> {
    Ok(Json(state.pulse().pipeline_run(&caller, id).await?))
}

/// A pipeline run's events, oldest first.
#[utoipa::path(get, path = "/api/v1/pulse/pipeline-runs/{id}/events", tag = "pulse",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The run")),
    responses(
        (status = 200, description = "The events", body = PipelineEventList),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 404, description = "Not the organization's", body = ErrorEnvelope),
    ))]
pub async fn run_events(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<Uuid>,
) -> Result<Json<PipelineEventList>, ApiError> {
    Ok(Json(state.pulse().run_events(&caller, id).await?))
}

/// The organization's provider calls, newest first.
#[utoipa::path(get, path = "/api/v1/pulse/provider-calls", tag = "pulse",
    security(("bearer" = [])),
    params(ProviderCallParams),
    responses(
        (status = 200, description = "One page", body = Page<ProviderCall>),
        (status = 400, description = "Unreadable parameters", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 422, description = "Bad paging or time range", body = ErrorEnvelope),
    ))]
pub async fn provider_calls(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<ProviderCallParams>,
) -> Result<Json<Page<ProviderCall>>, ApiError> {
    Ok(Json(state.pulse().provider_calls(&caller, params).await?))
}
