//! The WebSocket endpoint `/ws`: the upgrade, its size limits, the connection protocol
//! ([`frames`] for what is sent, [`connection`] for how a connection runs), and [`Sockets`],
//! which lets a stopping server drain its connections.

mod connection;
pub mod frames;

use crate::state::AppState;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::response::Response;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// The open WebSocket connections of a server, so that stopping can drain them: each stops
/// reading, lets its running chats finish (within [`connection::DRAIN_TIMEOUT`]), and closes
/// with 1001 (going away). Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Sockets {
    stopping: CancellationToken,
    connections: TaskTracker,
}

impl Sockets {
    /// Tells every connection to drain and close; new upgrades are refused from now on.
    pub fn stop(&self) {
        self.stopping.cancel();
        self.connections.close();
    }

    /// Waits until every connection has closed, for at most `limit`; answers whether they
    /// all did.
    pub async fn closed(&self, limit: Duration) -> bool {
        tokio::time::timeout(limit, self.connections.wait())
            .await
            .is_ok()
    }

    /// How many connections are open.
    #[must_use]
    pub fn open(&self) -> usize {
        self.connections.len()
    }
}

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
        .on_upgrade(move |socket| {
            let sockets = state.sockets().clone();
            let stopping = sockets.stopping.clone();
            // Tracked, so that a stopping server waits for the connection to drain.
            sockets
                .connections
                .track_future(connection::serve(socket, state, limits, stopping))
        })
}
