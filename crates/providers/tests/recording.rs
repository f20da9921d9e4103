//! The recording wrapper: one `provider_calls` record per attempt, with exact cost, TTFT at the
//! first content delta, flagged estimates, typed failures, cancellation, no stored text when
//! prompt storage is off, no secrets; the `gen_ai.call` span; the provider metrics; and one
//! call written through the real store on SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "recording/support.rs"]
mod support;

#[path = "recording/embeddings.rs"]
mod embeddings;

use futures::StreamExt;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{
    AiService, CallContext, ChatEvent, ChatMessage, ChatRequest, IdentityRepository,
    ProviderCallStore,
};
use hellosales_domain::{ExternalIdentity, OrgId, Role, UserId};
use hellosales_providers::recording::CANCELLED;
use hellosales_providers::{PriceTable, RecordingLlm, RecordingOptions, TokenUsage};
use hellosales_store::entities::provider_calls;
use hellosales_store::testing::TestDatabase;
use sea_orm::EntityTrait;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use support::{
    Capture, FailingStore, FakeLlm, MemoryStore, Metrics, Script, Step, delta, done,
    provider_error, usage,
};
use tracing_subscriber::layer::SubscriberExt;
use uuid::Uuid;

const MODEL: &str = "llama-3.1-8b-instant";
const KEY: &str = "gsk_live_SECRET0123456789";

fn ms(millis: u64) -> Step {
    Step::Sleep(Duration::from_millis(millis))
}

fn event(event: ChatEvent) -> Step {
    Step::Event(event)
}

fn request(model: &str) -> ChatRequest {
    ChatRequest::new(
        model,
        vec![
            ChatMessage::system("You are a sales coach."),
            ChatMessage::user("Open the call."),
        ],
    )
}

fn context() -> CallContext {
    CallContext::new(AiService::Chat)
        .for_tenant(OrgId::new(), UserId::new())
        .with_request_id("req-1")
        .with_pipeline_run(Uuid::now_v7())
        .with_session(Uuid::now_v7(), Some(Uuid::now_v7()))
}

fn recording(
    provider: Arc<FakeLlm>,
    store: Arc<dyn ProviderCallStore>,
    store_prompts: bool,
) -> RecordingLlm {
    RecordingLlm::new(
        provider,
        store,
        Arc::new(PriceTable::seeded()),
        RecordingOptions { store_prompts },
    )
}

/// 10 ms to an empty delta, 50 ms to the first content, 75 ms to the end; usage reported.
fn scripted_reply() -> Vec<Step> {
    vec![
        ms(10),
        event(delta("")),
        ms(40),
        event(delta("Hello")),
        ms(25),
        event(delta(" there")),
        event(usage(1_000, 300)),
        event(done(Some("stop"))),
    ]
}

async fn drain(llm: &RecordingLlm, ctx: &CallContext, req: ChatRequest) -> Vec<String> {
    let stream = llm.chat_stream(ctx, req).await.unwrap();
    let events: Vec<String> = stream
        .map(|item| match item {
            Ok(event) => format!("{event:?}"),
            Err(err) => format!("error {}", err.code()),
        })
        .collect()
        .await;
    llm.flush().await;
    events
}

#[tokio::test(start_paused = true)]
async fn a_streamed_call_is_recorded_once_with_exact_cost_and_ttft_at_the_first_content() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    let ctx = context();

    let mut stream = llm.chat_stream(&ctx, request(MODEL)).await.unwrap();
    let call_id = stream.call_id();
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        events.push(item.unwrap());
    }
    drop(stream);
    llm.flush().await;

    assert_eq!(
        events,
        [
            delta(""),
            delta("Hello"),
            delta(" there"),
            usage(1_000, 300),
            done(Some("stop"))
        ],
        "events pass through unchanged"
    );
    let row = store.only();
    assert_eq!(row.id, call_id);
    assert_eq!(row.ttft_ms, Some(50), "at the first non-empty delta");
    assert_eq!(row.latency_ms, 75);
    assert_eq!(
        row.completed_at - row.started_at,
        chrono::Duration::milliseconds(75)
    );
    assert_eq!((row.tokens_in, row.tokens_out), (Some(1_000), Some(300)));
    assert!(!row.tokens_estimated);
    assert_eq!(
        row.cost_usd_micros,
        Some(74),
        "1,000 in + 300 out on llama-3.1-8b"
    );
    assert_eq!(row.cost_cents(), Some(0));
    assert!(row.priced && row.success);
    assert_eq!(
        (row.error.as_deref(), row.error_code.as_deref()),
        (None, None)
    );
    assert_eq!(row.finish_reason.as_deref(), Some("stop"));
    assert_eq!(row.output_content.as_deref(), Some("Hello there"));
    assert_eq!(
        row.prompt_messages,
        Some(json!([
            {"role": "system", "content": "You are a sales coach."},
            {"role": "user", "content": "Open the call."}
        ]))
    );
    assert_eq!(
        (row.service, row.operation.as_str(), row.provider.as_str()),
        (AiService::Chat, "llm", "groq")
    );
    assert_eq!(row.model_id.as_deref(), Some(MODEL));
    assert_eq!(row.request_id, ctx.request_id);
    assert_eq!(row.pipeline_run_id, ctx.pipeline_run_id);
    assert_eq!(row.session_id, ctx.session_id);
    assert_eq!(row.interaction_id, ctx.interaction_id);
    assert_eq!(row.user_id, ctx.user_id);
    assert_eq!(row.org_id, ctx.org_id);
}

#[tokio::test(start_paused = true)]
async fn without_usage_tokens_are_estimated_flagged_and_still_priced() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![Script::Stream(vec![
                event(delta("Hello world!")),
                event(done(Some("stop"))),
            ])],
        ),
        store.clone(),
        true,
    );
    let req = ChatRequest::new(MODEL, vec![ChatMessage::user("abcdefgh")]);
    drain(&llm, &CallContext::new(AiService::Email), req).await;

    let row = store.only();
    assert!(row.tokens_estimated);
    assert_eq!((row.tokens_in, row.tokens_out), (Some(2), Some(3)));
    assert_eq!(row.cost_usd_micros, Some(1), "a real cost is never 0");
    assert!(row.priced && row.success);
    assert_eq!(row.service, AiService::Email);
}

#[tokio::test(start_paused = true)]
async fn an_unknown_model_is_unpriced_with_no_cost() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    drain(&llm, &context(), request("mystery-model-1")).await;

    let row = store.only();
    assert!(!row.priced, "the price table does not know the model");
    assert_eq!(row.cost_usd_micros, None, "unknown, never 0");
    assert_eq!(row.cost_cents(), None);
    assert_eq!(row.tokens_in, Some(1_000));
    assert!(row.success);
}

#[tokio::test(start_paused = true)]
async fn a_refused_request_is_recorded_as_failed_with_its_code() {
    let store = Arc::new(MemoryStore::default());
    let refusal = provider_error(
        ProviderFailure::RateLimited {
            retry_after_seconds: 3,
        },
        "HTTP 429",
    );
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Refuse(refusal)]),
        store.clone(),
        true,
    );
    let err = llm
        .chat_stream(&context(), request(MODEL))
        .await
        .unwrap_err();
    llm.flush().await;

    assert_eq!(
        err.code(),
        "PROVIDER_RATE_LIMITED",
        "the caller gets the typed error"
    );
    assert_eq!(err.retry_after_seconds(), Some(3));
    let row = store.only();
    assert!(!row.success);
    assert_eq!(row.error_code.as_deref(), Some("PROVIDER_RATE_LIMITED"));
    assert_eq!(row.error.as_deref(), Some("groq llm failed: HTTP 429"));
    assert_eq!(
        (row.tokens_in, row.tokens_out),
        (None, None),
        "nothing consumed"
    );
    assert_eq!((row.cost_usd_micros, row.ttft_ms), (None, None));
    assert!(row.priced && !row.tokens_estimated);
}

#[tokio::test(start_paused = true)]
async fn a_stream_error_is_passed_on_and_recorded_with_its_code() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![Script::Stream(vec![
                ms(20),
                event(delta("Hel")),
                ms(5),
                Step::Fail(provider_error(
                    ProviderFailure::MalformedStream,
                    "stream cut before [DONE]",
                )),
                event(delta("never seen")),
            ])],
        ),
        store.clone(),
        true,
    );
    let events = drain(&llm, &context(), request(MODEL)).await;

    assert_eq!(
        events,
        [r#"Delta("Hel")"#, "error PROVIDER_MALFORMED_STREAM"],
        "the stream ends after its error"
    );
    let row = store.only();
    assert!(!row.success);
    assert_eq!(row.error_code.as_deref(), Some("PROVIDER_MALFORMED_STREAM"));
    assert_eq!(row.ttft_ms, Some(20));
    assert_eq!(row.latency_ms, 25);
    assert_eq!(row.output_content.as_deref(), Some("Hel"));
    assert!(row.tokens_estimated, "usage never came");
    assert_eq!(row.tokens_out, Some(1));
}

#[tokio::test(start_paused = true)]
async fn a_stream_that_ends_without_done_is_a_malformed_stream() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(vec![event(delta("Hi"))])]),
        store.clone(),
        true,
    );
    let events = drain(&llm, &context(), request(MODEL)).await;

    assert_eq!(events, [r#"Delta("Hi")"#]);
    let row = store.only();
    assert!(!row.success);
    assert_eq!(row.error_code.as_deref(), Some("PROVIDER_MALFORMED_STREAM"));
}

#[tokio::test(start_paused = true)]
async fn a_dropped_stream_is_recorded_once_as_cancelled() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![Script::Stream(vec![
                ms(30),
                event(delta("Hi")),
                ms(10),
                Step::Hang,
            ])],
        ),
        store.clone(),
        true,
    );
    let mut stream = llm.chat_stream(&context(), request(MODEL)).await.unwrap();
    assert_eq!(stream.next().await.unwrap().unwrap(), delta("Hi"));
    let waited = tokio::time::timeout(Duration::from_millis(100), stream.next()).await;
    assert!(waited.is_err(), "the provider hangs");
    drop(stream);
    llm.flush().await;

    let row = store.only();
    assert!(!row.success);
    assert_eq!(row.error_code.as_deref(), Some(CANCELLED));
    assert_eq!(row.ttft_ms, Some(30));
    assert_eq!(row.latency_ms, 130);
    assert_eq!(row.output_content.as_deref(), Some("Hi"));
    assert!(row.tokens_estimated);
}

#[tokio::test(start_paused = true)]
async fn with_prompt_storage_off_no_text_is_stored() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![Script::Stream(vec![
                event(delta("Confidential pricing: 40% off")),
                event(done(Some("stop"))),
            ])],
        ),
        store.clone(),
        false,
    );
    let req = ChatRequest::new(MODEL, vec![ChatMessage::user("Acme's secret deal terms")]);
    drain(&llm, &context(), req).await;

    let row = store.only();
    assert_eq!(row.prompt_messages, None);
    assert_eq!(row.output_content, None);
    let text = format!("{row:?}");
    assert!(
        !text.contains("Confidential") && !text.contains("deal terms"),
        "{text}"
    );
    assert!(
        row.tokens_estimated,
        "tokens are still estimated from the text"
    );
    assert_eq!((row.tokens_in, row.tokens_out), (Some(6), Some(8)));
}

#[tokio::test(start_paused = true)]
async fn secrets_never_reach_the_row_or_the_logs() {
    let capture = Capture::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let store = Arc::new(MemoryStore::default());
    let leaky = provider_error(
        ProviderFailure::Authentication,
        &format!("401 for Authorization: Bearer {KEY} at https://x.test/v1/m?alt=sse&key={KEY}"),
    );
    let mid_stream = provider_error(ProviderFailure::ServerError, &format!("echo {KEY}"));
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![
                Script::Refuse(leaky),
                Script::Stream(vec![event(delta("a")), Step::Fail(mid_stream)]),
            ],
        ),
        store.clone(),
        true,
    );
    llm.chat_stream(&context(), request(MODEL))
        .await
        .unwrap_err();
    drain(&llm, &context(), request(MODEL)).await;

    let records = store.records();
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0].error.as_deref(),
        Some(
            "groq llm failed: 401 for Authorization: Bearer *** at https://x.test/v1/m?alt=sse&key=***"
        )
    );
    assert_eq!(
        records[0].error_code.as_deref(),
        Some("PROVIDER_AUTHENTICATION_FAILED")
    );
    assert_eq!(
        records[1].error.as_deref(),
        Some("groq llm failed: echo ***")
    );
    for text in records
        .iter()
        .map(|r| format!("{r:?}"))
        .chain(capture.events().iter().map(|e| format!("{e:?}")))
        .chain(
            capture
                .closed
                .lock()
                .unwrap()
                .iter()
                .map(|s| format!("{s:?}")),
        )
    {
        assert!(!text.contains("SECRET0123456789"), "leaked: {text}");
    }
}

#[tokio::test(start_paused = true)]
async fn the_span_carries_the_gen_ai_attributes_and_wraps_the_stream() {
    let capture = Capture::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    drain(&llm, &CallContext::new(AiService::Script), request(MODEL)).await;

    let span = capture.closed_span("gen_ai.call");
    for (field, value) in [
        ("otel.kind", "client"),
        ("otel.name", "chat llama-3.1-8b-instant"),
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "groq"),
        ("gen_ai.request.model", MODEL),
        ("gen_ai.usage.input_tokens", "1000"),
        ("gen_ai.usage.output_tokens", "300"),
        ("gen_ai.response.finish_reasons", "stop"),
        ("hellosales.service", "script"),
        ("hellosales.tokens_estimated", "false"),
    ] {
        assert_eq!(span.field(field), Some(value), "{field} in {span:#?}");
    }
    assert_eq!(span.field("error.type"), None);
    assert_eq!(
        span.field("provider_call.id"),
        Some(store.only().id.to_string().as_str())
    );
    let provider_lines: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|e| e.name == "fake provider yields")
        .collect();
    assert_eq!(provider_lines.len(), 5);
    assert!(
        provider_lines
            .iter()
            .all(|e| e.parent.as_deref() == Some("gen_ai.call")),
        "the provider's stream runs inside the span: {provider_lines:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_call_sets_error_type_on_its_span() {
    let capture = Capture::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![Script::Refuse(provider_error(
                ProviderFailure::Timeout,
                "no answer",
            ))],
        ),
        Arc::new(MemoryStore::default()),
        true,
    );
    llm.chat_stream(&context(), request(MODEL))
        .await
        .unwrap_err();
    llm.flush().await;

    let span = capture.closed_span("gen_ai.call");
    assert_eq!(span.field("error.type"), Some("PROVIDER_TIMEOUT"));
    assert_eq!(span.field("otel.status_code"), Some("ERROR"));
    assert_eq!(span.field("gen_ai.usage.input_tokens"), None);
}

#[tokio::test(start_paused = true)]
async fn metrics_count_calls_latency_ttft_and_cost() {
    let metrics = Metrics::default();
    let _guard = metrics::set_default_local_recorder(&metrics);
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![
                Script::Stream(scripted_reply()),
                Script::Refuse(provider_error(ProviderFailure::ServerError, "HTTP 500")),
                Script::Stream(scripted_reply()),
            ],
        ),
        Arc::new(MemoryStore::default()),
        true,
    );
    drain(&llm, &context(), request(MODEL)).await;
    llm.chat_stream(&context(), request(MODEL))
        .await
        .unwrap_err();
    drain(&llm, &context(), request("mystery-model")).await;

    let labels = "model=llama-3.1-8b-instant,provider=groq";
    let unknown = "model=mystery-model,provider=groq";
    assert_eq!(
        metrics.lines(),
        [
            format!("counter provider_calls_total{{{labels},status=error}} 1"),
            format!("counter provider_calls_total{{{labels},status=ok}} 1"),
            format!("counter provider_calls_total{{{unknown},status=ok}} 1"),
            format!("counter provider_cost_usd_micros_total{{{labels}}} 74"),
            format!("histogram provider_latency_ms{{{labels}}} 0"),
            format!("histogram provider_latency_ms{{{labels}}} 75"),
            format!("histogram provider_latency_ms{{{unknown}}} 75"),
            format!("histogram provider_ttft_ms{{{labels}}} 50"),
            format!("histogram provider_ttft_ms{{{unknown}}} 50"),
        ],
        "no cost for the unpriced model, no TTFT for the refused call"
    );
}

#[tokio::test(start_paused = true)]
async fn a_slow_store_never_delays_the_stream() {
    let store = Arc::new(MemoryStore::gated());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    let stream = llm.chat_stream(&context(), request(MODEL)).await.unwrap();
    let events: Vec<_> = stream.collect().await;
    assert_eq!(events.len(), 5, "the whole stream while the write waits");
    assert!(store.records().is_empty());

    store.open();
    llm.flush().await;
    assert_eq!(store.only().cost_usd_micros, Some(74));
}

#[tokio::test(start_paused = true)]
async fn a_failing_store_is_logged_and_never_fails_the_stream() {
    let capture = Capture::default();
    let _subscriber =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        Arc::new(FailingStore),
        true,
    );
    let completion = llm
        .complete(&context(), request(MODEL))
        .await
        .expect("the caller never sees the store's failure");
    llm.flush().await;

    assert_eq!(completion.content, "Hello there");
    let warnings: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|e| e.name == "provider call record not written")
        .collect();
    assert_eq!(warnings.len(), 1, "{:#?}", capture.events());
    assert_eq!(
        warnings[0].field("provider_call.id"),
        Some(completion.call_id.to_string().as_str())
    );
    assert_eq!(warnings[0].field("error.code"), Some("SERVICE_UNAVAILABLE"));
}

#[tokio::test(start_paused = true)]
async fn complete_collects_the_stream_into_one_recorded_call() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    let completion = llm.complete(&context(), request(MODEL)).await.unwrap();
    llm.flush().await;

    assert_eq!(completion.content, "Hello there");
    assert_eq!(
        completion.usage,
        Some(TokenUsage {
            prompt_tokens: 1_000,
            completion_tokens: 300
        })
    );
    assert_eq!(completion.finish_reason.as_deref(), Some("stop"));
    let row = store.only();
    assert_eq!(row.id, completion.call_id);
    assert_eq!(row.cost_usd_micros, Some(74));
}

#[tokio::test]
async fn a_call_is_written_through_the_real_store_on_sqlite() {
    let db = TestDatabase::sqlite().await;
    let store = db.store().await;
    let ids = store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: "user_recording".to_owned(),
            org_external_id: "org_recording".to_owned(),
            email: None,
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap();
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        Arc::new(store.provider_calls()),
        true,
    );
    let ctx = CallContext::new(AiService::Chat)
        .for_tenant(ids.org_id, ids.user_id)
        .with_request_id("req-e2e");
    let completion = llm.complete(&ctx, request(MODEL)).await.unwrap();
    llm.flush().await;

    let row = provider_calls::Entity::find_by_id(completion.call_id)
        .one(store.connection())
        .await
        .unwrap()
        .expect("the call's row");
    assert_eq!(row.org_id, Some(ids.org_id.0));
    assert_eq!(row.user_id, Some(ids.user_id.0));
    assert_eq!(row.request_id.as_deref(), Some("req-e2e"));
    assert_eq!((row.tokens_in, row.tokens_out), (Some(1_000), Some(300)));
    assert_eq!((row.cost_usd_micros, row.cost_cents), (Some(74), Some(0)));
    assert!(row.priced && row.success && !row.tokens_estimated);
    assert!(row.ttft_ms.is_some());
    assert_eq!(row.finish_reason.as_deref(), Some("stop"));
    assert_eq!(row.output_content.as_deref(), Some("Hello there"));
    assert_eq!(row.service, "chat");
    store.close().await.unwrap();
    db.cleanup().await;
}

#[tokio::test(start_paused = true)]
async fn a_completion_returns_once_its_record_is_written() {
    let store = Arc::new(MemoryStore::default());
    let llm = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        store.clone(),
        true,
    );
    let completion = llm.complete(&context(), request(MODEL)).await.unwrap();
    // No flush: the call's row exists as soon as the caller holds its id.
    assert_eq!(store.only().id, completion.call_id);
}

#[tokio::test(start_paused = true)]
async fn a_streamed_call_tells_when_its_record_is_written() {
    let store = Arc::new(MemoryStore::gated());
    let llm = recording(
        FakeLlm::new(
            "groq",
            vec![
                Script::Stream(scripted_reply()),
                Script::Stream(scripted_reply()),
            ],
        ),
        store.clone(),
        true,
    );
    let mut stream = llm.chat_stream(&context(), request(MODEL)).await.unwrap();
    assert!(
        stream.recorded().is_none(),
        "nothing is recorded before the end"
    );
    while stream.next().await.is_some() {}
    let written = stream.recorded().expect("the ended stream was recorded");
    store.open();
    assert!(written.wait().await);
    assert_eq!(store.only().id, stream.call_id());

    let failing = recording(
        FakeLlm::new("groq", vec![Script::Stream(scripted_reply())]),
        Arc::new(FailingStore),
        true,
    );
    let mut stream = failing
        .chat_stream(&context(), request(MODEL))
        .await
        .unwrap();
    while stream.next().await.is_some() {}
    assert!(
        !stream.recorded().unwrap().wait().await,
        "a refused write is reported, not hidden"
    );
}
