//! A fake text-to-speech server for tests: Google's `POST /v1/text:synthesize` and Gemini's
//! `POST /v1beta/models/{model}:generateContent` (audio out) on one port of `127.0.0.1`.
//!
//! The audio it answers is real: a 440 Hz 16-bit mono sine tone lasting
//! [`FakeTtsServer::tone_duration_ms`] of the text (50 ms per character by default, at least
//! 100 ms): a WAV for Google's `LINEAR16`, raw PCM at 24 kHz for Gemini (`audio/L16`). `MP3` and
//! `OGG_OPUS` get fixed, non-empty bytes. Replies are scripted with [`TtsReply`] (queued, then
//! the default) and every request is kept as a [`RecordedTtsRequest`].

mod audio;
mod reply;

pub use audio::{FAKE_MP3, FAKE_OGG_OPUS};
pub use reply::{RecordedTtsRequest, TtsReply};

use audio::{tone, wav};
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reply::respond;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::task::JoinHandle;

/// Milliseconds of tone per character of text, unless [`FakeTtsServer::set_ms_per_char`].
pub const TONE_MS_PER_CHAR: u32 = 50;
/// The shortest tone answered.
pub const MIN_TONE_MS: u32 = 100;
/// The sample rate of the tone when neither the request nor the reply sets one.
pub const TONE_SAMPLE_RATE: u32 = 24_000;

const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A running fake text-to-speech server; it stops when dropped.
#[derive(Debug)]
pub struct FakeTtsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    replies: Mutex<VecDeque<TtsReply>>,
    default_reply: Mutex<TtsReply>,
    requests: Mutex<Vec<RecordedTtsRequest>>,
    ms_per_char: AtomicU32,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeTtsServer {
    /// Starts a server on a free port of 127.0.0.1 whose default reply is [`TtsReply::ok`].
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            replies: Mutex::new(VecDeque::new()),
            default_reply: Mutex::new(TtsReply::ok()),
            requests: Mutex::new(Vec::new()),
            ms_per_char: AtomicU32::new(TONE_MS_PER_CHAR),
        });
        let app = Router::new()
            .route("/v1/text:synthesize", post(google))
            .route("/v1beta/models/{action}", post(gemini))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        // The server runs until the task is aborted; an accept error ends it.
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// The address the server listens on.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the Google API (`http://127.0.0.1:port`, below which is `/v1`).
    #[must_use]
    pub fn google_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The base URL of the Gemini API (`http://127.0.0.1:port`, below which is `/v1beta`).
    #[must_use]
    pub fn gemini_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a reply: requests are answered with the queued replies in order, then with the
    /// default reply.
    pub fn push(&self, reply: TtsReply) {
        lock(&self.shared.replies).push_back(reply);
    }

    /// Sets the reply given when the queue is empty.
    pub fn set_default(&self, reply: TtsReply) {
        *lock(&self.shared.default_reply) = reply;
    }

    /// Sets how many milliseconds of tone each character of text gets.
    pub fn set_ms_per_char(&self, ms: u32) {
        self.shared.ms_per_char.store(ms, Ordering::Relaxed);
    }

    /// How long the tone answered for `text` lasts, in milliseconds.
    #[must_use]
    pub fn tone_duration_ms(&self, text: &str) -> u32 {
        self.shared.tone_duration_ms(text)
    }

    /// Every request received so far, in order of arrival.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedTtsRequest> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for FakeTtsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    fn tone_duration_ms(&self, text: &str) -> u32 {
        let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
        chars
            .saturating_mul(self.ms_per_char.load(Ordering::Relaxed))
            .max(MIN_TONE_MS)
    }

    /// Records the request, waits the reply's delay and returns the reply with the body.
    async fn receive(
        &self,
        request: Request,
        text: fn(&Value) -> Option<String>,
    ) -> (TtsReply, RecordedTtsRequest) {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null);
        let recorded = RecordedTtsRequest {
            method: parts.method.to_string(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect(),
            text: text(&body),
            body,
        };
        lock(&self.requests).push(recorded.clone());
        let reply = lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| lock(&self.default_reply).clone());
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        (reply, recorded)
    }
}

async fn google(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let text = |body: &Value| body.pointer("/input/text")?.as_str().map(str::to_owned);
    let (reply, recorded) = shared.receive(request, text).await;
    respond(&reply, || {
        let text = recorded.text.as_deref().filter(|t| !t.is_empty());
        let text = text.ok_or((400, "input.text is required".to_owned()))?;
        let config = &recorded.body["audioConfig"];
        let asked_rate = config["sampleRateHertz"]
            .as_u64()
            .and_then(|r| u32::try_from(r).ok());
        let rate = reply.sample_rate.or(asked_rate).unwrap_or(TONE_SAMPLE_RATE);
        let audio = match config["audioEncoding"].as_str() {
            Some("LINEAR16") => wav(&tone(shared.tone_duration_ms(text), rate), rate),
            Some("MP3") => FAKE_MP3.to_vec(),
            Some("OGG_OPUS") => FAKE_OGG_OPUS.to_vec(),
            other => return Err((400, format!("unsupported audioEncoding {other:?}"))),
        };
        Ok(json!({"audioContent": STANDARD.encode(audio)}))
    })
}

async fn gemini(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let text = |body: &Value| {
        let parts = body.pointer("/contents")?.as_array()?.iter();
        let parts = parts
            .filter_map(|content| content["parts"].as_array())
            .flatten();
        Some(parts.filter_map(|part| part["text"].as_str()).collect())
    };
    let (reply, recorded) = shared.receive(request, text).await;
    respond(&reply, || {
        let action = recorded.path.rsplit('/').next().unwrap_or_default();
        let model = action.strip_suffix(":generateContent");
        let model = model.ok_or((404, "unknown Gemini method".to_owned()))?;
        let text = recorded.text.as_deref().filter(|t| !t.is_empty());
        let text = text.ok_or((400, "contents has no text".to_owned()))?;
        let rate = reply.sample_rate.unwrap_or(TONE_SAMPLE_RATE);
        let duration_ms = shared.tone_duration_ms(text);
        let prompt_tokens = u32::try_from(text.chars().count().div_ceil(4)).unwrap_or(u32::MAX);
        let audio_tokens = (duration_ms / 40).max(1); // 25 tokens per second of audio
        Ok(json!({
            "candidates": [{
                "content": {"role": "model", "parts": [{"inlineData": {
                    "mimeType": format!("audio/L16;codec=pcm;rate={rate}"),
                    "data": STANDARD.encode(tone(duration_ms, rate)),
                }}]},
                "finishReason": "STOP",
                "index": 0,
            }],
            "usageMetadata": {
                "promptTokenCount": prompt_tokens,
                "candidatesTokenCount": audio_tokens,
                "totalTokenCount": prompt_tokens.saturating_add(audio_tokens),
            },
            "modelVersion": model,
        }))
    })
}
