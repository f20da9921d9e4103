//! The retention sweep with an explicit `now`: events older than the cutoff deleted, provider
//! call payloads cleared (their measures kept), recent rows untouched, an organization's own
//! days honoured and an unusable setting falling back to the default, in batches.

use crate::pulse::{event, org, start};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use hellosales_domain::OrgId;
use hellosales_domain::ports::{AiService, ProviderCallRecord, ProviderCallStore};
use hellosales_domain::retention::{RetentionReport, cutoffs_at};
use hellosales_store::Store;
use hellosales_store::entities::{organizations, pipeline_events, provider_calls};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

async fn set_settings(store: &Store, org: OrgId, settings: Value) {
    organizations::ActiveModel {
        id: Set(org.as_uuid()),
        settings: Set(Some(settings)),
        ..Default::default()
    }
    .update(store.connection())
    .await
    .unwrap();
}

async fn call(store: &Store, org: OrgId, at: DateTime<Utc>) -> Uuid {
    let id = Uuid::now_v7();
    let record = ProviderCallRecord {
        id,
        service: AiService::Chat,
        operation: "llm".to_owned(),
        provider: "groq".to_owned(),
        model_id: Some("m".to_owned()),
        request_id: None,
        pipeline_run_id: None,
        session_id: None,
        interaction_id: None,
        user_id: None,
        org_id: Some(org),
        prompt_messages: Some(json!([{ "role": "user", "content": "secret plan" }])),
        output_content: Some("an answer".to_owned()),
        latency_ms: 40,
        ttft_ms: Some(5),
        tokens_in: Some(12),
        tokens_out: Some(3),
        tokens_estimated: false,
        audio_duration_ms: None,
        cost_usd_micros: Some(900),
        priced: true,
        success: true,
        error: None,
        error_code: None,
        finish_reason: None,
        response_model: None,
        started_at: at,
        completed_at: at,
    };
    store.provider_calls().record(&record).await.unwrap();
    id
}

/// The organization's events, by type.
async fn events(store: &Store, run: Uuid) -> Vec<String> {
    let mut kinds: Vec<String> = pipeline_events::Entity::find()
        .filter(pipeline_events::Column::PipelineRunId.eq(run))
        .all(store.connection())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    kinds.sort();
    kinds
}

async fn payload_kept(store: &Store, id: Uuid) -> bool {
    let row = provider_calls::Entity::find_by_id(id)
        .one(store.connection())
        .await
        .unwrap()
        .unwrap();
    // The measures always stay.
    assert_eq!(
        (row.latency_ms, row.tokens_in, row.cost_usd_micros),
        (Some(40), Some(12), Some(900))
    );
    match (&row.prompt_messages, &row.output_content) {
        (Some(_), Some(_)) => true,
        (None, None) => {
            assert_eq!((row.prompt_text, row.output_parsed), (None, None));
            false
        }
        other => panic!("half cleared: {other:?}"),
    }
}

/// One organization's records: a run with events 40, 10 and 1 days old (`extra_old` more at
/// 40 days), and calls of those ages.
async fn seed(
    store: &Store,
    org: OrgId,
    now: DateTime<Utc>,
    extra_old: usize,
) -> (Uuid, [Uuid; 3]) {
    let run = start(store, org, "chat", now - Duration::days(60)).await;
    event(store, run, "d40", now - Duration::days(40)).await;
    for _ in 0..extra_old {
        event(store, run, "d40", now - Duration::days(40)).await;
    }
    event(store, run, "d10", now - Duration::days(10)).await;
    event(store, run, "d01", now - Duration::days(1)).await;
    let mut calls = [Uuid::nil(); 3];
    for (slot, days) in calls.iter_mut().zip([40, 10, 1]) {
        *slot = call(store, org, now - Duration::days(days)).await;
    }
    (run, calls)
}

pub async fn retention_sweeps_old_detail_by_organization_in_batches(store: &Store) {
    let now = Utc::now().trunc_subsecs(6);
    let (plain, short, broken) = (org(store).await, org(store).await, org(store).await);
    set_settings(store, short, json!({ "retention": { "days": 7 } })).await;
    set_settings(store, broken, json!({ "retention": { "days": "soon" } })).await;
    let (plain_run, plain_calls) = seed(store, plain, now, 4).await;
    let (short_run, short_calls) = seed(store, short, now, 0).await;
    let (broken_run, broken_calls) = seed(store, broken, now, 0).await;

    let retention = store.retention();
    let settings = retention.org_settings().await.unwrap();
    assert_eq!(
        settings.len(),
        3,
        "every organization has settings: {settings:?}"
    );
    let (cutoffs, rejected) = cutoffs_at(now, 30, &settings);
    assert_eq!(cutoffs.per_org, [(short, now - Duration::days(7))]);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, broken);

    let report = retention.sweep(&cutoffs, 2).await.unwrap();
    // The 7-day organization: 2 events and 2 calls (two statements each, the second finding
    // less than a batch); the others: 6 events (4 statements) and 2 calls (2 statements).
    assert_eq!(
        report,
        RetentionReport {
            events_deleted: 8,
            calls_cleared: 4,
            batches: 10,
        }
    );
    for run in [plain_run, broken_run] {
        assert_eq!(events(store, run).await, ["d01", "d10"]);
    }
    assert_eq!(events(store, short_run).await, ["d01"]);
    for calls in [plain_calls, broken_calls] {
        let kept = [
            payload_kept(store, calls[0]).await,
            payload_kept(store, calls[1]).await,
            payload_kept(store, calls[2]).await,
        ];
        assert_eq!(kept, [false, true, true]);
    }
    let kept = [
        payload_kept(store, short_calls[0]).await,
        payload_kept(store, short_calls[1]).await,
        payload_kept(store, short_calls[2]).await,
    ];
    assert_eq!(kept, [false, false, true]);

    // Nothing is left to sweep: one statement per kind and group of organizations.
    let again = retention.sweep(&cutoffs, 1_000).await.unwrap();
    assert_eq!(
        again,
        RetentionReport {
            events_deleted: 0,
            calls_cleared: 0,
            batches: 4,
        }
    );
    // Runs themselves are kept.
    assert_eq!(events(store, plain_run).await.len(), 2);
}
