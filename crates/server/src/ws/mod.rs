//! The WebSocket endpoint `/ws`: the upgrade, its size limits, and the connection protocol
//! ([`frames`] for what is sent, [`connection`] for how a connection runs).

mod connection;
pub mod frames;

use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use std::time::Duration;

/// How many times the frame limit the socket itself still reads (larger frames close it).
const HARD_LIMIT_FACTOR: usize = 4;

/// `GET /ws`: upgrades to the chat protocol.
pub async fn upgrade(State(state): State<AppState>, upgrade: WebSocketUpgrade) -> Response {
    let config = state.config();
    let max_frame_bytes = usize::try_from(config.ws_max_frame_bytes).unwrap_or(usize::MAX);
    let limits = connection::Limits {
        max_frame_bytes,
        auth_timeout: Duration::from_millis(config.ws_auth_timeout_ms),
    };
    let hard_limit = max_frame_bytes.saturating_mul(HARD_LIMIT_FACTOR);
    upgrade
        .max_message_size(hard_limit)
        .max_frame_size(hard_limit)
        .on_upgrade(move |socket| connection::serve(socket, state, limits))
}
