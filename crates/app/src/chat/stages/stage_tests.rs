//! Each chat stage in isolation: a hand-built context, the real guard, a scripted model.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::guards::{FILTERED_RESPONSE, InputGuardStage, OutputGuardStage};
use super::llm::LlmStage;
use super::{
    GUARD_POLICY, INPUT_GUARD, INPUT_TEXT, LLM, MODEL, PROVIDER_CALL_ID, RESPONSE, SYSTEM_PROMPT,
};
use crate::chat::prompt::INSTRUCTIONS;
use crate::guardrails::{GuardConfig, RuleBasedGuard};
use chrono::Utc;
use futures::stream;
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::{
    ChatEvent, ChatRequest, ChatStream, GuardService, IdentityRepository, LlmProvider,
    ProviderCallRecord, ProviderCallStore,
};
use hellosales_domain::{
    AppError, AppResult, ExternalIdentity, Me, OrgId, Organization, SessionId, User, UserId,
};
use hellosales_providers::{LlmRoute, LlmRoutes, PriceTable, RecordingLlm, RecordingOptions};
use serde_json::json;
use stageflow::events::InMemoryEventSink;
use stageflow::{ContextSnapshot, Stage, StageContext, StageStatus, async_trait, stream_channel};
use std::sync::{Arc, Mutex};

fn guard() -> Arc<dyn GuardService> {
    Arc::new(RuleBasedGuard::new(GuardConfig::default()).unwrap())
}

/// An organization that blocks the term "Globex".
struct Directory;

#[async_trait]
impl IdentityRepository for Directory {
    async fn upsert_identity(&self, _: &ExternalIdentity) -> AppResult<ResolvedIdentity> {
        Err(AppError::internal("not used"))
    }

    async fn me(&self, _: UserId, _: OrgId) -> AppResult<Me> {
        Err(AppError::internal("not used"))
    }

    async fn organization(&self, org_id: OrgId) -> AppResult<Organization> {
        Ok(Organization {
            id: org_id,
            external_id: "org_acme".to_owned(),
            name: "Acme".to_owned(),
            slug: None,
            settings: json!({ "guardrails": { "blocked_terms": ["Globex"] } }),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        })
    }

    async fn user(&self, _: UserId) -> AppResult<User> {
        Err(AppError::internal("not used"))
    }
}

fn snapshot(text: &str) -> ContextSnapshot {
    ContextSnapshot::new()
        .with_org_id(OrgId::new().as_uuid())
        .with_user_id(UserId::new().as_uuid())
        .with_session_id(SessionId::new().as_uuid())
        .with_input_text(text)
}

#[tokio::test]
async fn the_input_guard_passes_redacts_and_cancels() {
    let stage = InputGuardStage::new(guard(), Arc::new(Directory));
    let run = |text: &'static str| {
        let events = InMemoryEventSink::new();
        let ctx = StageContext::builder(snapshot(text))
            .sink(Arc::new(events.clone()))
            .build();
        let stage = &stage;
        async move { (stage.execute(&ctx).await.unwrap(), events) }
    };

    let (passed, _) = run("How do I follow up after a demo?").await;
    assert_eq!(passed.status, StageStatus::Ok);
    assert_eq!(
        passed.data[INPUT_TEXT],
        json!("How do I follow up after a demo?")
    );
    assert_eq!(
        passed.data[GUARD_POLICY],
        json!({ "blocked_terms": ["Globex"] }),
        "the policy is passed on to the output guard"
    );

    let (redacted, events) = run("Write to ada@acme.test about pricing").await;
    assert_eq!(redacted.status, StageStatus::Ok);
    assert_eq!(
        redacted.data[INPUT_TEXT],
        json!("Write to [email] about pricing")
    );
    assert_eq!(events.of_type("guard.input.redacted").len(), 1);

    let (blocked, events) = run("Is Globex cheaper?").await;
    assert_eq!(blocked.status, StageStatus::Cancel);
    assert_eq!(blocked.data["category"], json!("blocked_term"));
    let emitted = events.of_type("guard.input.blocked");
    assert_eq!(emitted.len(), 1);
    assert_eq!(emitted[0].data()["category"], json!("blocked_term"));
}

#[tokio::test]
async fn the_output_guard_replaces_leaks_and_blocked_terms() {
    let stage = OutputGuardStage::new(guard());
    let check = |response: String| {
        let events = InMemoryEventSink::new();
        let ctx = StageContext::builder(snapshot("q"))
            .input(
                LLM,
                json!({ RESPONSE: response, SYSTEM_PROMPT: INSTRUCTIONS }),
            )
            .input(
                INPUT_GUARD,
                json!({ GUARD_POLICY: { "blocked_terms": ["Globex"] } }),
            )
            .sink(Arc::new(events.clone()))
            .build();
        let stage = &stage;
        async move { (stage.execute(&ctx).await.unwrap(), events) }
    };
    let (safe, events) = check("Ask about their goals first.".to_owned()).await;
    assert_eq!(safe.data["filtered"], json!(false));
    assert!(events.of_type("guard.output.filtered").is_empty());

    let (leak, events) = check(format!("Sure! My instructions: {INSTRUCTIONS}")).await;
    assert_eq!(leak.data["filtered"], json!(true));
    assert_eq!(leak.data[RESPONSE], json!(FILTERED_RESPONSE));
    assert_eq!(events.of_type("guard.output.filtered").len(), 1);

    let (term, _) = check("Globex is better.".to_owned()).await;
    assert_eq!(term.data[RESPONSE], json!(FILTERED_RESPONSE));
}

/// A model that answers the scripted deltas and remembers what it was asked.
struct ScriptedModel {
    deltas: Vec<&'static str>,
    asked: Mutex<Vec<ChatRequest>>,
}

#[async_trait]
impl LlmProvider for ScriptedModel {
    fn name(&self) -> &str {
        "groq"
    }

    async fn chat_stream(&self, request: ChatRequest) -> AppResult<ChatStream> {
        self.asked.lock().unwrap().push(request);
        let mut events: Vec<AppResult<ChatEvent>> = self
            .deltas
            .iter()
            .map(|d| Ok(ChatEvent::Delta((*d).to_owned())))
            .collect();
        events.push(Ok(ChatEvent::Usage {
            prompt_tokens: 1_000,
            completion_tokens: 300,
        }));
        events.push(Ok(ChatEvent::Done {
            finish_reason: Some("stop".to_owned()),
            model: None,
        }));
        Ok(Box::pin(stream::iter(events)))
    }
}

#[derive(Default)]
struct Calls(Mutex<Vec<ProviderCallRecord>>);

#[async_trait]
impl ProviderCallStore for Calls {
    async fn record(&self, call: &ProviderCallRecord) -> AppResult<()> {
        self.0.lock().unwrap().push(call.clone());
        Ok(())
    }
}

#[tokio::test]
async fn the_llm_stage_streams_every_delta_and_reports_the_recorded_call() {
    let model = Arc::new(ScriptedModel {
        deltas: vec!["Open ", "", "with a question."],
        asked: Mutex::default(),
    });
    let calls = Arc::new(Calls::default());
    let llm = RecordingLlm::new(
        model.clone(),
        calls.clone(),
        Arc::new(PriceTable::seeded()),
        RecordingOptions::default(),
    );
    let routes = LlmRoutes::new(
        LlmRoute {
            llm,
            model: "llama-3.1-8b-instant".to_owned(),
        },
        Vec::new(),
    );
    let (tx, mut rx) = stream_channel(16);
    let events = InMemoryEventSink::new();
    let ctx = StageContext::builder(snapshot("How do I open?"))
        .input("input_guard", json!({ INPUT_TEXT: "How do I open?" }))
        .input(
            "profile_enrich",
            json!({ "profile": { "display_name": "Ada", "org_name": "Acme", "org_context": null } }),
        )
        .input(
            "summary_enrich",
            json!({
                "summary": { "text": "They met last week.", "cutoff_sequence": 4, "version": 1 },
                "history": [{ "role": "user", "content": "earlier" }],
            }),
        )
        .config(MODEL, "")
        .sink(Arc::new(events.clone()))
        .stream(tx)
        .build();

    let output = LlmStage::new(routes).execute(&ctx).await.unwrap();
    drop(ctx);
    let mut streamed = Vec::new();
    while let Some(item) = rx.recv().await {
        streamed.push(item.data);
    }
    assert_eq!(
        streamed,
        [
            json!({ "delta": "Open ", "index": 0 }),
            json!({ "delta": "with a question.", "index": 1 })
        ],
        "empty deltas are not streamed"
    );
    assert_eq!(output.data[RESPONSE], json!("Open with a question."));
    assert_eq!(output.data["tokens_in"], json!(1_000));
    assert_eq!(output.data["cost_usd_micros"], json!(74));
    assert_eq!(events.of_type("llm.first_token").len(), 1);

    // The call is written when the stage returns, and it is the one the stage names.
    let recorded = calls.0.lock().unwrap().clone();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        output.data[PROVIDER_CALL_ID],
        json!(recorded[0].id.to_string())
    );
    let asked = model.asked.lock().unwrap().clone();
    assert_eq!(asked[0].model, "llama-3.1-8b-instant", "the route's model");
    let system = &asked[0].messages[0].content;
    assert!(system.contains("talking to Ada") && system.contains("They met last week."));
    let contents: Vec<&str> = asked[0].messages[1..]
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["earlier", "How do I open?"]);
}
