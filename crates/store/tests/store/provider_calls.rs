//! Provider-call records: a record written through the `ProviderCallStore` port comes back
//! column for column; cents are derived from micro-USD; an unpriced call keeps its cost NULL.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::{
    AiService, IdentityRepository, ProviderCallRecord, ProviderCallStore,
};
use hellosales_domain::{ExternalIdentity, Role};
use hellosales_store::Store;
use hellosales_store::entities::{interactions, provider_calls, sessions};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn tenant(store: &Store) -> ResolvedIdentity {
    let who = ExternalIdentity {
        auth_provider: "dev".to_owned(),
        subject: format!("user_{}", Uuid::new_v4().simple()),
        org_external_id: format!("org_{}", Uuid::new_v4().simple()),
        email: None,
        display_name: None,
        role: Role::Member,
    };
    store.identities().upsert_identity(&who).await.unwrap()
}

/// A session with one interaction, for the correlation ids (they are foreign keys).
async fn session_and_interaction(store: &Store, ids: &ResolvedIdentity) -> (Uuid, Uuid) {
    let at = now();
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(ids.user_id.0),
        org_id: Set(Some(ids.org_id.0)),
        state: Set("active".to_owned()),
        started_at: Set(at),
        ended_at: Set(None),
        interaction_count: Set(1),
        total_cost_cents: Set(0),
        total_cost_usd_micros: Set(0),
        duration_ms: Set(None),
        session_type: Set(Some("chat".to_owned())),
        metadata: Set(Some(json!({}))),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(store.connection())
    .await
    .unwrap();
    let interaction = interactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session.id),
        org_id: Set(session.org_id),
        user_id: Set(Some(session.user_id)),
        role: Set("user".to_owned()),
        input_type: Set("text".to_owned()),
        content: Set(Some("Hello".to_owned())),
        sequence_number: Set(1),
        metadata: Set(Some(json!({}))),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .unwrap();
    (session.id, interaction.id)
}

fn record() -> ProviderCallRecord {
    let started_at = now();
    ProviderCallRecord {
        id: Uuid::now_v7(),
        service: AiService::Chat,
        operation: "llm".to_owned(),
        provider: "groq".to_owned(),
        model_id: Some("llama-3.1-8b-instant".to_owned()),
        request_id: None,
        pipeline_run_id: None,
        session_id: None,
        interaction_id: None,
        user_id: None,
        org_id: None,
        prompt_messages: None,
        output_content: None,
        latency_ms: 120,
        ttft_ms: None,
        tokens_in: None,
        tokens_out: None,
        tokens_estimated: false,
        audio_duration_ms: None,
        cost_usd_micros: None,
        priced: true,
        success: false,
        error: None,
        error_code: None,
        finish_reason: None,
        response_model: None,
        started_at,
        completed_at: started_at + Duration::milliseconds(120),
    }
}

async fn read(store: &Store, id: Uuid) -> provider_calls::Model {
    provider_calls::Entity::find_by_id(id)
        .one(store.connection())
        .await
        .unwrap()
        .expect("the recorded row")
}

pub async fn a_recorded_call_round_trips_every_column(store: &Store) {
    let backend = store.backend();
    let ids = tenant(store).await;
    let (session_id, interaction_id) = session_and_interaction(store, &ids).await;
    let run_id = Uuid::now_v7();
    let call = ProviderCallRecord {
        service: AiService::Script,
        request_id: Some("req-42".to_owned()),
        pipeline_run_id: Some(run_id),
        session_id: Some(session_id),
        interaction_id: Some(interaction_id),
        user_id: Some(ids.user_id),
        org_id: Some(ids.org_id),
        prompt_messages: Some(json!([{"role": "user", "content": "Write a script"}])),
        output_content: Some("Hello, this is Ana from Acme.".to_owned()),
        ttft_ms: Some(48),
        tokens_in: Some(1_000),
        tokens_out: Some(300),
        tokens_estimated: true,
        audio_duration_ms: None,
        cost_usd_micros: Some(1_234_567),
        success: true,
        finish_reason: Some("stop".to_owned()),
        response_model: Some("llama-3.1-8b-instant-0924".to_owned()),
        ..record()
    };
    store.provider_calls().record(&call).await.unwrap();

    let row = read(store, call.id).await;
    let expected = provider_calls::Model {
        id: call.id,
        service: "script".to_owned(),
        operation: "llm".to_owned(),
        provider: "groq".to_owned(),
        model_id: Some("llama-3.1-8b-instant".to_owned()),
        request_id: Some("req-42".to_owned()),
        pipeline_run_id: Some(run_id),
        session_id: Some(session_id),
        interaction_id: Some(interaction_id),
        user_id: Some(ids.user_id.0),
        org_id: Some(ids.org_id.0),
        prompt_messages: call.prompt_messages.clone(),
        prompt_text: None,
        output_content: call.output_content.clone(),
        output_parsed: None,
        latency_ms: Some(120),
        ttft_ms: Some(48),
        tokens_in: Some(1_000),
        tokens_out: Some(300),
        tokens_estimated: true,
        audio_duration_ms: None,
        cost_cents: Some(123),
        cost_usd_micros: Some(1_234_567),
        priced: true,
        success: true,
        error: None,
        error_code: None,
        finish_reason: Some("stop".to_owned()),
        response_model: Some("llama-3.1-8b-instant-0924".to_owned()),
        started_at: call.started_at,
        completed_at: Some(call.completed_at),
        created_at: row.created_at,
    };
    assert_eq!(row, expected, "{backend:?}");
    assert!(row.created_at >= call.started_at, "{backend:?}");
}

pub async fn a_failed_unpriced_call_keeps_its_cost_unknown(store: &Store) {
    let backend = store.backend();
    let call = ProviderCallRecord {
        provider: "openrouter".to_owned(),
        model_id: Some("mistral-large".to_owned()),
        tokens_in: Some(12),
        tokens_out: Some(3),
        tokens_estimated: true,
        audio_duration_ms: None,
        priced: false,
        error: Some("openrouter llm failed: no data within 30000 ms".to_owned()),
        error_code: Some("PROVIDER_TIMEOUT".to_owned()),
        ..record()
    };
    store.provider_calls().record(&call).await.unwrap();

    let row = read(store, call.id).await;
    assert!(!row.priced, "{backend:?}");
    assert!(!row.success);
    assert_eq!(row.cost_usd_micros, None);
    assert_eq!(
        row.cost_cents, None,
        "{backend:?}: unknown cost is not 0 cents"
    );
    assert_eq!(row.error_code.as_deref(), Some("PROVIDER_TIMEOUT"));
    assert_eq!(row.org_id, None);
    assert_eq!(row.ttft_ms, None);

    let cheap = ProviderCallRecord {
        cost_usd_micros: Some(74),
        success: true,
        ..record()
    };
    store.provider_calls().record(&cheap).await.unwrap();
    let row = read(store, cheap.id).await;
    assert_eq!(row.cost_usd_micros, Some(74), "{backend:?}");
    assert_eq!(row.cost_cents, Some(0), "{backend:?}: cents are rounded");
}
