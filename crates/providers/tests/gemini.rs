//! The Gemini adapter (`streamGenerateContent?alt=sse` and `generateContent`) against the fake
//! provider server of `hellosales-fake-providers`: real HTTP on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::llm::{
    ChatCompletion, ChatEvent, ChatMessage, ChatRequest, LlmProvider,
};
use hellosales_fake_providers::{Disconnect, FakeProviderServer, RecordedRequest, Reply};
use hellosales_providers::{GeminiConfig, GeminiProvider};
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use support::{KEY, assert_error_has_no_key, assert_no_key, collect, fake};

const MODEL: &str = "gemini-2.0-flash";

fn config(server: &FakeProviderServer) -> GeminiConfig {
    GeminiConfig::new(SecretString::from(KEY))
        .with_base_url(server.gemini_base_url())
        .with_request_timeout(Duration::from_secs(10))
}

fn provider(server: &FakeProviderServer) -> GeminiProvider {
    GeminiProvider::new(config(server)).unwrap()
}

fn impatient(server: &FakeProviderServer) -> GeminiProvider {
    GeminiProvider::new(config(server).with_request_timeout(Duration::from_millis(300))).unwrap()
}

fn failure(err: &AppError) -> &ProviderFailure {
    support::failure(err, "gemini", "llm")
}

fn request() -> ChatRequest {
    ChatRequest::new(
        MODEL,
        vec![
            ChatMessage::system("Be brief."),
            ChatMessage::user("Say hello"),
            ChatMessage::assistant("Hello!"),
            ChatMessage::user("Again"),
        ],
    )
}

async fn run(
    provider: &GeminiProvider,
    request: ChatRequest,
) -> (Vec<ChatEvent>, Option<AppError>) {
    collect(provider.chat_stream(request).await.unwrap()).await
}

fn done(finish_reason: &str, model: &str) -> ChatEvent {
    ChatEvent::Done {
        finish_reason: Some(finish_reason.to_owned()),
        model: Some(model.to_owned()),
    }
}

/// The key travels in its header only: not in the path, the query or another header.
fn assert_key_only_in_its_header(sent: &RecordedRequest) {
    assert_eq!(sent.header("x-goog-api-key"), Some(KEY));
    assert_eq!(sent.header("authorization"), None);
    assert_no_key(&format!("{} {:?}", sent.path, sent.query));
    assert_no_key(&sent.body.to_string());
}

#[tokio::test]
async fn streams_text_then_usage_then_done_with_the_model_version() {
    let server = fake([Reply::text(["Hel", "lo", ", world"])
        .with_usage(12, 3)
        .with_model("gemini-2.0-flash-001")])
    .await;
    let (events, err) = run(&provider(&server), request()).await;
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
            done("stop", "gemini-2.0-flash-001"),
        ]
    );
}

#[tokio::test]
async fn a_stream_without_usage_has_no_usage_event_and_max_tokens_is_length() {
    let server = fake([Reply::text(["cut sh"])
        .without_usage()
        .with_finish_reason("length")])
    .await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events,
        vec![ChatEvent::Delta("cut sh".into()), done("length", MODEL)]
    );
}

#[tokio::test]
async fn the_stream_request_carries_contents_system_instruction_config_and_the_key_header() {
    let server = fake([Reply::text(["ok"])]).await;
    let mut req = request();
    req.temperature = Some(0.5);
    req.max_tokens = Some(64);
    req.stop = vec!["END".into()];
    let (_, err) = run(&provider(&server), req).await;
    assert!(err.is_none(), "{err:?}");
    let sent = server.requests().remove(0);
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.path,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    );
    assert_eq!(sent.query.as_deref(), Some("alt=sse"));
    assert_key_only_in_its_header(&sent);
    assert_eq!(
        sent.body,
        json!({
            "contents": [
                {"role": "user", "parts": [{"text": "Say hello"}]},
                {"role": "model", "parts": [{"text": "Hello!"}]},
                {"role": "user", "parts": [{"text": "Again"}]},
            ],
            "systemInstruction": {"parts": [{"text": "Be brief."}]},
            "generationConfig": {"temperature": 0.5, "maxOutputTokens": 64, "stopSequences": ["END"]},
        })
    );
}

#[tokio::test]
async fn json_mode_asks_for_json_and_a_schema_is_sent_as_response_schema() {
    let server = fake([Reply::text(["{}"]), Reply::text([r#"{"ok":true}"#])]).await;
    let provider = provider(&server);
    let mut json_mode = request();
    json_mode.json_mode = true;
    let (_, err) = run(&provider, json_mode).await;
    assert!(err.is_none(), "{err:?}");
    let schema = json!({"type": "object", "properties": {"ok": {"type": "boolean"}}});
    let mut with_schema = request();
    with_schema.response_schema = Some(schema.clone());
    let (_, err) = run(&provider, with_schema).await;
    assert!(err.is_none(), "{err:?}");
    let sent = server.requests();
    assert_eq!(
        sent[0].body["generationConfig"],
        json!({"responseMimeType": "application/json"})
    );
    assert_eq!(
        sent[1].body["generationConfig"],
        json!({"responseMimeType": "application/json", "responseSchema": schema})
    );
}

#[tokio::test]
async fn complete_calls_generate_content_and_returns_the_whole_answer() {
    let server = fake([Reply::text(["Hel", "lo"])
        .with_usage(7, 2)
        .with_model("gemini-2.0-flash-001")])
    .await;
    let completion = provider(&server).complete(request()).await.unwrap();
    assert_eq!(
        completion,
        ChatCompletion {
            content: "Hello".into(),
            prompt_tokens: Some(7),
            completion_tokens: Some(2),
            finish_reason: Some("stop".into()),
            model: Some("gemini-2.0-flash-001".into()),
        }
    );
    let sent = server.requests().remove(0);
    assert_eq!(sent.path, "/v1beta/models/gemini-2.0-flash:generateContent");
    assert_eq!(sent.query, None);
    assert_key_only_in_its_header(&sent);
}

#[tokio::test]
async fn a_model_given_with_its_models_prefix_is_not_doubled() {
    let server = fake([Reply::text(["ok"])]).await;
    let mut req = request();
    req.model = "models/gemini-2.5-flash".into();
    provider(&server).complete(req).await.unwrap();
    assert_eq!(
        server.requests()[0].path,
        "/v1beta/models/gemini-2.5-flash:generateContent"
    );
}

#[tokio::test]
async fn refusals_map_to_typed_failures_for_stream_and_complete() {
    let cases = [
        (
            Reply::rate_limited(7),
            ProviderFailure::RateLimited {
                retry_after_seconds: 7,
            },
        ),
        (
            Reply::error(429, "quota"),
            ProviderFailure::RateLimited {
                retry_after_seconds: 1,
            },
        ),
        (Reply::unauthorized(), ProviderFailure::Authentication),
        (
            Reply::error(403, format!("API key {KEY} not valid")),
            ProviderFailure::Authentication,
        ),
        (
            Reply::error(400, format!("bad schema (key {KEY})")),
            ProviderFailure::BadRequest,
        ),
        (Reply::server_error(), ProviderFailure::ServerError),
        (
            Reply::error(503, "overloaded"),
            ProviderFailure::ServerError,
        ),
    ];
    for (reply, want) in cases {
        let server = fake([reply.clone(), reply]).await;
        let provider = provider(&server);
        let streamed = provider.chat_stream(request()).await.err().unwrap();
        let whole = provider.complete(request()).await.err().unwrap();
        for err in [streamed, whole] {
            assert_eq!(failure(&err), &want);
            assert_eq!(
                err.retryable(),
                want != ProviderFailure::Authentication && want != ProviderFailure::BadRequest
            );
            assert_error_has_no_key(&err);
        }
    }
}

#[tokio::test]
async fn a_rate_limit_carries_retry_after_and_a_bad_request_the_provider_message() {
    let server = fake([
        Reply::rate_limited(7),
        Reply::error(400, "Invalid JSON payload"),
    ])
    .await;
    let provider = provider(&server);
    let limited = provider.chat_stream(request()).await.err().unwrap();
    assert_eq!(limited.retry_after_seconds(), Some(7));
    assert_eq!(limited.code(), "PROVIDER_RATE_LIMITED");
    let bad = provider.chat_stream(request()).await.err().unwrap();
    assert!(bad.to_string().contains("Invalid JSON payload"), "{bad}");
}

#[tokio::test]
async fn a_connection_cut_mid_stream_is_malformed() {
    let cut = Disconnect::new();
    let server = fake([Reply::text(["partial", "never sent"]).disconnect_after(1, &cut)]).await;
    let mut stream = provider(&server).chat_stream(request()).await.unwrap();
    assert_eq!(
        futures::StreamExt::next(&mut stream)
            .await
            .unwrap()
            .unwrap(),
        ChatEvent::Delta("partial".into())
    );
    cut.now();
    let (events, err) = collect(stream).await;
    assert!(events.is_empty(), "{events:?}");
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_stream_that_ends_before_a_finish_reason_is_malformed() {
    let event =
        json!({"candidates": [{"content": {"role": "model", "parts": [{"text": "partial"}]}}]});
    let server = fake([Reply::raw([format!("data: {event}\r\n\r\n")])]).await;
    let (events, err) = run(&provider(&server), request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("partial".into())]);
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::MalformedStream);
}

#[tokio::test]
async fn invalid_json_is_malformed_streamed_or_whole() {
    let server = fake([Reply::invalid_json(), Reply::invalid_json()]).await;
    let provider = provider(&server);
    let (events, err) = run(&provider, request()).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::MalformedStream);
    let err = provider.complete(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
}

#[tokio::test]
async fn an_error_object_in_the_stream_is_a_server_error() {
    let error = json!({"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}});
    let server = fake([Reply::raw([format!("data: {error}\r\n\r\n")])]).await;
    let (_, err) = run(&provider(&server), request()).await;
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::ServerError);
    assert!(err.to_string().contains("overloaded"), "{err}");
}

#[tokio::test]
async fn no_answer_a_late_first_token_and_a_silent_stream_time_out() {
    let server = fake([
        Reply::no_answer(),
        Reply::text(["late"]).with_first_chunk_delay(Duration::from_secs(30)),
        Reply::text(["first", "never sent"]).stall_after(1),
        Reply::no_answer(),
    ])
    .await;
    let provider = impatient(&server);
    let err = provider.chat_stream(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::Timeout);
    let (events, err) = run(&provider, request()).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::Timeout);
    let (events, err) = run(&provider, request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("first".into())]);
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::Timeout);
    let err = provider.complete(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::Timeout);
    assert!(err.retryable());
}

#[test]
fn the_key_never_appears_in_debug_output() {
    let config = GeminiConfig::new(SecretString::from(KEY));
    assert_no_key(&format!("{config:?}"));
    let provider = GeminiProvider::new(config).unwrap();
    let debug = format!("{provider:?}");
    assert_no_key(&debug);
    assert!(debug.contains("REDACTED"), "{debug}");
    assert!(
        debug.contains("generativelanguage.googleapis.com"),
        "{debug}"
    );
    assert_eq!(provider.name(), "gemini");
}

#[test]
fn an_invalid_base_url_is_not_configured() {
    let err =
        GeminiProvider::new(GeminiConfig::new(SecretString::from(KEY)).with_base_url("not a url"))
            .err()
            .unwrap();
    assert_eq!(failure(&err), &ProviderFailure::NotConfigured);
    assert_error_has_no_key(&err);
}
