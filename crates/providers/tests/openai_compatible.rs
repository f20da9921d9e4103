//! The OpenAI-compatible adapter (chat streamed and whole, embeddings) against the fake
//! provider server of `hellosales-fake-providers`: real HTTP on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::embedding::{EmbeddingProvider, EmbeddingRequest};
use hellosales_domain::ports::llm::{
    ChatCompletion, ChatEvent, ChatMessage, ChatRequest, LlmProvider,
};
use hellosales_fake_providers::{Disconnect, FakeProviderServer, Reply};
use hellosales_providers::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::time::Duration;
use support::{KEY, assert_error_has_no_key, assert_no_key, collect, fake};

const MODEL: &str = "llama-3.1-8b-instant";

fn config(server: &FakeProviderServer) -> OpenAiCompatibleConfig {
    OpenAiCompatibleConfig::new("groq", server.openai_base_url())
        .with_api_key(SecretString::from(KEY))
        .with_request_timeout(Duration::from_secs(10))
}

fn provider(server: &FakeProviderServer) -> OpenAiCompatibleProvider {
    OpenAiCompatibleProvider::new(config(server)).unwrap()
}

fn failure(err: &AppError) -> &ProviderFailure {
    support::failure(err, "groq", "llm")
}

fn data(value: &Value) -> String {
    format!("data: {value}\n\n")
}

fn delta(content: &str) -> String {
    data(&json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "model": MODEL,
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
        MODEL,
        vec![
            ChatMessage::system("Be brief."),
            ChatMessage::user("Say hello"),
        ],
    )
}

/// Every event of a stream for `request`, and the error it ended with, if any.
async fn run(
    provider: &OpenAiCompatibleProvider,
    request: ChatRequest,
) -> (Vec<ChatEvent>, Option<AppError>) {
    collect(provider.chat_stream(request).await.unwrap()).await
}

/// The error of a refused stream request.
async fn refused(server: &FakeProviderServer) -> AppError {
    provider(server).chat_stream(request()).await.err().unwrap()
}

fn done(finish_reason: Option<&str>, model: Option<&str>) -> ChatEvent {
    ChatEvent::Done {
        finish_reason: finish_reason.map(str::to_owned),
        model: model.map(str::to_owned),
    }
}

#[tokio::test]
async fn streams_deltas_in_order_then_usage_then_done() {
    let server = fake([Reply::raw([
        role_only(),
        delta("Hel"),
        delta(""),
        delta("lo"),
        delta(", world"),
        finish("stop"),
        usage(12, 3),
        DONE.to_owned(),
    ])])
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
            done(Some("stop"), Some(MODEL)),
        ]
    );
}

#[tokio::test]
async fn a_scripted_reply_streams_text_usage_and_the_model_that_answered() {
    let server = fake([Reply::text(["Hel", "lo"])
        .with_usage(9, 2)
        .with_finish_reason("length")
        .with_model("llama-3.1-8b-instant-0125")])
    .await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events,
        vec![
            ChatEvent::Delta("Hel".into()),
            ChatEvent::Delta("lo".into()),
            ChatEvent::Usage {
                prompt_tokens: 9,
                completion_tokens: 2
            },
            done(Some("length"), Some("llama-3.1-8b-instant-0125")),
        ]
    );
}

#[tokio::test]
async fn a_stream_without_usage_has_no_usage_event() {
    let server = fake([Reply::text(["hi"]).without_usage()]).await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events,
        vec![
            ChatEvent::Delta("hi".into()),
            done(Some("stop"), Some(MODEL))
        ]
    );
}

#[tokio::test]
async fn the_request_carries_model_messages_stream_options_and_bearer_key() {
    let server = fake([Reply::text(["ok"])]).await;
    let mut req = request();
    req.temperature = Some(0.5);
    req.max_tokens = Some(64);
    req.stop = vec!["\n\n".into()];
    let (_, err) = run(&provider(&server), req).await;
    assert!(err.is_none(), "{err:?}");
    let captured = server.requests();
    assert_eq!(captured.len(), 1);
    let sent = &captured[0];
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(sent.header("accept"), Some("text/event-stream"));
    assert_no_key(&format!("{}?{:?}", sent.path, sent.query));
    let body = &sent.body;
    assert_eq!(body["model"], MODEL);
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
    let server = fake([Reply::raw([DONE])]).await;
    let provider = OpenAiCompatibleProvider::new(OpenAiCompatibleConfig::new(
        "ollama",
        server.openai_base_url(),
    ))
    .unwrap();
    let (events, err) = collect(provider.chat_stream(request()).await.unwrap()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(events, vec![done(None, None)]);
    let sent = server.requests().remove(0);
    assert_eq!(sent.header("authorization"), None);
    for field in ["temperature", "max_tokens", "stop", "response_format"] {
        assert!(
            sent.body.get(field).is_none(),
            "{field} should be omitted: {}",
            sent.body
        );
    }
}

#[tokio::test]
async fn json_mode_sets_response_format() {
    let server = fake([Reply::text(["{}"])]).await;
    let mut req = request();
    req.json_mode = true;
    let (events, err) = run(&provider(&server), req).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(events[0], ChatEvent::Delta("{}".into()));
    assert_eq!(
        server.requests()[0].body["response_format"],
        json!({"type": "json_object"})
    );
}

#[tokio::test]
async fn a_response_schema_asks_for_strict_json_schema() {
    let server = fake([Reply::text([r#"{"ok":true}"#])]).await;
    let schema =
        json!({"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]});
    let mut req = request();
    req.json_mode = true;
    req.response_schema = Some(schema.clone());
    let (_, err) = run(&provider(&server), req).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        server.requests()[0].body["response_format"],
        json!({"type": "json_schema", "json_schema": {"name": "response", "schema": schema, "strict": true}})
    );
}

#[tokio::test]
async fn groq_usage_in_x_groq_is_read() {
    let server = fake([Reply::raw([
        delta("hi"),
        data(&json!({
            "choices": [{"index": 0, "delta": {}, "finish_reason": "length"}],
            "x_groq": {"usage": {"prompt_tokens": 5, "completion_tokens": 1}}
        })),
        DONE.to_owned(),
    ])])
    .await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        events[1..],
        [
            ChatEvent::Usage {
                prompt_tokens: 5,
                completion_tokens: 1
            },
            done(Some("length"), Some(MODEL)),
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
    let chunks: Vec<String> = body
        .as_bytes()
        .chunks(7)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let server = fake([Reply::raw(chunks)]).await;
    let (events, err) = run(&provider(&server), request()).await;
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
            done(None, Some(MODEL)),
        ]
    );
}

#[tokio::test]
async fn complete_posts_without_streaming_and_returns_the_whole_answer() {
    let server = fake([Reply::text(["Hel", "lo"])
        .with_usage(7, 2)
        .with_model("llama-3.1-8b-instant-0125")])
    .await;
    let completion = provider(&server).complete(request()).await.unwrap();
    assert_eq!(
        completion,
        ChatCompletion {
            content: "Hello".into(),
            prompt_tokens: Some(7),
            completion_tokens: Some(2),
            finish_reason: Some("stop".into()),
            model: Some("llama-3.1-8b-instant-0125".into()),
        }
    );
    let sent = server.requests().remove(0);
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.body["stream"], false);
    assert!(sent.body.get("stream_options").is_none(), "{}", sent.body);
    assert_eq!(sent.body["model"], MODEL);
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn complete_without_usage_leaves_tokens_unknown() {
    let server = fake([Reply::text(["x"]).without_usage()]).await;
    let completion = provider(&server).complete(request()).await.unwrap();
    assert_eq!(completion.content, "x");
    assert_eq!(
        (completion.prompt_tokens, completion.completion_tokens),
        (None, None)
    );
}

#[tokio::test]
async fn complete_maps_refusals_and_invalid_json_to_typed_failures() {
    let server = fake([
        Reply::rate_limited(3),
        Reply::server_error(),
        Reply::unauthorized(),
        Reply::invalid_json(),
    ])
    .await;
    let provider = provider(&server);
    let expected = [
        ProviderFailure::RateLimited {
            retry_after_seconds: 3,
        },
        ProviderFailure::ServerError,
        ProviderFailure::Authentication,
        ProviderFailure::MalformedStream,
    ];
    for want in expected {
        let err = provider.complete(request()).await.err().unwrap();
        assert_eq!(failure(&err), &want);
        assert_error_has_no_key(&err);
    }
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after_and_retryable() {
    let server = fake([Reply::rate_limited(7)]).await;
    let err = refused(&server).await;
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
    let server = fake([Reply::error(429, "slow down")]).await;
    let err = refused(&server).await;
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
        let server = fake([Reply::error(status, format!("Invalid API Key {KEY}"))]).await;
        let err = refused(&server).await;
        assert_eq!(failure(&err), &ProviderFailure::Authentication);
        assert!(!err.retryable());
        assert_error_has_no_key(&err);
    }
}

#[tokio::test]
async fn http_4xx_are_bad_request_with_the_provider_message_redacted() {
    for status in [400, 404, 422] {
        let server = fake([Reply::error(
            status,
            format!("model `nope` does not exist (key {KEY})"),
        )])
        .await;
        let err = refused(&server).await;
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
        let server = fake([Reply::error(status, "upstream exploded")]).await;
        let err = refused(&server).await;
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
    let server = fake([Reply::raw([delta("partial")])]).await;
    let (events, err) = run(&provider(&server), request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("partial".into())]);
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
    assert!(err.retryable());
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
    // Cut the connection only once the client has the headers and the first event.
    cut.now();
    let (events, err) = collect(stream).await;
    assert!(events.is_empty(), "{events:?}");
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::MalformedStream);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_garbage_data_line_is_malformed() {
    let server = fake([Reply::raw([
        delta("ok"),
        "data: {not json\n\n".to_owned(),
        delta("never seen"),
        DONE.to_owned(),
    ])])
    .await;
    let (events, err) = run(&provider(&server), request()).await;
    assert_eq!(events, vec![ChatEvent::Delta("ok".into())]);
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::MalformedStream);
}

#[tokio::test]
async fn an_invalid_json_stream_is_malformed() {
    let server = fake([Reply::invalid_json()]).await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::MalformedStream);
}

#[tokio::test]
async fn an_error_object_in_the_stream_is_a_server_error() {
    let server = fake([Reply::raw([
        delta("ok"),
        data(&json!({"error": {"message": "upstream overloaded", "code": 502}})),
    ])])
    .await;
    let (_, err) = run(&provider(&server), request()).await;
    let err = err.unwrap();
    assert_eq!(failure(&err), &ProviderFailure::ServerError);
    assert!(err.to_string().contains("upstream overloaded"));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let server = fake([Reply::no_answer()]).await;
    let provider = OpenAiCompatibleProvider::new(
        config(&server).with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let err = provider.chat_stream(request()).await.err().unwrap();
    assert_eq!(failure(&err), &ProviderFailure::Timeout);
    assert!(err.retryable());
}

#[tokio::test]
async fn a_first_token_later_than_the_timeout_times_out() {
    let server =
        fake([Reply::text(["late"]).with_first_chunk_delay(Duration::from_secs(30))]).await;
    let provider = OpenAiCompatibleProvider::new(
        config(&server).with_request_timeout(Duration::from_millis(300)),
    )
    .unwrap();
    let (events, err) = run(&provider, request()).await;
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(failure(&err.unwrap()), &ProviderFailure::Timeout);
}

#[tokio::test]
async fn a_first_token_delay_within_the_timeout_is_waited_for() {
    let server =
        fake([Reply::text(["late"]).with_first_chunk_delay(Duration::from_millis(100))]).await;
    let (events, err) = run(&provider(&server), request()).await;
    assert!(err.is_none(), "{err:?}");
    assert_eq!(events[0], ChatEvent::Delta("late".into()));
}

#[tokio::test]
async fn a_stream_that_goes_silent_times_out() {
    let server = fake([Reply::text(["first", "never sent"]).stall_after(1)]).await;
    let provider = OpenAiCompatibleProvider::new(
        config(&server).with_request_timeout(Duration::from_millis(300)),
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
    assert_eq!(LlmProvider::name(&provider), "groq");
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

fn embedding_request() -> EmbeddingRequest {
    EmbeddingRequest::new(
        "text-embedding-3-small",
        vec!["first".into(), "second".into(), "third".into()],
    )
}

fn embedding_failure(err: &AppError) -> &ProviderFailure {
    support::failure(err, "groq", "embedding")
}

#[tokio::test]
async fn embeddings_come_back_in_input_order_with_model_and_usage() {
    // The fake lists the vectors last first: the client must order them by index.
    let server = fake([
        Reply::embeddings(vec![vec![0.0, 1.0], vec![1.0, 0.0], vec![0.5, 0.5]]).with_usage(6, 0),
    ])
    .await;
    let embeddings = provider(&server).embed(embedding_request()).await.unwrap();
    assert_eq!(
        embeddings.vectors,
        vec![vec![0.0, 1.0], vec![1.0, 0.0], vec![0.5, 0.5]]
    );
    assert_eq!(embeddings.model.as_deref(), Some("text-embedding-3-small"));
    assert_eq!(embeddings.prompt_tokens, Some(6));
    let sent = server.requests().remove(0);
    assert_eq!(sent.path, "/v1/embeddings");
    assert_eq!(
        sent.body,
        json!({"model": "text-embedding-3-small", "input": ["first", "second", "third"]})
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn embeddings_without_usage_and_without_inputs() {
    let server = fake([Reply::embeddings(vec![vec![0.25]])]).await;
    let provider = provider(&server);
    let one = EmbeddingRequest::new("nomic-embed-text", vec!["only".into()]);
    let embeddings = provider.embed(one).await.unwrap();
    assert_eq!(embeddings.vectors, vec![vec![0.25]]);
    assert_eq!(embeddings.prompt_tokens, None);
    let none = provider
        .embed(EmbeddingRequest::new("nomic-embed-text", Vec::new()))
        .await
        .unwrap();
    assert!(none.vectors.is_empty());
    assert_eq!(server.requests().len(), 1, "no inputs, no request");
}

#[tokio::test]
async fn embedding_failures_are_typed_with_the_embedding_operation() {
    let server = fake([
        Reply::unauthorized(),
        Reply::rate_limited(4),
        Reply::server_error(),
        Reply::error(400, "input too long"),
        Reply::invalid_json(),
        // Two vectors for three inputs.
        Reply::embeddings(vec![vec![1.0], vec![2.0]]),
    ])
    .await;
    let provider = provider(&server);
    let expected = [
        ProviderFailure::Authentication,
        ProviderFailure::RateLimited {
            retry_after_seconds: 4,
        },
        ProviderFailure::ServerError,
        ProviderFailure::BadRequest,
        ProviderFailure::MalformedStream,
        ProviderFailure::MalformedStream,
    ];
    for want in expected {
        let err = provider.embed(embedding_request()).await.err().unwrap();
        assert_eq!(embedding_failure(&err), &want);
        assert_error_has_no_key(&err);
    }
}
