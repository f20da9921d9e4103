//! `/api/v1/pulse`: the organization's pipeline runs, their events and its provider calls, for
//! its admins (a member is answered 403 `INSUFFICIENT_PERMISSIONS`). Another organization's run
//! is answered 404 `PIPELINE_RUN_NOT_FOUND`, like a missing one. Metrics and stats aggregate
//! the caller's organization only.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Path, Query};
use crate::state::AppState;
use axum::extract::State;
use hellosales_domain::content::Page;
use hellosales_domain::pulse::{
    PipelineEventList, PipelineRun, PipelineRunDetail, PipelineRunParams, ProviderCall,
    ProviderCallParams,
};
use hellosales_domain::pulse_metrics::{MetricsParams, PulseMetrics, PulseStats, StatsParams};
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

/// The organization's aggregates over a window (default: the last 24 hours): totals, latency
/// and time-to-first-token percentiles, tokens and cost, breakdowns by service, provider and
/// model, and the window hour by hour.
#[utoipa::path(get, path = "/api/v1/pulse/metrics", tag = "pulse",
    security(("bearer" = [])),
    params(MetricsParams),
    responses(
        (status = 200, description = "The aggregates", body = PulseMetrics),
        (status = 400, description = "Unreadable parameters", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 422, description = "Reversed or too long window", body = ErrorEnvelope),
    ))]
pub async fn metrics(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<MetricsParams>,
) -> Result<Json<PulseMetrics>, ApiError> {
    Ok(Json(state.pulse().metrics(&caller, params).await?))
}

/// The organization's summary of the last `hours` hours, with its pending dead-letter entries.
#[utoipa::path(get, path = "/api/v1/pulse/stats", tag = "pulse",
    security(("bearer" = [])),
    params(StatsParams),
    responses(
        (status = 200, description = "The summary", body = PulseStats),
        (status = 400, description = "Unreadable parameters", body = ErrorEnvelope),
        (status = 403, description = "Not an admin", body = ErrorEnvelope),
        (status = 422, description = "hours outside 1..=720", body = ErrorEnvelope),
    ))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(params): Query<StatsParams>,
) -> Result<Json<PulseStats>, ApiError> {
    Ok(Json(state.pulse().stats(&caller, params).await?))
}
