//! The AI services as the server wires them from its configuration, against the fake provider
//! server: every attempt is a priced `provider_calls` row, a retryable refusal falls back to the
//! next provider, provider calls are OpenTelemetry client spans with the GenAI attributes whose
//! trace reaches the provider in `traceparent`, and the API key is never logged or stored; a
//! pipeline run is one `pipeline_runs` row, its events in `pipeline_events`, and one trace
//! (pipeline, stage, provider call).

use crate::helpers::{Backend, TestApp, backends};
use hellosales_app::RunTotals;
use hellosales_domain::ports::{AiService, CallContext, ChatMessage, ChatRequest};
use hellosales_domain::{ExternalIdentity, Role};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_store::entities::{pipeline_events, pipeline_runs, provider_calls};
use opentelemetry::trace::SpanKind;
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use stageflow::events::EventSink;
use stageflow::interceptors::default_interceptors;
use stageflow::{
    ContextSnapshot, FnStage, Pipeline, RunOptions, StageContext, StageError, StageKind,
    StageOutput, StageSpec,
};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

const GROQ_KEY: &str = "gsk_test_0123456789abcdefSECRET";
const GEMINI_KEY: &str = "AIzaTest0123456789SECRETgemini";

async fn groq_app(backend: &Backend, fake: &FakeProviderServer, extra: &[(&str, &str)]) -> TestApp {
    let base_url = fake.openai_base_url();
    let mut env = vec![
        ("LLM_PROVIDER", "groq"),
        ("GROQ_API_KEY", GROQ_KEY),
        ("GROQ_BASE_URL", base_url.as_str()),
    ];
    env.extend_from_slice(extra);
    TestApp::spawn_with(backend, &env).await
}

/// A call context of a real tenant of `app` (the record's org and user are foreign keys).
async fn tenant_context(app: &TestApp) -> CallContext {
    let resolved = app
        .state
        .identities()
        .resolve(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", uuid::Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", uuid::Uuid::new_v4().simple()),
            email: None,
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap();
    CallContext::new(AiService::Script)
        .for_tenant(resolved.org_id, resolved.user_id)
        .with_request_id("req-ai-1")
}

fn request() -> ChatRequest {
    ChatRequest::new(
        String::new(),
        vec![
            ChatMessage::system("You write sales scripts."),
            ChatMessage::user("A cold call for Acme."),
        ],
    )
}

/// Every provider call of `app`, oldest first, once the pending writes are done.
async fn recorded_calls(app: &TestApp) -> Vec<provider_calls::Model> {
    app.state.ai().shutdown().await;
    provider_calls::Entity::find()
        .order_by_asc(provider_calls::Column::StartedAt)
        .all(app.state.store().connection())
        .await
        .unwrap()
}

#[tokio::test]
async fn configured_calls_are_recorded_priced_and_never_store_the_key() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Hello ", "Acme!"]).with_usage(1_000, 300));
        let app = groq_app(&backend, &fake, &[]).await;
        let context = tenant_context(&app).await;

        let completion = app
            .state
            .ai()
            .llm()
            .complete(&context, request())
            .await
            .unwrap();
        assert_eq!(completion.content, "Hello Acme!");

        let sent = fake.requests();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].model(), Some("llama-3.1-8b-instant"));
        assert_eq!(
            sent[0].header("authorization"),
            Some(format!("Bearer {GROQ_KEY}").as_str())
        );

        let calls = recorded_calls(&app).await;
        assert_eq!(calls.len(), 1, "{backend:?}");
        let call = &calls[0];
        assert_eq!(call.id, completion.call_id);
        assert_eq!(call.provider, "groq");
        assert_eq!(call.service, "script");
        assert_eq!(call.model_id.as_deref(), Some("llama-3.1-8b-instant"));
        assert_eq!((call.tokens_in, call.tokens_out), (Some(1_000), Some(300)));
        assert_eq!(call.cost_usd_micros, Some(74), "the pinned example");
        assert_eq!(call.org_id, context.org_id.map(|id| id.0));
        assert_eq!(call.request_id.as_deref(), Some("req-ai-1"));
        assert!(call.success);
        let row = format!("{call:?}");
        assert!(!row.contains(GROQ_KEY), "{row}");
        app.cleanup().await;
    }
}

/// Groq first, Gemini as its fallback, both on `fake`.
async fn groq_then_gemini_app(fake: &FakeProviderServer) -> TestApp {
    let gemini_url = fake.gemini_base_url();
    groq_app(
        &Backend::Sqlite,
        fake,
        &[
            ("LLM_FALLBACK_PROVIDER", "gemini"),
            ("GEMINI_API_KEY", GEMINI_KEY),
            ("GEMINI_BASE_URL", gemini_url.as_str()),
            // Straight to the fallback (retries are the resilience tests' subject).
            ("LLM_RETRY_MAX_ATTEMPTS", "1"),
        ],
    )
    .await
}

#[tokio::test]
async fn a_retryable_refusal_falls_back_and_each_attempt_is_a_row() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::server_error());
    fake.push(Reply::text(["From Gemini."]).with_usage(20, 4));
    let app = groq_then_gemini_app(&fake).await;
    let context = tenant_context(&app).await;

    let completion = app
        .state
        .ai()
        .llm()
        .complete(&context, request())
        .await
        .unwrap();
    assert_eq!(completion.content, "From Gemini.");
    let sent = fake.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].header("x-goog-api-key"), Some(GEMINI_KEY));

    let calls = recorded_calls(&app).await;
    let summary: Vec<_> = calls
        .iter()
        .map(|c| (c.provider.as_str(), c.success, c.error_code.as_deref()))
        .collect();
    assert_eq!(
        summary,
        [
            ("groq", false, Some("PROVIDER_SERVER_ERROR")),
            ("gemini", true, None)
        ]
    );
    assert_eq!(
        calls[1].cost_usd_micros,
        Some(4),
        "20 in + 4 out on gemini-2.0-flash"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_non_retryable_refusal_does_not_fall_back() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::unauthorized());
    let app = groq_then_gemini_app(&fake).await;
    let context = tenant_context(&app).await;
    let error = app
        .state
        .ai()
        .llm()
        .complete(&context, request())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "PROVIDER_AUTHENTICATION_FAILED");
    assert_eq!(
        fake.requests().len(),
        1,
        "a rejected key is not retried elsewhere"
    );
    app.cleanup().await;
}

/// Log lines written into memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn provider_calls_are_gen_ai_client_spans_that_reach_the_provider_and_logs_hold_no_key() {
    hellosales_server::telemetry::otel::install_propagator();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::registry()
        .with(hellosales_server::telemetry::otel::layer(&provider))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .with_writer(move || writer.clone()),
        );
    // Thread-local: the server and the fake run on this thread (current-thread runtime).
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(
        Reply::text(["Hi"])
            .with_usage(12, 2)
            .with_model("llama-3.1-8b-instant-0724"),
    );
    // A provider that echoes the key in its error (some do): it must not reach logs or rows.
    fake.push(Reply::error(400, format!("bad request for key {GROQ_KEY}")));
    let app = groq_app(&Backend::Sqlite, &fake, &[]).await;
    let context = tenant_context(&app).await;
    app.state
        .ai()
        .llm()
        .complete(&context, request())
        .await
        .unwrap();
    let error = app
        .state
        .ai()
        .llm()
        .complete(&context, request())
        .await
        .unwrap_err();
    assert_eq!(error.code(), "PROVIDER_BAD_REQUEST");
    assert!(!error.to_string().contains(GROQ_KEY), "{error}");
    let calls = recorded_calls(&app).await;
    app.cleanup().await;
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let chat: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "chat llama-3.1-8b-instant")
        .collect();
    assert_eq!(
        chat.len(),
        2,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    let attribute = |span: &opentelemetry_sdk::trace::SpanData, key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    };
    let ok = chat[0];
    assert_eq!(ok.span_kind, SpanKind::Client);
    for (key, value) in [
        ("gen_ai.operation.name", "chat"),
        ("gen_ai.provider.name", "groq"),
        ("gen_ai.request.model", "llama-3.1-8b-instant"),
        ("gen_ai.response.model", "llama-3.1-8b-instant-0724"),
        ("gen_ai.usage.input_tokens", "12"),
        ("gen_ai.usage.output_tokens", "2"),
        ("gen_ai.response.finish_reasons", "stop"),
    ] {
        assert_eq!(attribute(ok, key).as_deref(), Some(value), "{key}");
    }
    assert_eq!(attribute(ok, "error.type"), None);
    assert_eq!(
        attribute(chat[1], "error.type").as_deref(),
        Some("PROVIDER_BAD_REQUEST")
    );

    let traceparent = fake.requests()[0]
        .header("traceparent")
        .map(str::to_owned)
        .expect("the provider request carries traceparent");
    let trace_id = ok.span_context.trace_id().to_string();
    assert!(
        traceparent.contains(&trace_id),
        "{traceparent} continues trace {trace_id}"
    );

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(!logged.is_empty(), "logs were captured");
    assert!(!logged.contains(GROQ_KEY), "the key was logged:\n{logged}");
    for call in &calls {
        let row = format!("{call:?}");
        assert!(!row.contains(GROQ_KEY), "the key was stored: {row}");
    }
    assert_eq!(calls.len(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn a_pipeline_run_is_one_run_row_its_events_and_one_trace() {
    hellosales_server::telemetry::otel::install_propagator();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber =
        tracing_subscriber::registry().with(hellosales_server::telemetry::otel::layer(&provider));
    let _guard = tracing::subscriber::set_default(subscriber);

    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::text(["A ", "script."]).with_usage(1_000, 300));
    let app = groq_app(&Backend::Sqlite, &fake, &[]).await;
    let context = tenant_context(&app).await;
    let ai = app.state.ai().clone();

    let llm_stage = {
        let (ai, context) = (ai.clone(), context.clone());
        FnStage::new(move |stage: StageContext| {
            let (ai, context) = (ai.clone(), context.clone());
            async move {
                let context = context.with_pipeline_run(stage.snapshot().pipeline_run_id);
                let completion = ai
                    .llm()
                    .complete(&context, request())
                    .await
                    .map_err(|e| StageError::new(e.code(), e.public_message()))?;
                Ok(StageOutput::ok()
                    .with("text", completion.content)
                    .with("call_id", completion.call_id.to_string()))
            }
        })
    };
    let pipeline = Pipeline::builder("script_generation")
        .interceptors(default_interceptors(ai.interceptors()))
        .stage(StageSpec::new(
            "input_guard",
            FnStage::new(|_| async { Ok(StageOutput::ok()) }),
            StageKind::Guard,
        ))
        .stage(StageSpec::new("llm", llm_stage, StageKind::Transform).depends_on(["input_guard"]))
        .build()
        .unwrap();
    let snapshot = ContextSnapshot::new()
        .with_request_id("req-run-1")
        .with_service("script")
        .with_topology("script_generation")
        .with_org_id(context.org_id.unwrap().0)
        .with_user_id(context.user_id.unwrap().0);
    let run_id = snapshot.pipeline_run_id;

    ai.runs()
        .start(
            &snapshot,
            "script_generation",
            "script",
            serde_json::json!({}),
        )
        .await
        .unwrap();
    let sink: Arc<dyn EventSink> = Arc::new(ai.events().clone());
    let result = pipeline
        .run(snapshot.clone(), RunOptions::new().sink(sink))
        .await;
    let results = result.as_ref().unwrap();
    let call_id: String = results.get("llm").unwrap().get("call_id").unwrap();
    // No flush: `complete` returns once the call's row (which the run row refers to) exists.
    let totals = RunTotals {
        tokens_in: Some(1_000),
        tokens_out: Some(300),
        cost_usd_micros: Some(74),
        llm_provider_call_id: Some(call_id.parse().unwrap()),
        ..RunTotals::default()
    };
    ai.runs().finish(&snapshot, &result, totals).await;
    ai.events().flush().await;

    let db = app.state.store().connection();
    let run = pipeline_runs::Entity::find_by_id(run_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.status, "completed");
    assert_eq!(run.org_id, context.org_id.map(|id| id.0));
    assert_eq!(
        run.llm_provider_call_id.map(|id| id.to_string()),
        Some(call_id.clone())
    );
    assert_eq!(run.total_cost_usd_micros, Some(74));
    let stages = run.stages.unwrap();
    assert_eq!(stages["input_guard"]["status"], "ok");
    assert_eq!(stages["llm"]["status"], "ok");
    let call = provider_calls::Entity::find_by_id(call_id.parse::<uuid::Uuid>().unwrap())
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(call.pipeline_run_id, Some(run_id));

    let events: Vec<String> = pipeline_events::Entity::find()
        .filter(pipeline_events::Column::PipelineRunId.eq(run_id))
        .order_by_asc(pipeline_events::Column::OccurredAt)
        .order_by_asc(pipeline_events::Column::Id)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(events.first().map(String::as_str), Some("pipeline.started"));
    assert!(
        events.contains(&"stage.llm.completed".to_owned()),
        "{events:?}"
    );
    assert!(
        events.contains(&"pipeline.completed".to_owned()),
        "{events:?}"
    );
    app.cleanup().await;
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let named = |name: &str| {
        spans.iter().find(|s| s.name == name).unwrap_or_else(|| {
            panic!(
                "no span {name} in {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        })
    };
    let run_span = named("pipeline script_generation");
    let stage_span = named("stage llm");
    let call_span = named("chat llama-3.1-8b-instant");
    assert_eq!(stage_span.parent_span_id, run_span.span_context.span_id());
    assert_eq!(call_span.parent_span_id, stage_span.span_context.span_id());
    assert_eq!(
        call_span.span_context.trace_id(),
        run_span.span_context.trace_id()
    );
}
