//! A fake speech-to-text server for tests: one real HTTP server on `127.0.0.1` speaking three
//! wire formats, with scripted replies ([`SttReply`]) and every request recorded
//! ([`RecordedSttRequest`]).
//!
//! - Deepgram: `POST /v1/listen` (prerecorded: the raw audio in the body) and `GET /v1/listen`
//!   upgraded to a WebSocket (live: binary frames until `{"type":"CloseStream"}`, then one
//!   final `Results` message per scripted segment, a `Metadata` message and a close).
//! - OpenAI-compatible: `POST /v1/audio/transcriptions` (`multipart/form-data`).
//! - Google: `POST /v1/speech:recognize` (JSON, the audio in base64).
//!
//! Durations default to the playing time of the audio received when it is WAV or raw PCM (its
//! rate from the request), one second otherwise. [`sine_wav`] makes real test audio.

mod audio;
mod live;
mod multipart;
mod recorded;
mod render;
mod reply;

pub use audio::sine_wav;
pub use recorded::{MultipartField, RecordedSttRequest};
pub use reply::SttReply;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use render::Api;
use reply::{Spoken, SttBody};
use serde_json::Value;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::task::JoinHandle;

/// Largest request body the fake reads.
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// A running fake speech-to-text server; it stops when dropped.
#[derive(Debug)]
pub struct FakeSttServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    replies: Mutex<VecDeque<SttReply>>,
    default_reply: Mutex<SttReply>,
    requests: Mutex<Vec<RecordedSttRequest>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeSttServer {
    /// Starts a server on a free port of 127.0.0.1 whose default reply is
    /// `SttReply::transcript("hello from the fake")`.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    /// Starts a server on `addr` (port 0 for any free one), with the same default reply as
    /// [`start`](Self::start).
    ///
    /// # Errors
    /// When `addr` cannot be bound.
    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            replies: Mutex::new(VecDeque::new()),
            default_reply: Mutex::new(SttReply::transcript("hello from the fake")),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/listen", post(deepgram).get(live::deepgram_live))
            .route("/v1/audio/transcriptions", post(openai))
            .route("/v1/speech:recognize", post(google))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted; an accept error ends it.
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// The address the server listens on.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port`.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of the Deepgram API (below which is `/v1/listen`).
    #[must_use]
    pub fn deepgram_base_url(&self) -> String {
        self.base_url()
    }

    /// The base URL of the OpenAI-compatible API (`http://127.0.0.1:port/v1`, below which is
    /// `/audio/transcriptions`).
    #[must_use]
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL of the Google Speech-to-Text API (below which is `/v1/speech:recognize`).
    #[must_use]
    pub fn google_base_url(&self) -> String {
        self.base_url()
    }

    /// Queues a reply: requests are answered with the queued replies in order, then with the
    /// default reply.
    pub fn push(&self, reply: SttReply) {
        lock(&self.shared.replies).push_back(reply);
    }

    /// Sets the reply given when the queue is empty.
    pub fn set_default(&self, reply: SttReply) {
        *lock(&self.shared.default_reply) = reply;
    }

    /// Every request (and live session, with the frames received so far) in order of arrival.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedSttRequest> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for FakeSttServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    /// Records a request; its index, for a live session to add its frames.
    fn record(&self, request: RecordedSttRequest) -> usize {
        let mut requests = lock(&self.requests);
        requests.push(request);
        requests.len() - 1
    }

    fn update(&self, index: usize, change: impl FnOnce(&mut RecordedSttRequest)) {
        if let Some(request) = lock(&self.requests).get_mut(index) {
            change(request);
        }
    }

    fn audio_of(&self, index: usize) -> Vec<u8> {
        lock(&self.requests)
            .get(index)
            .map(RecordedSttRequest::audio)
            .unwrap_or_default()
    }

    fn next_reply(&self) -> SttReply {
        lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| lock(&self.default_reply).clone())
    }
}

fn parts(method: &Method, uri: &Uri, headers: &HeaderMap) -> RecordedSttRequest {
    RecordedSttRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect(),
        content_type: headers
            .get(header::CONTENT_TYPE)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned()),
        ..RecordedSttRequest::default()
    }
}

/// The rate of raw PCM sent to Deepgram (`encoding=linear16&sample_rate=…`).
fn deepgram_pcm_rate(request: &RecordedSttRequest) -> Option<u32> {
    (request.query_param("encoding")? == "linear16")
        .then(|| request.query_param("sample_rate")?.parse().ok())
        .flatten()
}

fn deepgram_model(request: &RecordedSttRequest, spoken: &Spoken) -> String {
    spoken
        .model
        .clone()
        .or_else(|| request.query_param("model"))
        .unwrap_or_else(|| "nova-2".to_owned())
}

fn error(api: Api, status: u16, message: &str, retry_after: Option<&str>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (code, axum::Json(api.error_body(status, message))).into_response();
    if let Some(value) = retry_after.and_then(|value| value.parse().ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

type Render = fn(&RecordedSttRequest, &Spoken) -> Result<Value, &'static str>;

/// Records an HTTP request and answers it with the next reply, rendered by `render` (whose
/// refusal is a 400).
async fn answer(shared: &Shared, request: Request, api: Api, render: Render) -> Response {
    let (head, body) = request.into_parts();
    let mut recorded = parts(&head.method, &head.uri, &head.headers);
    recorded.body = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map(|bytes| bytes.to_vec())
        .unwrap_or_default();
    if let Some(content_type) = recorded.content_type.as_deref() {
        recorded.fields = multipart::parse(content_type, &recorded.body);
    }
    shared.record(recorded.clone());
    let reply = shared.next_reply();
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let json = [(header::CONTENT_TYPE, "application/json")];
    match reply.body {
        SttBody::Error {
            status,
            message,
            retry_after,
        } => error(api, status, &message, retry_after.as_deref()),
        SttBody::InvalidJson => (json, "{not json").into_response(),
        SttBody::Nothing => (json, "").into_response(),
        SttBody::Spoken(spoken) => match render(&recorded, &spoken) {
            Ok(value) => axum::Json(value).into_response(),
            Err(message) => error(api, 400, message, None),
        },
    }
}

async fn deepgram(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    answer(&shared, request, Api::Deepgram, |recorded, spoken| {
        if recorded.body.is_empty() {
            return Err("no audio in the request body");
        }
        let audio_ms = audio::duration_ms(&recorded.body, deepgram_pcm_rate(recorded));
        let model = deepgram_model(recorded, spoken);
        Ok(render::deepgram_prerecorded(
            spoken,
            spoken.duration_ms(audio_ms),
            &model,
        ))
    })
    .await
}

async fn openai(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    answer(&shared, request, Api::OpenAi, |recorded, spoken| {
        let file = recorded.field("file").ok_or("file is required")?;
        if recorded
            .field("model")
            .and_then(MultipartField::text)
            .is_none()
        {
            return Err("model is required");
        }
        let verbose = recorded
            .field("response_format")
            .and_then(MultipartField::text)
            == Some("verbose_json");
        let duration_ms = spoken.duration_ms(audio::duration_ms(&file.data, None));
        Ok(render::openai(spoken, duration_ms, verbose))
    })
    .await
}

async fn google(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    answer(&shared, request, Api::Google, |recorded, spoken| {
        let body = recorded.json().ok_or("invalid JSON payload")?;
        let content = body
            .pointer("/audio/content")
            .and_then(Value::as_str)
            .ok_or("RecognitionAudio not set")?;
        let audio = base64::engine::general_purpose::STANDARD
            .decode(content)
            .map_err(|_| "invalid base64 audio content")?;
        let config = body.get("config").ok_or("RecognitionConfig not set")?;
        let rate = (config.get("encoding").and_then(Value::as_str) == Some("LINEAR16"))
            .then(|| config.get("sampleRateHertz")?.as_u64()?.try_into().ok())
            .flatten();
        let duration_ms = spoken.duration_ms(audio::duration_ms(&audio, rate));
        Ok(render::google(spoken, duration_ms))
    })
    .await
}
