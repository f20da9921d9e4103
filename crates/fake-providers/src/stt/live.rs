//! Deepgram's live endpoint in the fake: `GET /v1/listen` upgraded to a WebSocket that records
//! the audio frames until `{"type":"CloseStream"}`, then answers with the scripted reply.

use super::render::{self, Api};
use super::reply::{SttBody, SttReply};
use super::{RecordedSttRequest, Shared, audio, deepgram_model, deepgram_pcm_rate, error, parts};
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

pub(super) async fn deepgram_live(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let recorded = parts(&method, &uri, &headers);
    let index = shared.record(recorded.clone());
    let reply = shared.next_reply();
    if let SttBody::Error {
        status,
        message,
        retry_after,
    } = &reply.body
    {
        tokio::time::sleep(reply.delay).await;
        return error(Api::Deepgram, *status, message, retry_after.as_deref());
    }
    match upgrade {
        Ok(upgrade) => upgrade.on_upgrade(move |socket| async move {
            live_session(&shared, index, &recorded, reply, socket).await;
        }),
        Err(_) => error(Api::Deepgram, 400, "expected a WebSocket upgrade", None),
    }
}

/// Reads audio until `CloseStream`, then answers with the reply and closes.
async fn live_session(
    shared: &Shared,
    index: usize,
    recorded: &RecordedSttRequest,
    reply: SttReply,
    mut socket: WebSocket,
) {
    loop {
        match socket.recv().await {
            Some(Ok(Message::Binary(bytes))) => {
                shared.update(index, |request| request.audio_frames.push(bytes.to_vec()));
            }
            Some(Ok(Message::Text(text))) => {
                let kind = serde_json::from_str::<Value>(text.as_str())
                    .ok()
                    .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned));
                shared.update(index, |request| request.text_frames.push(text.to_string()));
                if kind.as_deref() == Some("CloseStream") {
                    break;
                }
            }
            Some(Ok(Message::Close(_)) | Err(_)) | None => return,
            Some(Ok(_)) => {}
        }
    }
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let messages = match reply.body {
        SttBody::Spoken(spoken) => {
            let audio = shared.audio_of(index);
            let audio_ms = audio::duration_ms(&audio, deepgram_pcm_rate(recorded));
            let model = deepgram_model(recorded, &spoken);
            render::deepgram_live(&spoken, spoken.duration_ms(audio_ms), &model)
                .iter()
                .map(Value::to_string)
                .collect()
        }
        SttBody::InvalidJson => vec!["{not json".to_owned()],
        SttBody::Nothing | SttBody::Error { .. } => Vec::new(),
    };
    for message in messages {
        if socket.send(Message::Text(message.into())).await.is_err() {
            return;
        }
    }
    let close = CloseFrame {
        code: close_code::NORMAL,
        reason: "".into(),
    };
    if socket.send(Message::Close(Some(close))).await.is_ok() {
        // Waits for the client's close, as the protocol asks, but not forever.
        let _ = tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(Ok(_)) = socket.recv().await {}
        })
        .await;
    }
}
