//! The fake server itself: binds `127.0.0.1:0`, routes the OpenAI and Gemini endpoints, records
//! every request, and answers each with the next scripted reply (or the default one).

use crate::deliver;
use crate::gemini::{Gemini, Method};
use crate::openai::OpenAi;
use crate::recorded::RecordedRequest;
use crate::reply::Reply;
use axum::Router;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use serde_json::Value;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::task::JoinHandle;

/// Largest request body the fake reads.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// A running fake provider server; it stops when dropped.
#[derive(Debug)]
pub struct FakeProviderServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    replies: Mutex<VecDeque<Reply>>,
    default_reply: Mutex<Reply>,
    requests: Mutex<Vec<RecordedRequest>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FakeProviderServer {
    /// Starts a server on a free port of 127.0.0.1 whose default reply is
    /// `Reply::text(["ok"])`.
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
            default_reply: Mutex::new(Reply::text(["ok"])),
            requests: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .route("/v1/chat/completions", post(openai_chat))
            .route("/v1/embeddings", post(openai_embeddings))
            .route("/v1beta/models/{action}", post(gemini))
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            // The server runs until the task is aborted; an accept error ends it.
            // Like a real provider, chunks go out as they are written (no Nagle delay).
            let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { addr, shared, task })
    }

    /// The address the server listens on.
    #[must_use]
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the OpenAI-compatible API (`http://127.0.0.1:port/v1`).
    #[must_use]
    pub fn openai_base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL of the Gemini API (`http://127.0.0.1:port`, below which is `/v1beta`).
    #[must_use]
    pub fn gemini_base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues a reply: requests are answered with the queued replies in order, then with the
    /// default reply.
    pub fn push(&self, reply: Reply) {
        lock(&self.shared.replies).push_back(reply);
    }

    /// Sets the reply given when the queue is empty.
    pub fn set_default(&self, reply: Reply) {
        *lock(&self.shared.default_reply) = reply;
    }

    /// Every request received so far, in order of arrival.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }
}

impl Drop for FakeProviderServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Shared {
    /// Reads and records a request.
    async fn record(&self, request: Request) -> RecordedRequest {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or(Value::Null);
        let recorded = RecordedRequest {
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
            body,
        };
        lock(&self.requests).push(recorded.clone());
        recorded
    }

    fn next_reply(&self) -> Reply {
        lock(&self.replies)
            .pop_front()
            .unwrap_or_else(|| lock(&self.default_reply).clone())
    }
}

async fn openai_chat(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let recorded = shared.record(request).await;
    let streaming = OpenAi::is_streaming(&recorded);
    deliver::respond(&OpenAi, shared.next_reply(), &recorded, streaming).await
}

async fn openai_embeddings(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let recorded = shared.record(request).await;
    deliver::respond(&OpenAi, shared.next_reply(), &recorded, false).await
}

async fn gemini(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let recorded = shared.record(request).await;
    match Gemini::method(&recorded) {
        Ok(method) => {
            let streaming = method == Method::StreamSse;
            deliver::respond(&Gemini, shared.next_reply(), &recorded, streaming).await
        }
        Err((status, message)) => deliver::error(&Gemini, status, message, None),
    }
}
