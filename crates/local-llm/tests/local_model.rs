//! The local model on the real SmolLM2 file: it loads, streams, follows a schema even when its
//! budget is tiny, stops when the stream is dropped and answers `PROVIDER_BUSY` when full.
//!
//! The file comes from `hellosales models fetch` (CI fetches it into `HELLOSALES_MODELS_DIR`).

use futures::StreamExt;
use hellosales_domain::AppError;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{ChatEvent, ChatMessage, ChatRequest, ChatStream, LlmProvider};
use hellosales_local_llm::{DEFAULT_MODEL_FILE, LoadError, LocalLlm, LocalLlmSettings};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// The fetched model file; a missing file fails the test with the way to fetch it.
fn model_path() -> PathBuf {
    let dir = std::env::var_os("HELLOSALES_MODELS_DIR")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| PathBuf::from(home).join(".cache/hellosales/models"))
        })
        .unwrap_or_default();
    let path = dir.join(DEFAULT_MODEL_FILE);
    assert!(
        path.is_file(),
        "{} is missing: run `cargo run -p hellosales-server -- models fetch --dir {}` \
         (or set HELLOSALES_MODELS_DIR to a directory holding {DEFAULT_MODEL_FILE})",
        path.display(),
        dir.display()
    );
    path
}

fn settings(workers: u16, queue_depth: u16) -> LocalLlmSettings {
    LocalLlmSettings {
        threads: 1,
        context_tokens: 2048,
        workers,
        queue_depth,
        ..LocalLlmSettings::new(model_path(), "SmolLM2-135M-Instruct")
    }
}

fn load(workers: u16, queue_depth: u16) -> LocalLlm {
    match LocalLlm::load(settings(workers, queue_depth)) {
        Ok(llm) => llm,
        Err(error) => panic!("the local model does not load: {error}"),
    }
}

fn ask(text: &str, max_tokens: u32) -> ChatRequest {
    let mut request = ChatRequest::new(
        "SmolLM2-135M-Instruct",
        vec![
            ChatMessage::system("You are a helpful sales assistant."),
            ChatMessage::user(text),
        ],
    );
    request.max_tokens = Some(max_tokens);
    request.temperature = Some(0.0);
    request
}

/// Every event of a stream, failing on an error.
async fn collect(mut stream: ChatStream) -> (String, Vec<ChatEvent>) {
    let mut text = String::new();
    let mut events = Vec::new();
    while let Some(event) = stream.next().await {
        let event = event.unwrap_or_else(|error| panic!("stream failed: {error}"));
        if let ChatEvent::Delta(piece) = &event {
            text.push_str(piece);
        }
        events.push(event);
    }
    (text, events)
}

fn failure(error: &AppError) -> Option<&ProviderFailure> {
    match error {
        AppError::Provider { failure, .. } => Some(failure),
        _ => None,
    }
}

#[tokio::test]
async fn streams_a_non_empty_reply_with_usage_and_done() {
    let llm = load(1, 2);
    let stream = llm
        .chat_stream(ask("Say hello to a new customer in one sentence.", 48))
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let (text, events) = collect(stream).await;
    assert!(!text.trim().is_empty(), "empty reply");
    let deltas = events
        .iter()
        .filter(|e| matches!(e, ChatEvent::Delta(_)))
        .count();
    assert!(
        deltas > 1,
        "the reply came in {deltas} piece(s), not streamed"
    );
    assert!(matches!(
        events.iter().rev().nth(1),
        Some(ChatEvent::Usage { prompt_tokens, completion_tokens })
            if *prompt_tokens > 10 && *completion_tokens > 0 && *completion_tokens <= 48
    ));
    assert!(matches!(
        events.last(),
        Some(ChatEvent::Done { model: Some(model), .. }) if model == "SmolLM2-135M-Instruct"
    ));
}

#[tokio::test]
async fn a_schema_is_followed_even_when_the_budget_is_tiny() {
    let llm = load(1, 2);
    let schema = json!({
        "type": "object",
        "properties": {
            "subject": {"type": "string"},
            "body": {"type": "string"},
            "personalization_fields": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["subject", "body", "personalization_fields"],
        "additionalProperties": false
    });
    // 24 tokens cannot hold a whole email: the decoder must close the document instead.
    for max_tokens in [24, 400] {
        let mut request = ask(
            "Write a sales email to Dana at Acme about our CRM. Answer in JSON.",
            max_tokens,
        );
        request.response_schema = Some(schema.clone());
        request.temperature = Some(0.7);
        let stream = llm
            .chat_stream(request)
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        let (text, _) = collect(stream).await;
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("not JSON at {max_tokens} tokens ({error}): {text}"));
        assert!(value["subject"].is_string(), "{text}");
        assert!(value["body"].is_string(), "{text}");
        assert!(value["personalization_fields"].is_array(), "{text}");
        assert_eq!(
            value.as_object().map(serde_json::Map::len),
            Some(3),
            "{text}"
        );
    }
}

#[tokio::test]
async fn json_mode_answers_an_object() {
    let llm = load(1, 2);
    let mut request = ask("Give the name and price of one product as JSON.", 64);
    request.json_mode = true;
    let stream = llm
        .chat_stream(request)
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let (text, _) = collect(stream).await;
    let value: Value =
        serde_json::from_str(&text).unwrap_or_else(|error| panic!("not JSON ({error}): {text}"));
    assert!(value.is_object(), "{text}");
}

#[tokio::test]
async fn a_dropped_stream_frees_the_worker_and_a_full_queue_is_busy() {
    let llm = load(1, 1);
    let long = || ask("Write a very long story about a salesman.", 4000);
    // A: running on the only worker.
    let mut running = llm
        .chat_stream(long())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    assert!(matches!(
        running.next().await,
        Some(Ok(ChatEvent::Delta(_)))
    ));
    // B: waiting in the only queue slot. C: nowhere to go.
    let waiting = llm
        .chat_stream(long())
        .await
        .unwrap_or_else(|error| panic!("{error}"));
    let busy = llm.chat_stream(long()).await.err();
    assert_eq!(
        busy.as_ref().and_then(failure),
        Some(&ProviderFailure::Busy)
    );
    assert_eq!(
        busy.as_ref().map(AppError::code),
        Some("PROVIDER_BUSY"),
        "{busy:?}"
    );

    // Dropping both streams stops A at its next token and skips B.
    drop(running);
    drop(waiting);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut next = loop {
        match llm.chat_stream(ask("Say yes.", 8)).await {
            Ok(stream) => break stream,
            Err(error) => {
                assert_eq!(failure(&error), Some(&ProviderFailure::Busy), "{error}");
                assert!(Instant::now() < deadline, "the worker never came free");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    // Served promptly: the 4000-token generation did not run on.
    let first = tokio::time::timeout(Duration::from_secs(20), next.next()).await;
    assert!(
        matches!(first, Ok(Some(Ok(ChatEvent::Delta(_))))),
        "{first:?}"
    );
}

#[test]
fn a_missing_file_says_how_to_fetch_it() {
    let error = LocalLlm::load(LocalLlmSettings::new("/nonexistent/model.gguf", "m")).err();
    assert!(matches!(error, Some(LoadError::Missing(_))));
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("hellosales models fetch"), "{message}");
}
