//! The OpenAI-compatible adapter against a real HTTP server of our own on 127.0.0.1 that
//! speaks the chat completions streaming wire format with scripted replies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::{StreamExt, stream};
use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::llm::{ChatEvent, ChatMessage, ChatRequest, LlmProvider};
use hellosales_providers::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

const KEY: &str = "sk-test-SECRET-0123456789";

/// What the fake server answers.
#[derive(Clone)]
enum Script {
    /// 200 with these body chunks, then a clean end of the body.
    Stream(Vec<String>),
    /// 200 with these body chunks, then the connection is aborted once `cut` is notified.
    StreamThenAbort(Vec<String>, Arc<Notify>),
    /// 200 with these body chunks, then silence forever.
    StreamThenHang(Vec<String>),
    /// An error status with headers and a body.
    Status(u16, Vec<(&'static str, &'static str)>, String),
    /// Never answers.
    Hang,
}

/// A request as the fake server received it.
#[derive(Clone, Debug)]
struct Captured {
    authorization: Option<String>,
    body: Value,
}

#[derive(Clone)]
struct Fake {
    script: Script,
    captured: Arc<Mutex<Vec<Captured>>>,
}

async fn chat_completions(State(fake): State<Fake>, headers: HeaderMap, body: String) -> Response {
    fake.captured.lock().unwrap().push(Captured {
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
        body: serde_json::from_str(&body).unwrap(),
    });
    let ok = |body: Body| {
        Response::builder()
            .status(200)
            .header("content-type", "text/event-stream")
            .body(body)
            .unwrap()
    };
    let chunks =
        |chunks: Vec<String>| stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    match fake.script {
        Script::Stream(c) => ok(Body::from_stream(chunks(c))),
        Script::StreamThenAbort(c, cut) => ok(Body::from_stream(chunks(c).chain(stream::once(
            async move {
                cut.notified().await;
                Err(std::io::Error::other("cut"))
            },
        )))),
        Script::StreamThenHang(c) => ok(Body::from_stream(chunks(c).chain(stream::pending()))),
        Script::Status(status, headers, body) => {
            let mut response = (StatusCode::from_u16(status).unwrap(), body).into_response();
            for (name, value) in headers {
                response.headers_mut().insert(name, value.parse().unwrap());
            }
            response
        }
        Script::Hang => std::future::pending().await,
    }
}

struct Server {
    base_url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
}

impl Server {
    async fn start(script: Script) -> Self {
        let captured = Arc::new(Mutex::new(Vec::new()));
        let app = Router::new()
            .route("/v1/chat/completions", post(chat_completions))
            .with_state(Fake {
                script,
                captured: Arc::clone(&captured),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base_url: format!("http://{addr}/v1"),
            captured,
        }
    }

    fn config(&self) -> OpenAiCompatibleConfig {
        OpenAiCompatibleConfig::new("groq", &self.base_url)
            .with_api_key(SecretString::from(KEY))
            .with_request_timeout(Duration::from_secs(10))
    }

    fn provider(&self) -> OpenAiCompatibleProvider {
        OpenAiCompatibleProvider::new(self.config()).unwrap()
    }

    fn captured(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }
}

fn data(value: &Value) -> String {
    format!("data: {value}\n\n")
}

fn delta(content: &str) -> String {
    data(&json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "llama-3.1-8b-instant",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]
    }))
}

fn role_only() -> String {
    data(&json!({"choices": [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": null}]}))
}

fn finish(reason: &str) -> String {
    data(&json!({"choices": [{"index": 0, "delta": {}, "finish_reason": reason}]}))
}

fn usage(prompt: u32, completion: u32) -> String {
    data(&json!({
        "choices": [],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    }))
}

const DONE: &str = "data: [DONE]\n\n";

fn request() -> ChatRequest {
    ChatRequest::new(
        "llama-3.1-8b-instant",
        vec![
            ChatMessage::system("Be brief."),
            ChatMessage::user("Say hello"),
        ],
    )
}

/// Every event of the stream, and the error it ended with, if any.
async fn run(
    provider: &OpenAiCompatibleProvider,
    request: ChatRequest,
) -> (Vec<ChatEvent>, Option<AppError>) {
    let mut stream = provider.chat_stream(request).await.unwrap();
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(err) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (events, Some(err));
            }
        }
    }
    (events, None)
}

fn failure(err: &AppError) -> &ProviderFailure {
    match err {
        AppError::Provider {
            provider,
            operation,
            failure,
            ..
        } => {
            assert_eq!(provider, "groq");
            assert_eq!(operation, "llm");
            failure
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the key leaked into: {text}");
    assert!(
        !text.contains("SECRET"),
        "part of the key leaked into: {text}"
    );
}

#[tokio::test]
async fn streams_deltas_in_order_then_usage_then_done() {
    let server = Server::start(Script::Stream(vec![
        role_only(),
        delta("Hel"),
        delta(""),
        delta("lo"),
        delta(", world"),
        finish("stop"),
        usage(12, 3),
        DONE.to_owned(),
    ]))
    .await;
    let (events, err) = run(&server.provider(), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events,
        vec![
            ChatEvent::Delta("Hel".into()),
            ChatEvent::Delta("lo".into()),
            ChatEvent::Delta(", world".into()),
            ChatEvent::Usage {
                prompt_tokens: 12,
                completion_tokens: 3
            },
            ChatEvent::Done {
                finish_reason: Some("stop".into())
            },
        ]
    );
}

#[tokio::test]
async fn the_request_carries_model_messages_stream_options_and_bearer_key() {
    let server = Server::start(Script::Stream(vec![delta("ok"), DONE.to_owned()])).await;
    let mut req = request();
    req.temperature = Some(0.5);
    req.max_tokens = Some(64);
    req.stop = vec!["\n\n".into()];
    let (_, err) = run(&server.provider(), req).await;
    assert!(err.is_none(), "{err:?}");
    let captured = server.captured();
    assert_eq!(captured.len(), 1);
    let Captured {
        authorization,
        body,
    } = &captured[0];
    assert_eq!(
        authorization.as_deref(),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(body["model"], "llama-3.1-8b-instant");
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Say hello"}
        ])
    );
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["temperature"], 0.5);
    assert_eq!(body["max_tokens"], 64);
    assert_eq!(body["stop"], json!(["\n\n"]));
    assert!(
        body.get("response_format").is_none(),
        "no JSON mode unless asked"
    );
}

#[tokio::test]
async fn optional_fields_are_omitted_and_no_key_means_no_authorization() {
    let server = Server::start(Script::Stream(vec![DONE.to_owned()])).await;
    let provider =
        OpenAiCompatibleProvider::new(OpenAiCompatibleConfig::new("ollama", &server.base_url))
            .unwrap();
    let mut stream = provider.chat_stream(request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ChatEvent::Done {
            finish_reason: None
        }
    );
    assert!(stream.next().await.is_none());
    let Captured {
        authorization,
        body,
    } = server.captured().remove(0);
    assert_eq!(authorization, None);
    for field in ["temperature", "max_tokens", "stop", "response_format"] {
        assert!(
            body.get(field).is_none(),
            "{field} should be omitted: {body}"
        );
    }
}

#[tokio::test]
async fn json_mode_sets_response_format() {
    let server = Server::start(Script::Stream(vec![delta("{}"), DONE.to_owned()])).await;
    let mut req = request();
    req.json_mode = true;
    let (events, err) = run(&server.provider(), req).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(events[0], ChatEvent::Delta("{}".into()));
    assert_eq!(
        server.captured()[0].body["response_format"],
        json!({"type": "json_object"})
    );
}

#[tokio::test]
async fn groq_usage_in_x_groq_is_read() {
    let server = Server::start(Script::Stream(vec![
        delta("hi"),
        data(&json!({
            "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}],
            "x_groq": {"usage": {"prompt_tokens": 5, "completion_tokens": 1}}
        })),
        DONE.to_owned(),
    ]))
    .await;
    let (events, err) = run(&server.provider(), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events[1..],
        [
            ChatEvent::Usage {
                prompt_tokens: 5,
                completion_tokens: 1
            },
            ChatEvent::Done {
                finish_reason: Some("length".into())
            }
        ]
    );
}

#[tokio::test]
async fn events_split_across_tcp_chunks_parse_correctly() {
    let body: String = [
        delta("split "),
        delta("across"),
        usage(4, 2),
        DONE.to_owned(),
    ]
    .concat();
    // Chunks of 7 bytes cut events, JSON and the `data:` prefix in the middle.
    let chunks = body
        .as_bytes()
        .chunks(7)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let server = Server::start(Script::Stream(chunks)).await;
    let (events, err) = run(&server.provider(), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events,
        vec![
            ChatEvent::Delta("split ".into()),
            ChatEvent::Delta("across".into()),
            ChatEvent::Usage {
                prompt_tokens: 4,
                completion_tokens: 2
            },
            ChatEvent::Done {
                finish_reason: None
            },
        ]
    );
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after_and_retryable() {
    let server = Server::start(Script::Status(
        429,
        vec![("retry-after", "7")],
        json!({"error": {"message": "Rate limit reached"}}).to_string(),
    ))
    .await;
    let err = server
        .provider()
        .chat_stream(request())
        .await
        .err()
        .unwrap();
    assert_eq!(
        failure(&err),
        &ProviderFailure::RateLimited {
            retry_after_seconds: 7
        }
    );
    assert!(err.retryable());
    assert_eq!(err.retry_after_seconds(), Some(7));
    assert_eq!(err.code(), "PROVIDER_RATE_LIMITED");
}

#[tokio::test]
async fn http_429_without_retry_after_defaults_to_one_second() {
    let server = Server::start(Script::Status(429, vec![], String::new())).await;
    let err = server
        .provider()
        .chat_stream(request())
        .await
        .err()
        .unwrap();
    assert_eq!(
        failure(&err),
        &ProviderFailure::RateLimited {
            retry_after_seconds: 1
        }
    );
}

#[tokio::test]
async fn http_401_and_403_are_authentication_not_retryable_and_never_echo_the_key() {
    for status in [401, 403] {
        let server = Server::start(Script::Status(
            status,
            vec![],
            json!({"error": {"message": format!("Invalid API Key {KEY}")}}).to_string(),
        ))
        .await;
        let err = server
            .provider()
            .chat_stream(request())
            .await
            .err()
            .unwrap();
        assert_eq!(failure(&err), &ProviderFailure::Authentication);
        assert!(!err.retryable());
        assert_no_key(&err.to_string());
        assert_no_key(&format!("{err:?}"));
    }
}

#[tokio::test]
async fn http_4xx_are_bad_request_with_the_provider_message_redacted() {
    for status in [400, 404, 422] {
        let server = Server::start(Script::Status(
            status,
            vec![],
            json!({"error": {"message": format!("model `nope` does not exist (key {KEY})")}})
                .to_string(),
        ))
        .await;
        let err = server
            .provider()
            .chat_stream(request())
            .await
            .err()
            .unwrap();
        assert_eq!(failure(&err), &ProviderFailure::BadRequest, "HTTP {status}");
        assert!(!err.retryable());
        let message = err.to_string();
        assert!(message.contains("does not exist"), "{message}");
        assert_no_key(&message);
    }
}

#[tokio::test]
async fn http_5xx_is_server_error_and_retryable() {
    for status in [500, 502, 503] {
        let server =
            Server::start(Script::Status(status, vec![], "upstream exploded".into())).await;
        let err = server
            .provider()
            .chat_stream(request())
            .await
            .err()
            .unwrap();
        assert_eq!(
            failure(&err),
            &ProviderFailure::ServerError,
            "HTTP {status}"
        );
        assert!(err.retryable());
    }
}

#[tokio::test]
async fn a_stream_that_ends_before_done_is_malformed() {
    let server = Server::start(Script::Stream(vec![delta("partial")])).await;
    let (events, err) = run(&server.provider(), request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("partial".into())]);
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_connection_cut_mid_stream_is_malformed() {
    let cut = Arc::new(Notify::new());
    let server = Server::start(Script::StreamThenAbort(
        vec![delta("partial")],
        Arc::clone(&cut),
    ))
    .await;
    let mut stream = server.provider().chat_stream(request()).await.unwrap();
    assert_eq!(
        stream.next().await.unwrap().unwrap(),
        ChatEvent::Delta("partial".into())
    );
    // Cut the connection only once the client has the headers and the first event.
    cut.notify_one();
    let err = stream.next().await.unwrap().unwrap_err();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
    assert!(err.retryable());
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_garbage_data_line_is_malformed() {
    let server = Server::start(Script::Stream(vec![
        delta("ok"),
        "data: {not json\n\n".to_owned(),
        delta("never seen"),
        DONE.to_owned(),
    ]))
    .await;
    let (events, err) = run(&server.provider(), request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("ok".into())]);
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::MalformedStream);
}

#[tokio::test]
async fn an_error_object_in_the_stream_is_a_server_error() {
    let server = Server::start(Script::Stream(vec![
        delta("ok"),
        data(&json!({"error": {"message": "upstream overloaded", "code": 502}})),
    ]))
    .await;
    let (_, err) = run(&server.provider(), request()).await;
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::ServerError);
    assert!(err.to_string().contains("upstream overloaded"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = Server::start(Script::Hang).await;
    let provider = OpenAiCompatibleProvider::new(
        server
            .config()
            .with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let err = provider.chat_stream(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::Timeout);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_stream_that_goes_silent_times_out() {
    let server = Server::start(Script::StreamThenHang(vec![delta("first")])).await;
    let provider = OpenAiCompatibleProvider::new(
        server
            .config()
            .with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let (events, err) = run(&provider, request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("first".into())]);
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::Timeout);
}

#[tokio::test]
async fn an_unreachable_server_is_a_retryable_provider_error() {
    // Bind then drop a listener: nothing listens on that port any more.
    let addr = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let provider = OpenAiCompatibleProvider::new(
        OpenAiCompatibleConfig::new("groq", format!("http://{addr}/v1"))
            .with_api_key(SecretString::from(KEY)),
    )
    .unwrap();
    let err = provider.chat_stream(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::ServerError);
    assert!(err.retryable());
    assert_no_key(&err.to_string());
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let config = OpenAiCompatibleConfig::groq(SecretString::from(KEY));
    assert_no_key(&format!("{config:?}"));
    let provider = OpenAiCompatibleProvider::new(config).unwrap();
    let debug = format!("{provider:?}");
    assert_no_key(&debug);
    assert!(debug.contains("REDACTED"), "{debug}");
    assert_eq!(provider.name(), "groq");
    assert_eq!(
        provider.endpoint(),
        "https://api.groq.com/openai/v1/chat/completions"
    );
}

#[test]
fn an_invalid_base_url_is_not_configured() {
    let err = OpenAiCompatibleProvider::new(OpenAiCompatibleConfig::new("groq", "not a url"))
        .err()
        .unwrap();
    assert_eq!(failure(&err), &ProviderFailure::NotConfigured);
}
