//! `/api/v1/sessions`: the caller's sessions and their interactions, and
//! `POST /api/v1/sessions/{id}/messages`, a chat turn answered as Server-Sent Events for
//! clients without WebSocket.
//!
//! The event stream carries the WebSocket frames' types and payloads: `chat.ack`, then
//! `chat.token` events, then one of `chat.complete`, `chat.blocked`, `chat.cancelled` or
//! `error` (the error envelope). An unknown or ended session, or a bad body, is answered before
//! the stream starts, as a plain error response. A client that disconnects cancels the turn.

use crate::http::{ApiError, Authenticated, ErrorEnvelope, Json, Path, Query, UpdateStream};
use crate::rate_limit::ChatBudget;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, Sse};
use futures::Stream;
use hellosales_app::chat::ChatInput;
use hellosales_domain::content::{Page, PageParams};
use hellosales_domain::sessions::{Interaction, Session, SessionState, SessionType};
use hellosales_domain::{AppError, SessionId};
use serde::Deserialize;
use std::convert::Infallible;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Chat updates waiting to become events, per turn.
const UPDATES: usize = 64;

/// The body of `POST /sessions`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct StartSession {
    /// What the session is for (default `chat`).
    #[serde(default)]
    pub session_type: Option<SessionType>,
    /// Free-form metadata (an object, at most 16 KiB of JSON).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// The body of `POST /sessions/{id}/messages`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"content": "How do I open a cold call to a CFO?", "message_id": "m-1"}))]
pub struct SendMessage {
    /// The message.
    pub content: String,
    /// The client's id of the message: sending it again replays the stored answer.
    #[serde(default)]
    pub message_id: Option<String>,
}

/// The caller's sessions, newest first.
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "One page", body = Page<Session>),
        (status = 422, description = "Bad paging", body = ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    caller: Authenticated,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<Session>>, ApiError> {
    Ok(Json(state.sessions().list(&caller, page).await?))
}

/// Starts a session.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions", security(("bearer" = [])),
    request_body = StartSession,
    responses(
        (status = 201, description = "Started", body = Session),
        (status = 422, description = "Invalid fields", body = ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    caller: Authenticated,
    Json(body): Json<StartSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    let session = state
        .sessions()
        .start(&caller, body.session_type, body.metadata)
        .await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// One session: state, counts, cost.
#[utoipa::path(get, path = "/api/v1/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = SessionId, Path, description = "The session")),
    responses(
        (status = 200, description = "The session", body = Session),
        (status = 404, description = "Not the caller's", body = ErrorEnvelope),
    ))]
pub async fn get(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<SessionId>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(state.sessions().get(&caller, id).await?))
}

/// A session's interactions, by sequence number.
#[utoipa::path(get, path = "/api/v1/sessions/{id}/interactions", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path, description = "The session"), PageParams),
    responses(
        (status = 200, description = "One page", body = Page<Interaction>),
        (status = 404, description = "Not the caller's", body = ErrorEnvelope),
        (status = 422, description = "Bad paging", body = ErrorEnvelope),
    ))]
pub async fn interactions(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<SessionId>,
    Query(page): Query<PageParams>,
) -> Result<Json<Page<Interaction>>, ApiError> {
    Ok(Json(
        state.sessions().interactions(&caller, id, page).await?,
    ))
}

/// Ends a session (ending an ended session changes nothing).
#[utoipa::path(post, path = "/api/v1/sessions/{id}/end", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path, description = "The session")),
    responses(
        (status = 200, description = "The ended session", body = Session),
        (status = 404, description = "Not the caller's", body = ErrorEnvelope),
    ))]
pub async fn end(
    State(state): State<AppState>,
    caller: Authenticated,
    Path(id): Path<SessionId>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(state.sessions().end(&caller, id).await?))
}

/// Sends a message and streams the answer as Server-Sent Events.
#[utoipa::path(post, path = "/api/v1/sessions/{id}/messages", tag = "sessions",
    security(("bearer" = [])),
    params(("id" = SessionId, Path, description = "The session")),
    request_body = SendMessage,
    responses(
        (status = 200, description = "`text/event-stream`: chat.ack, chat.token…, then \
            chat.complete, chat.blocked, chat.cancelled or error", content_type = "text/event-stream",
            body = String),
        (status = 404, description = "Not the caller's", body = ErrorEnvelope),
        (status = 409, description = "The session has ended", body = ErrorEnvelope),
        (status = 422, description = "Invalid message_id", body = ErrorEnvelope),
        (status = 429, description = "Over the caller's chat budget (RATE_LIMITED, with \
            Retry-After); the message is not stored", body = ErrorEnvelope),
    ))]
pub async fn send_message(
    State(state): State<AppState>,
    caller: Authenticated,
    _budget: ChatBudget,
    Path(id): Path<SessionId>,
    Json(body): Json<SendMessage>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let message_id = hellosales_domain::sessions::parse_message_id(body.message_id)?
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    let session = state.sessions().get(&caller, id).await?;
    if session.state == SessionState::Ended {
        return Err(AppError::InvalidState {
            message: "the session has ended".to_owned(),
        }
        .into());
    }
    let caller = caller.0;
    let input = ChatInput {
        session_id: Some(id),
        content: body.content,
        message_id: Some(message_id.clone()),
    };
    let token = CancellationToken::new();
    let (updates, received) = mpsc::channel(UPDATES);
    let chat = state.chat().clone();
    let request_id = caller.request_id.clone();
    let turn = tokio::spawn({
        let token = token.clone();
        async move { chat.send(&caller, input, token, updates).await }
    });
    Ok(UpdateStream::new(received, turn, token, request_id)
        .with_error_context("message_id", message_id)
        .into_response())
}
