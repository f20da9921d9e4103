//! A WebSocket client for the tests: connects to a `TestApp`'s `/ws`, sends frames and reads
//! them back as JSON.

use crate::helpers::TestApp;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for a frame before it fails (a hang guard, not a timing assertion).
const FRAME_WAIT: Duration = Duration::from_secs(30);

pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl WsClient {
    /// A connected, not yet authenticated client.
    pub async fn connect(app: &TestApp) -> Self {
        let url = format!("ws://{}/ws", app.addr);
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        Self { socket }
    }

    /// A client authenticated with `token`; answers it with the `auth.success` payload.
    pub async fn authenticated(app: &TestApp, token: &str) -> (Self, Value) {
        let mut client = Self::connect(app).await;
        client
            .send("auth", json!({ "token": token, "platform": "web" }))
            .await;
        let frame = client.recv().await;
        assert_eq!(frame["type"], "auth.success", "{frame}");
        (client, frame["payload"].clone())
    }

    pub async fn send(&mut self, kind: &str, payload: Value) {
        self.send_text(json!({ "type": kind, "payload": payload }).to_string())
            .await;
    }

    pub async fn send_text(&mut self, text: String) {
        self.socket
            .send(Message::Text(text.into()))
            .await
            .expect("send");
    }

    /// The next text frame, as JSON.
    pub async fn recv(&mut self) -> Value {
        self.next_frame().await.expect("a frame, not the end")
    }

    /// The next text frame; `None` when the server closed the socket.
    pub async fn next_frame(&mut self) -> Option<Value> {
        loop {
            let message = tokio::time::timeout(FRAME_WAIT, self.socket.next())
                .await
                .expect("a frame in time");
            match message {
                Some(Ok(Message::Text(text))) => {
                    return Some(serde_json::from_str(&text).expect("a JSON frame"));
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Frames up to and including the first of type `last` (or an `error`).
    pub async fn until(&mut self, last: &str) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            let done = frame["type"] == last || frame["type"] == "error";
            frames.push(frame);
            if done {
                return frames;
            }
        }
    }

    /// Sends a chat and reads its frames up to its end (complete, blocked, cancelled or error).
    pub async fn chat(&mut self, content: &str, message_id: &str) -> Vec<Value> {
        self.send(
            "chat",
            json!({ "content": content, "message_id": message_id }),
        )
        .await;
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            let kind = frame["type"].as_str().unwrap_or_default().to_owned();
            frames.push(frame);
            if matches!(
                kind.as_str(),
                "chat.complete" | "chat.blocked" | "chat.cancelled" | "error"
            ) {
                return frames;
            }
        }
    }
}

/// The types of `frames`, in order.
pub fn kinds(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .map(|frame| frame["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The frame of type `kind` in `frames`.
pub fn frame<'a>(frames: &'a [Value], kind: &str) -> &'a Value {
    frames
        .iter()
        .find(|frame| frame["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} frame in {frames:?}"))
}
