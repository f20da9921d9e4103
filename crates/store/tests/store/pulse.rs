//! The Pulse read side: runs and calls scoped to their organization, newest first with ties
//! broken by id, events oldest first through their run, another organization's run not found,
//! and the cents derived (rounded up) from the exact cost.

use chrono::{SubsecRound, Utc};
use hellosales_domain::content::PageQuery;
use hellosales_domain::ports::{
    AiService, IdentityRepository, PipelineRunOutcome, PipelineRunStart, PipelineRunStatus,
    PipelineRunStore, ProviderCallRecord, ProviderCallStore, PulseStore,
};
use hellosales_domain::pulse::{PipelineRunFilter, ProviderCallFilter};
use hellosales_domain::{ExternalIdentity, OrgId, Role};
use hellosales_store::Store;
use hellosales_store::entities::pipeline_events;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;
use uuid::Uuid;

pub(crate) async fn org(store: &Store) -> OrgId {
    store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", Uuid::new_v4().simple()),
            email: None,
            display_name: None,
            role: Role::Admin,
        })
        .await
        .unwrap()
        .org_id
}

fn page(limit: u64, offset: u64) -> PageQuery {
    PageQuery { limit, offset }
}

pub(crate) async fn start(
    store: &Store,
    org: OrgId,
    service: &str,
    at: chrono::DateTime<Utc>,
) -> Uuid {
    let id = Uuid::now_v7();
    store
        .pipeline_runs()
        .start(&PipelineRunStart {
            id,
            service: service.to_owned(),
            pipeline_name: service.to_owned(),
            topology: Some("default".to_owned()),
            behavior: None,
            quality_mode: None,
            request_id: Some("req-1".to_owned()),
            session_id: None,
            interaction_id: None,
            user_id: None,
            org_id: Some(org),
            run_metadata: json!({}),
            context_snapshot: json!({}),
            started_at: at,
        })
        .await
        .unwrap();
    id
}

pub(crate) async fn event(store: &Store, run: Uuid, kind: &str, at: chrono::DateTime<Utc>) {
    pipeline_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        pipeline_run_id: Set(run),
        event_type: Set(kind.to_owned()),
        event_data: Set(Some(json!({ "kind": kind }))),
        request_id: Set(None),
        session_id: Set(None),
        user_id: Set(None),
        org_id: Set(None),
        occurred_at: Set(at),
        created_at: Set(at),
    }
    .insert(store.connection())
    .await
    .unwrap();
}

pub async fn pulse_reads_runs_events_and_calls_of_one_organization(store: &Store) {
    let pulse = store.pulse();
    let (ours, theirs) = (org(store).await, org(store).await);
    let at = Utc::now().trunc_subsecs(6);
    // Two runs at the same instant: the later id comes first.
    let first = start(store, ours, "chat", at).await;
    let second = start(store, ours, "chat", at).await;
    let script = start(store, ours, "script", at - chrono::Duration::seconds(5)).await;
    let foreign = start(store, theirs, "chat", at).await;
    store
        .pipeline_runs()
        .finish(
            first,
            &PipelineRunOutcome {
                status: PipelineRunStatus::Completed,
                success: true,
                error: None,
                error_code: None,
                stages: json!({ "llm": { "status": "ok" } }),
                total_latency_ms: Some(10),
                ttft_ms: Some(5),
                tokens_in: Some(10),
                tokens_out: Some(2),
                tokens_per_second: None,
                total_cost_usd_micros: Some(10_001),
                stt_provider_call_id: None,
                llm_provider_call_id: None,
                tts_provider_call_id: None,
                ttfa_ms: None,
                ttfc_ms: None,
                input_audio_duration_ms: None,
                output_audio_duration_ms: None,
                completed_at: at,
            },
        )
        .await
        .unwrap();

    let all = pulse
        .pipeline_runs(ours, &PipelineRunFilter::default(), page(10, 0))
        .await
        .unwrap();
    let ids: Vec<Uuid> = all.items.iter().map(|r| r.id).collect();
    assert_eq!(ids, [second, first, script]);
    assert_eq!(all.total, 3);
    let finished = &all.items[1];
    assert_eq!((finished.total_cost_cents, finished.success), (2, true));
    assert_eq!(finished.stages, Some(json!({ "llm": { "status": "ok" } })));
    assert_eq!(all.items[0].total_cost_cents, 0);
    let paged = pulse
        .pipeline_runs(ours, &PipelineRunFilter::default(), page(1, 1))
        .await
        .unwrap();
    assert_eq!((paged.total, paged.items[0].id), (3, first));
    let scripts = PipelineRunFilter {
        service: Some("script".to_owned()),
        ..PipelineRunFilter::default()
    };
    let found = pulse
        .pipeline_runs(ours, &scripts, page(10, 0))
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|r| r.id).collect::<Vec<_>>(),
        [script]
    );
    let recent = PipelineRunFilter {
        start_time: Some(at),
        success: Some(false),
        ..PipelineRunFilter::default()
    };
    assert_eq!(
        pulse
            .pipeline_runs(ours, &recent, page(10, 0))
            .await
            .unwrap()
            .total,
        1
    );

    // Events: oldest first, read through the run of the organization only.
    event(
        store,
        first,
        "pipeline.completed",
        at + chrono::Duration::seconds(1),
    )
    .await;
    event(store, first, "pipeline.started", at).await;
    event(store, foreign, "pipeline.started", at).await;
    let events = pulse.run_events(ours, first).await.unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["pipeline.started", "pipeline.completed"]);
    assert_eq!(events[0].kind, events[0].event_type);
    for missing in [foreign, Uuid::now_v7()] {
        for err in [
            pulse.run_events(ours, missing).await.unwrap_err(),
            pulse.pipeline_run(ours, missing).await.unwrap_err(),
        ] {
            assert_eq!(err.code(), "PIPELINE_RUN_NOT_FOUND");
        }
    }
    assert_eq!(
        pulse.pipeline_run(theirs, foreign).await.unwrap().org_id,
        theirs
    );

    // Provider calls: scoped, filtered, cents rounded up.
    let call = |org: OrgId, provider: &str, micros: Option<i64>| ProviderCallRecord {
        id: Uuid::now_v7(),
        service: AiService::Chat,
        operation: "llm".to_owned(),
        provider: provider.to_owned(),
        model_id: Some("m-1".to_owned()),
        request_id: Some("req-7".to_owned()),
        pipeline_run_id: Some(first),
        session_id: None,
        interaction_id: None,
        user_id: None,
        org_id: Some(org),
        prompt_messages: Some(json!([{ "role": "user", "content": "Hi" }])),
        output_content: Some("Hello".to_owned()),
        latency_ms: 12,
        ttft_ms: None,
        tokens_in: None,
        tokens_out: None,
        tokens_estimated: false,
        audio_duration_ms: None,
        cost_usd_micros: micros,
        priced: micros.is_some(),
        success: micros.is_some(),
        error: None,
        error_code: None,
        finish_reason: None,
        response_model: None,
        started_at: at,
        completed_at: at,
    };
    let priced = call(ours, "groq", Some(15_000));
    let unpriced = call(ours, "google", None);
    for record in [&priced, &unpriced, &call(theirs, "groq", Some(1))] {
        store.provider_calls().record(record).await.unwrap();
    }
    let calls = pulse
        .provider_calls(ours, &ProviderCallFilter::default(), page(10, 0))
        .await
        .unwrap();
    let ids: Vec<Uuid> = calls.items.iter().map(|c| c.id).collect();
    assert_eq!(ids, [unpriced.id, priced.id]);
    assert_eq!(
        (calls.items[1].cost_cents, calls.items[0].cost_cents),
        (2, 0)
    );
    assert_eq!(calls.items[1].output_content.as_deref(), Some("Hello"));
    let groq = ProviderCallFilter {
        provider: Some("groq".to_owned()),
        request_id: Some("req-7".to_owned()),
        model: Some("m-1".to_owned()),
        ..ProviderCallFilter::default()
    };
    let found = pulse
        .provider_calls(ours, &groq, page(10, 0))
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [priced.id]
    );
}
