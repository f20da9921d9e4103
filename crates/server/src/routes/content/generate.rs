//! `POST /api/v1/scripts/generate` and `POST /api/v1/emails/generate`: the LLM writes a sales
//! script or email (1 to 3 variants, or the next version of a base).
//!
//! Answered `201` with the stored records, or, with `Accept: text/event-stream` or
//! `?stream=true`, as Server-Sent Events: `generate.token` (`{variant, index, delta}`: the
//! JSON as the model writes it), `generate.complete` (`{variant, pipeline_run_id, record}`)
//! per variant, or `error` (the envelope). A bad request, another organization's client,
//! product or base, or a base that is not the latest version, is answered before the stream
//! starts, as a plain error.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Query, UpdateStream};
use crate::rate_limit::GenerationBudget;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hellosales_app::generation::{
    Brief, GenerateEmail, GenerateScript, GeneratedDocument, GenerationUpdate,
};
use hellosales_domain::OrgContext;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Updates waiting to become events.
const UPDATES: usize = 64;

/// `?stream=true`: answer Server-Sent Events.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Stream the generation as Server-Sent Events (also with `Accept: text/event-stream`).
    #[serde(default)]
    pub stream: bool,
}

/// The stored records of a generation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Generated {
    /// One per variant, in order.
    pub items: Vec<GeneratedDocument>,
}

/// Writes a sales script for a client, a product or both.
#[utoipa::path(post, path = "/api/v1/scripts/generate", tag = "scripts",
    security(("bearer" = [])),
    params(StreamParams),
    request_body = GenerateScript,
    responses(
        (status = 201, description = "The stored script(s)", body = Generated),
        (status = 200, description = "`text/event-stream` (with `?stream=true` or \
            `Accept: text/event-stream`): generate.token…, generate.complete, or error",
            content_type = "text/event-stream", body = String),
        (status = 404, description = "The client, product or base is not the organization's",
            body = ErrorEnvelope),
        (status = 409, description = "The base already has a next version", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields, or instructions blocked by the guardrails",
            body = ErrorEnvelope),
        (status = 429, description = "Over the caller's generation budget \
            (RATE_LIMITED, with Retry-After)", body = ErrorEnvelope),
        (status = 502, description = "The model failed or its answer could not be read \
            (GENERATION_INVALID_OUTPUT)", body = ErrorEnvelope),
    ))]
pub async fn script(
    State(state): State<AppState>,
    caller: Authenticated,
    _budget: GenerationBudget,
    Query(params): Query<StreamParams>,
    headers: HeaderMap,
    Json(body): Json<GenerateScript>,
) -> Result<Response, ApiError> {
    let brief = body.validate()?;
    generate(state, caller.0, brief, streams(&params, &headers)).await
}

/// Writes a sales email for a client, a product or both.
#[utoipa::path(post, path = "/api/v1/emails/generate", tag = "emails",
    security(("bearer" = [])),
    params(StreamParams),
    request_body = GenerateEmail,
    responses(
        (status = 201, description = "The stored email(s)", body = Generated),
        (status = 200, description = "`text/event-stream` (with `?stream=true` or \
            `Accept: text/event-stream`): generate.token…, generate.complete, or error",
            content_type = "text/event-stream", body = String),
        (status = 404, description = "The client, product or base is not the organization's",
            body = ErrorEnvelope),
        (status = 409, description = "The base already has a next version", body = ErrorEnvelope),
        (status = 422, description = "Invalid fields, or instructions blocked by the guardrails",
            body = ErrorEnvelope),
        (status = 429, description = "Over the caller's generation budget \
            (RATE_LIMITED, with Retry-After)", body = ErrorEnvelope),
        (status = 502, description = "The model failed or its answer could not be read \
            (GENERATION_INVALID_OUTPUT)", body = ErrorEnvelope),
    ))]
pub async fn email(
    State(state): State<AppState>,
    caller: Authenticated,
    _budget: GenerationBudget,
    Query(params): Query<StreamParams>,
    headers: HeaderMap,
    Json(body): Json<GenerateEmail>,
) -> Result<Response, ApiError> {
    let brief = body.validate()?;
    generate(state, caller.0, brief, streams(&params, &headers)).await
}

/// Whether the client asked for a stream.
fn streams(params: &StreamParams, headers: &HeaderMap) -> bool {
    params.stream
        || headers
            .get(header::ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/event-stream"))
}

async fn generate(
    state: AppState,
    caller: OrgContext,
    brief: Brief,
    stream: bool,
) -> Result<Response, ApiError> {
    let generation = state.generation().clone();
    let prepared = generation.prepare(&caller, brief).await?;
    if !stream {
        let items = generation
            .run(&caller, prepared, CancellationToken::new(), None)
            .await?;
        return Ok((StatusCode::CREATED, Json(Generated { items })).into_response());
    }
    let token = CancellationToken::new();
    let (updates, received) = mpsc::channel::<GenerationUpdate>(UPDATES);
    let request_id = caller.request_id.clone();
    let turn = tokio::spawn({
        let token = token.clone();
        async move {
            generation
                .run(&caller, prepared, token, Some(updates))
                .await
        }
    });
    Ok(UpdateStream::new(received, turn, token, request_id)
        .into_response()
        .into_response())
}
