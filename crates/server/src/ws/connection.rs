//! One WebSocket connection, from the handshake to the close.
//!
//! * The first frame must be `auth`, within `WS_AUTH_TIMEOUT_MS` (default 10 s): a valid token
//!   answers `auth.success`; anything else answers `auth.error` and closes the socket (close
//!   code 1008).
//! * Then frames are read one at a time. Session frames are answered in order. A `chat` runs in
//!   a task of its own, so that the connection keeps reading (`chat.cancel`, `ping`, another
//!   `chat`) while the answer streams; turns of one session still run one at a time (the chat
//!   service queues them).
//! * `generate.script` / `generate.email` run the same way, answered by `generate.token` and
//!   `generate.complete` frames carrying the request's `message_id` (or `error`).
//! * `voice.start` opens a recording (one per connection; `STT_NOT_CONFIGURED` when the
//!   server has no speech-to-text), answered `status.update` `{stage: "listening"}`; each
//!   `voice.chunk` adds its base64 audio within the limits (over them, the recording is
//!   dropped with `PAYLOAD_TOO_LARGE` or `AUDIO_TOO_LONG`); `voice.end` runs the voice turn in a
//!   task of its own, like a chat; `voice.cancel` drops an open recording or cancels the
//!   running turn (answered `voice.cancelled`).
//! * A `chat` or `generate.*` frame over the user's chat or generation budget
//!   ([`crate::rate_limit`]) answers an `error` frame (`RATE_LIMITED`, retryable, with
//!   `retry_after` in seconds) before anything is stored or started; the connection stays open.
//! * A frame that is not JSON, of an unknown type, with a bad payload, or larger than
//!   `WS_MAX_FRAME_BYTES` answers an `error` frame and the connection stays open. Frames four
//!   times over the limit are refused by the socket itself, which then closes (1009).
//! * One writer task owns the socket's sending half; everything else sends it frames through a
//!   bounded channel, so a slow client slows its own chats, no one else's.
//! * When the client goes away, its running chats are cancelled (their runs are recorded as
//!   cancelled; the user's messages are already stored).
//! * When the server stops, the connection stops reading, lets its running chats finish
//!   (within [`DRAIN_TIMEOUT`], then cancels them) and closes with 1001 (going away).

use super::frames::{
    AuthSuccess, ChatPayload, ClientFrame, OptionalSessionRef, ServerFrame, SessionFrame,
    SessionResumed, SessionStartPayload, VoiceCancelPayload, VoiceStartPayload,
};
use crate::http::event_stream::NamedUpdate;
use crate::http::{RequestId, log_error};
use crate::rate_limit::Budget;
use crate::state::AppState;
use crate::telemetry::prometheus::WS_CONNECTIONS;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use hellosales_app::chat::{ChatInput, ChatUpdate};
use hellosales_app::generation::{Brief, GenerationUpdate};
use hellosales_app::voice::{VoiceCancelled, VoiceRecording, VoiceStart, VoiceStatus, VoiceUpdate};
use hellosales_domain::{AppError, AppResult, OrgContext, SessionId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Frames waiting for the writer, per connection.
const OUTBOX: usize = 256;
/// Chat updates waiting to become frames, per chat.
const CHAT_UPDATES: usize = 64;
/// How long a stopping server lets a connection's running chats finish.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// The limits of a connection.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest frame handled; larger ones answer `PAYLOAD_TOO_LARGE`.
    pub max_frame_bytes: usize,
    /// How long the client may take to authenticate.
    pub auth_timeout: Duration,
}

/// The chats running on a connection, by message id.
type Running = Arc<Mutex<HashMap<String, CancellationToken>>>;

/// Counts the open connections in the `ws_connections` gauge.
struct Connected;

impl Connected {
    fn open() -> Self {
        metrics::gauge!(WS_CONNECTIONS).increment(1.0);
        Self
    }
}

impl Drop for Connected {
    fn drop(&mut self) {
        metrics::gauge!(WS_CONNECTIONS).decrement(1.0);
    }
}

/// Serves `socket` until it closes, or until `stopping` fires (the server is stopping).
pub async fn serve(
    socket: WebSocket,
    state: AppState,
    limits: Limits,
    stopping: CancellationToken,
) {
    let _connected = Connected::open();
    let (sink, mut stream) = socket.split();
    let (outbox, frames) = mpsc::channel(OUTBOX);
    let writer = tokio::spawn(write_frames(sink, frames));
    let connection_id = RequestId::generate().0;

    let Some(caller) = authenticate(&mut stream, &state, &outbox, &connection_id, limits).await
    else {
        drop(outbox);
        // The writer sends what is queued (the auth error, the close) and ends.
        let _ = writer.await;
        return;
    };
    tracing::debug!(
        user.id = %caller.user_id,
        org.id = %caller.org_id,
        connection_id = %connection_id,
        "websocket authenticated"
    );
    let mut connection = Connection {
        state,
        caller,
        outbox,
        session: None,
        running: Running::default(),
        chats: JoinSet::new(),
        limits,
        recording: None,
        last_voice: None,
    };
    connection
        .send(ServerFrame::new(
            "auth.success",
            AuthSuccess {
                user_id: connection.caller.user_id.to_string(),
                session_id: None,
                org_id: connection.caller.org_id.to_string(),
            },
        ))
        .await;

    loop {
        let message = tokio::select! {
            message = stream.next() => message,
            () = stopping.cancelled() => {
                connection.drain().await;
                break;
            }
        };
        let Some(message) = message else { break };
        // Reaps the chats that ended, so that a long connection holds only running ones.
        while connection.chats.try_join_next().is_some() {}
        match message {
            Ok(Message::Text(text)) => connection.on_text(&text).await,
            Ok(Message::Binary(_)) => {
                connection
                    .send_error(
                        &AppError::bad_request("binary frames are not supported; send JSON text"),
                        None,
                    )
                    .await;
            }
            // Pings are answered by the socket itself; pongs need nothing.
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            Ok(Message::Close(_)) | Err(_) => break,
        }
    }
    connection.close().await;
    drop(connection);
    let _ = writer.await;
}

/// Sends the frames of `frames` until every sender is gone or the socket fails.
async fn write_frames(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Message>,
) {
    while let Some(frame) = frames.recv().await {
        let closing = matches!(frame, Message::Close(_));
        if sink.send(frame).await.is_err() || closing {
            break;
        }
    }
    let _ = sink.close().await;
}

/// Reads the `auth` frame and resolves the caller; on failure answers `auth.error` and queues
/// the close.
async fn authenticate(
    stream: &mut SplitStream<WebSocket>,
    state: &AppState,
    outbox: &mpsc::Sender<Message>,
    connection_id: &str,
    limits: Limits,
) -> Option<OrgContext> {
    let refused = |error: AppError| async move {
        let frame = ServerFrame::error("auth.error", &error, connection_id, None);
        let _ = outbox.send(text(&frame)).await;
        let _ = outbox
            .send(Message::Close(Some(CloseFrame {
                code: close_code::POLICY,
                reason: Utf8Bytes::from_static("authentication failed"),
            })))
            .await;
        None
    };
    let first = loop {
        match tokio::time::timeout(limits.auth_timeout, stream.next()).await {
            Err(_) => {
                return refused(AppError::unauthorized(format!(
                    "no auth frame within {} ms of connecting",
                    limits.auth_timeout.as_millis()
                )))
                .await;
            }
            Ok(Some(Ok(Message::Text(text)))) => break text,
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            Ok(Some(Ok(Message::Binary(_)))) => {
                return refused(AppError::unauthorized("the first frame must be `auth`")).await;
            }
            Ok(None | Some(Ok(Message::Close(_)) | Err(_))) => return None,
        }
    };
    if first.len() > limits.max_frame_bytes {
        return refused(AppError::PayloadTooLarge {
            limit_bytes: limits.max_frame_bytes as u64,
        })
        .await;
    }
    let auth = match ClientFrame::parse(&first) {
        Ok(ClientFrame::Auth(auth)) => auth,
        Ok(_) => return refused(AppError::unauthorized("the first frame must be `auth`")).await,
        Err(error) => return refused(error).await,
    };
    match state
        .authenticate(&auth.token, connection_id.to_owned())
        .await
    {
        Ok(caller) => Some(caller),
        Err(error) => refused(error).await,
    }
}

/// The state of an authenticated connection.
struct Connection {
    state: AppState,
    caller: OrgContext,
    outbox: mpsc::Sender<Message>,
    /// The session chats go to when they name none.
    session: Option<SessionId>,
    running: Running,
    /// The chat tasks, awaited before the connection ends so that every run is recorded.
    chats: JoinSet<()>,
    limits: Limits,
    /// The voice turn being recorded (between `voice.start` and `voice.end`).
    recording: Option<OpenRecording>,
    /// The message id of the last voice turn started, for a `voice.cancel` that names none.
    last_voice: Option<String>,
}

/// A voice turn being recorded, and the message id it will run under.
struct OpenRecording {
    recording: VoiceRecording,
    message_id: String,
}

impl Connection {
    async fn send(&self, frame: ServerFrame) {
        // A closed outbox means the socket is gone; the read loop ends on its own.
        let _ = self.outbox.send(text(&frame)).await;
    }

    async fn send_error(&self, error: &AppError, message_id: Option<&str>) {
        log_error(error);
        self.send(ServerFrame::error(
            "error",
            error,
            &self.caller.request_id,
            message_id,
        ))
        .await;
    }

    async fn on_text(&mut self, text: &str) {
        if text.len() > self.limits.max_frame_bytes {
            let error = AppError::PayloadTooLarge {
                limit_bytes: self.limits.max_frame_bytes as u64,
            };
            return self.send_error(&error, None).await;
        }
        let frame = match ClientFrame::parse(text) {
            Ok(frame) => frame,
            Err(error) => return self.send_error(&error, None).await,
        };
        let outcome = match frame {
            ClientFrame::Auth(_) => Err(AppError::InvalidState {
                message: "this connection is already authenticated".to_owned(),
            }),
            ClientFrame::Ping(payload) => {
                self.send(ServerFrame::new("pong", payload)).await;
                Ok(())
            }
            ClientFrame::SessionStart(payload) => self.start_session(payload).await,
            ClientFrame::SessionResume(reference) => {
                self.resume_session(reference.session_id).await
            }
            ClientFrame::SessionEnd(reference) => self.end_session(reference).await,
            ClientFrame::Chat(payload) => {
                if let Err(error) = self.spend(Budget::Chat).await {
                    return self.send_error(&error, payload.message_id.as_deref()).await;
                }
                self.chat(payload).await
            }
            ClientFrame::GenerateScript(frame) => {
                if let Err(error) = self.spend(Budget::Generations).await {
                    return self.send_error(&error, frame.message_id.as_deref()).await;
                }
                match frame.request.validate() {
                    Ok(brief) => self.generate(brief, frame.message_id),
                    Err(error) => Err(error),
                }
            }
            ClientFrame::GenerateEmail(frame) => {
                if let Err(error) = self.spend(Budget::Generations).await {
                    return self.send_error(&error, frame.message_id.as_deref()).await;
                }
                match frame.request.validate() {
                    Ok(brief) => self.generate(brief, frame.message_id),
                    Err(error) => Err(error),
                }
            }
            ClientFrame::VoiceStart(payload) => {
                let message_id = payload.message_id.clone();
                let started = match self.spend(Budget::Chat).await {
                    Ok(()) => self.voice_start(payload).await,
                    Err(error) => Err(error),
                };
                if let Err(error) = started {
                    return self.send_error(&error, message_id.as_deref()).await;
                }
                Ok(())
            }
            ClientFrame::VoiceChunk(chunk) => self.voice_chunk(&chunk.data).await,
            ClientFrame::VoiceEnd => self.voice_end(),
            ClientFrame::VoiceCancel(cancel) => self.voice_cancel(cancel).await,
            ClientFrame::ChatCancel(cancel) => {
                let token = self
                    .running
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(&cancel.message_id)
                    .cloned();
                match token {
                    Some(token) => {
                        token.cancel();
                        Ok(())
                    }
                    None => Err(AppError::InvalidState {
                        message: format!("no chat {} is running", cancel.message_id),
                    }),
                }
            }
        };
        if let Err(error) = outcome {
            self.send_error(&error, None).await;
        }
    }

    /// Spends one token of the caller's `budget`; over it, the `RATE_LIMITED` error.
    async fn spend(&self, budget: Budget) -> Result<(), AppError> {
        self.state
            .rate_limits()
            .spend(budget, &self.caller)
            .await
            .map(|_| ())
            .map_err(|limited| limited.error())
    }

    async fn start_session(&mut self, payload: SessionStartPayload) -> Result<(), AppError> {
        let session = self
            .state
            .sessions()
            .start(&self.caller, payload.session_type, payload.metadata)
            .await?;
        self.session = Some(session.id);
        self.send(ServerFrame::new(
            "session.started",
            SessionFrame {
                session_id: session.id,
            },
        ))
        .await;
        Ok(())
    }

    async fn resume_session(&mut self, id: SessionId) -> Result<(), AppError> {
        let (session, interactions) = self.state.sessions().resume(&self.caller, id).await?;
        self.session = Some(session.id);
        self.send(ServerFrame::new(
            "session.resumed",
            SessionResumed {
                session_id: session.id,
                interactions,
            },
        ))
        .await;
        Ok(())
    }

    async fn end_session(&mut self, reference: OptionalSessionRef) -> Result<(), AppError> {
        let id = reference
            .session_id
            .or(self.session)
            .ok_or_else(|| AppError::InvalidState {
                message: "no session to end: start or resume one, or name it".to_owned(),
            })?;
        let session = self.state.sessions().end(&self.caller, id).await?;
        if self.session == Some(session.id) {
            self.session = None;
        }
        self.send(ServerFrame::new(
            "session.ended",
            SessionFrame {
                session_id: session.id,
            },
        ))
        .await;
        Ok(())
    }

    /// Starts a chat turn in a task of its own.
    async fn chat(&mut self, payload: ChatPayload) -> Result<(), AppError> {
        let message_id = hellosales_domain::sessions::parse_message_id(payload.message_id)?
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let session = self.current_session(payload.session_id).await?;
        let token = self.register(&message_id)?;
        let mut caller = self.caller.clone();
        // Each turn is a request of its own, for the run and its provider calls.
        caller.request_id = RequestId::generate().0;
        let input = ChatInput {
            session_id: Some(session),
            content: payload.content,
            message_id: Some(message_id.clone()),
        };
        self.chats.spawn(chat_turn(
            self.state.clone(),
            caller,
            input,
            token,
            self.outbox.clone(),
            Arc::clone(&self.running),
        ));
        Ok(())
    }

    /// Opens a voice recording.
    async fn voice_start(&mut self, payload: VoiceStartPayload) -> Result<(), AppError> {
        let voice = self
            .state
            .voice()
            .cloned()
            .ok_or(AppError::SttNotConfigured)?;
        if self.recording.is_some() {
            return Err(AppError::InvalidState {
                message: "a voice recording is already open: send voice.end or voice.cancel"
                    .to_owned(),
            });
        }
        let message_id = hellosales_domain::sessions::parse_message_id(payload.message_id)?
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let session = self.current_session(payload.session_id).await?;
        let start = VoiceStart {
            session_id: Some(session),
            format: payload.format,
            sample_rate: payload.sample_rate,
            language: payload.language,
            message_id: Some(message_id.clone()),
        };
        let recording = voice.start(&self.caller, start).await?;
        self.recording = Some(OpenRecording {
            recording,
            message_id: message_id.clone(),
        });
        self.last_voice = Some(message_id.clone());
        let mut frame = ServerFrame::new("status.update", VoiceStatus { stage: "listening" });
        if let serde_json::Value::Object(payload) = &mut frame.payload {
            payload.insert("message_id".to_owned(), message_id.into());
            payload.insert("sessionId".to_owned(), session.to_string().into());
        }
        self.send(frame).await;
        Ok(())
    }

    /// Adds a chunk to the open recording; one over the limits drops the recording.
    async fn voice_chunk(&mut self, data: &str) -> Result<(), AppError> {
        use base64::Engine as _;
        let Some(open) = self.recording.as_mut() else {
            return Err(AppError::InvalidState {
                message: "no voice recording is open: send voice.start first".to_owned(),
            });
        };
        let audio = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|error| {
                AppError::bad_request(format!("voice.chunk data is not base64: {error}"))
            })?;
        if let Err(error) = open.recording.push(audio).await {
            let message_id = open.message_id.clone();
            self.recording = None;
            self.send_error(&error, Some(&message_id)).await;
        }
        Ok(())
    }

    /// Ends the open recording and answers it in a task of its own.
    fn voice_end(&mut self) -> Result<(), AppError> {
        let open = self
            .recording
            .take()
            .ok_or_else(|| AppError::InvalidState {
                message: "no voice recording is open: send voice.start first".to_owned(),
            })?;
        let voice = self
            .state
            .voice()
            .cloned()
            .ok_or(AppError::SttNotConfigured)?;
        let token = self.register(&open.message_id)?;
        let mut caller = self.caller.clone();
        caller.request_id = RequestId::generate().0;
        let outbox = self.outbox.clone();
        let running = Arc::clone(&self.running);
        self.chats.spawn(async move {
            let (updates, received) = mpsc::channel::<VoiceUpdate>(CHAT_UPDATES);
            let turn = voice.turn(&caller, open.recording, token, updates);
            relay(
                turn,
                received,
                &caller,
                open.message_id,
                true,
                outbox,
                running,
            )
            .await;
        });
        Ok(())
    }

    /// Drops the open recording, or cancels a running voice turn.
    async fn voice_cancel(&mut self, cancel: VoiceCancelPayload) -> Result<(), AppError> {
        let message_id = cancel.message_id.or_else(|| self.last_voice.clone());
        if let Some(open) = self
            .recording
            .take_if(|open| message_id.as_deref().is_none_or(|id| id == open.message_id))
        {
            self.send(ServerFrame::new(
                "voice.cancelled",
                VoiceCancelled {
                    message_id: open.message_id,
                    pipeline_run_id: None,
                },
            ))
            .await;
            return Ok(());
        }
        let token = message_id.as_ref().and_then(|id| {
            self.running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(id)
                .cloned()
        });
        match token {
            Some(token) => {
                token.cancel();
                Ok(())
            }
            None => Err(AppError::InvalidState {
                message: "no voice turn is recording or running".to_owned(),
            }),
        }
    }

    /// The session a turn goes to: the one named, else the connection's, else a new one
    /// (announced with `session.started`). It becomes the connection's session.
    async fn current_session(&mut self, named: Option<SessionId>) -> Result<SessionId, AppError> {
        let session = match named.or(self.session) {
            Some(session) => session,
            None => {
                let session = self
                    .state
                    .sessions()
                    .start(&self.caller, None, None)
                    .await?;
                self.send(ServerFrame::new(
                    "session.started",
                    SessionFrame {
                        session_id: session.id,
                    },
                ))
                .await;
                session.id
            }
        };
        self.session = Some(session);
        Ok(session)
    }

    /// Starts a generation in a task of its own.
    fn generate(&mut self, brief: Brief, message_id: Option<String>) -> Result<(), AppError> {
        let message_id = hellosales_domain::sessions::parse_message_id(message_id)?
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let token = self.register(&message_id)?;
        let mut caller = self.caller.clone();
        caller.request_id = RequestId::generate().0;
        self.chats.spawn(generation_turn(
            self.state.clone(),
            caller,
            brief,
            message_id,
            token,
            self.outbox.clone(),
            Arc::clone(&self.running),
        ));
        Ok(())
    }

    /// Registers a running chat or generation under `message_id`, for `chat.cancel`.
    fn register(&self, message_id: &str) -> Result<CancellationToken, AppError> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.contains_key(message_id) {
            return Err(AppError::Conflict {
                message: format!("{message_id} is already running on this connection"),
            });
        }
        let token = CancellationToken::new();
        running.insert(message_id.to_owned(), token.clone());
        Ok(token)
    }

    /// Cancels the chats still running and waits for them to record their runs.
    async fn close(&mut self) {
        self.cancel_all();
        while self.chats.join_next().await.is_some() {}
    }

    /// Lets the running chats finish (cancelling those that outlast [`DRAIN_TIMEOUT`]), then
    /// says goodbye: close code 1001.
    async fn drain(&mut self) {
        let finished = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while self.chats.join_next().await.is_some() {}
        })
        .await;
        if finished.is_err() {
            self.close().await;
        }
        let _ = self
            .outbox
            .send(Message::Close(Some(CloseFrame {
                code: close_code::AWAY,
                reason: Utf8Bytes::from_static("the server is stopping"),
            })))
            .await;
    }

    fn cancel_all(&self) {
        for token in self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
        {
            token.cancel();
        }
    }
}

/// Runs one chat turn and sends its updates as frames; its error, if any, as an `error` frame
/// carrying the message id.
async fn chat_turn(
    state: AppState,
    caller: OrgContext,
    input: ChatInput,
    token: CancellationToken,
    outbox: mpsc::Sender<Message>,
    running: Running,
) {
    let message_id = input.message_id.clone().unwrap_or_default();
    let (updates, received) = mpsc::channel::<ChatUpdate>(CHAT_UPDATES);
    let chat = state.chat().clone();
    // Chat updates carry their message id already.
    let turn = chat.send(&caller, input, token, updates);
    relay(turn, received, &caller, message_id, false, outbox, running).await;
}

/// Runs one generation and sends its updates as frames carrying `message_id`; its error, if
/// any, as an `error` frame.
async fn generation_turn(
    state: AppState,
    caller: OrgContext,
    brief: Brief,
    message_id: String,
    token: CancellationToken,
    outbox: mpsc::Sender<Message>,
    running: Running,
) {
    let (updates, received) = mpsc::channel::<GenerationUpdate>(CHAT_UPDATES);
    let generation = state.generation().clone();
    let turn = generation.generate(&caller, brief, token, Some(updates));
    relay(turn, received, &caller, message_id, true, outbox, running).await;
}

/// Drives `turn` while sending the updates it produces as frames (with `message_id` added to
/// their payload when `tag`), then its error as an `error` frame; finally forgets the running
/// `message_id`. When the socket is gone, dropping the receiver tells the turn to stop.
async fn relay<U: NamedUpdate, R>(
    turn: impl Future<Output = AppResult<R>>,
    mut received: mpsc::Receiver<U>,
    caller: &OrgContext,
    message_id: String,
    tag: bool,
    outbox: mpsc::Sender<Message>,
    running: Running,
) {
    let frames = outbox.clone();
    let id = message_id.clone();
    let forward = async move {
        while let Some(update) = received.recv().await {
            let mut frame = ServerFrame::new(update.kind(), &update);
            if tag && let serde_json::Value::Object(payload) = &mut frame.payload {
                payload.insert("message_id".to_owned(), serde_json::Value::from(id.clone()));
            }
            if frames.send(text(&frame)).await.is_err() {
                break;
            }
        }
    };
    let (result, ()) = tokio::join!(Box::pin(turn), forward);
    if let Err(error) = result {
        log_error(&error);
        let frame = ServerFrame::error("error", &error, &caller.request_id, Some(&message_id));
        let _ = outbox.send(text(&frame)).await;
    }
    running
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(&message_id);
}

fn text(frame: &ServerFrame) -> Message {
    Message::Text(Utf8Bytes::from(frame.to_text()))
}
