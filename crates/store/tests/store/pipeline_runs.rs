//! Pipeline runs: a run row is written when the run starts and completed once when it ends;
//! runs left `running` by a dead process are failed by `fail_abandoned`, and only those.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::{
    IdentityRepository, PipelineRunOutcome, PipelineRunStart, PipelineRunStatus, PipelineRunStore,
    RUN_ABANDONED,
};
use hellosales_domain::{ExternalIdentity, Role};
use hellosales_store::Store;
use hellosales_store::entities::{interactions, pipeline_runs, provider_calls, sessions};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

async fn tenant(store: &Store) -> ResolvedIdentity {
    store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", Uuid::new_v4().simple()),
            email: None,
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap()
}

/// A session and one interaction of `ids`.
async fn conversation(db: &DatabaseConnection, ids: &ResolvedIdentity) -> (Uuid, Uuid) {
    let at = now();
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(ids.user_id.0),
        org_id: Set(Some(ids.org_id.0)),
        state: Set("active".to_owned()),
        started_at: Set(at),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(db)
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
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    (session.id, interaction.id)
}

async fn provider_call(db: &DatabaseConnection, operation: &str) -> Uuid {
    let at = now();
    provider_calls::ActiveModel {
        id: Set(Uuid::now_v7()),
        service: Set("chat".to_owned()),
        operation: Set(operation.to_owned()),
        provider: Set("groq".to_owned()),
        success: Set(true),
        started_at: Set(at),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap()
    .id
}

/// A start record with no correlation ids.
fn bare_start(started_at: DateTime<Utc>) -> PipelineRunStart {
    PipelineRunStart {
        id: Uuid::now_v7(),
        service: "chat".to_owned(),
        pipeline_name: "chat".to_owned(),
        topology: None,
        behavior: None,
        quality_mode: None,
        request_id: None,
        session_id: None,
        interaction_id: None,
        user_id: None,
        org_id: None,
        run_metadata: json!({}),
        context_snapshot: json!({}),
        started_at,
    }
}

fn completed() -> PipelineRunOutcome {
    PipelineRunOutcome {
        status: PipelineRunStatus::Completed,
        success: true,
        error: None,
        error_code: None,
        stages: json!({"llm": {"status": "ok", "duration_ms": 12, "error": null}}),
        total_latency_ms: Some(40),
        ttft_ms: None,
        tokens_in: None,
        tokens_out: None,
        tokens_per_second: None,
        total_cost_usd_micros: None,
        stt_provider_call_id: None,
        llm_provider_call_id: None,
        tts_provider_call_id: None,
        ttfa_ms: None,
        ttfc_ms: None,
        input_audio_duration_ms: None,
        output_audio_duration_ms: None,
        completed_at: now(),
    }
}

async fn row(store: &Store, id: Uuid) -> pipeline_runs::Model {
    pipeline_runs::Entity::find_by_id(id)
        .one(store.connection())
        .await
        .unwrap()
        .expect("the run row exists")
}

pub async fn runs_start_running_and_finish_with_every_column(store: &Store) {
    let db = store.connection();
    let ids = tenant(store).await;
    let (session, interaction) = conversation(db, &ids).await;
    let (stt, llm, tts) = (
        provider_call(db, "stt").await,
        provider_call(db, "llm").await,
        provider_call(db, "tts").await,
    );
    let runs = store.pipeline_runs();
    let started_at = now();
    let start = PipelineRunStart {
        id: Uuid::now_v7(),
        service: "chat".to_owned(),
        pipeline_name: "chat_pipeline".to_owned(),
        topology: Some("chat_fast".to_owned()),
        behavior: Some("default".to_owned()),
        quality_mode: Some("fast".to_owned()),
        request_id: Some("req-1".to_owned()),
        session_id: Some(session),
        interaction_id: Some(interaction),
        user_id: Some(ids.user_id),
        org_id: Some(ids.org_id),
        run_metadata: json!({"client": "web"}),
        context_snapshot: json!({"input_text": "Hello", "messages": []}),
        started_at,
    };
    runs.start(&start).await.unwrap();

    let running = row(store, start.id).await;
    assert_eq!(running.status, "running");
    assert!(!running.success);
    assert_eq!(running.service, "chat");
    assert_eq!(running.pipeline_name.as_deref(), Some("chat_pipeline"));
    assert_eq!(running.topology.as_deref(), Some("chat_fast"));
    assert_eq!(running.behavior.as_deref(), Some("default"));
    assert_eq!(running.quality_mode.as_deref(), Some("fast"));
    assert_eq!(running.request_id.as_deref(), Some("req-1"));
    assert_eq!(running.session_id, Some(session));
    assert_eq!(running.interaction_id, Some(interaction));
    assert_eq!(running.user_id, Some(ids.user_id.0));
    assert_eq!(running.org_id, Some(ids.org_id.0));
    assert_eq!(running.run_metadata, Some(json!({"client": "web"})));
    assert_eq!(
        running.context_snapshot,
        Some(json!({"input_text": "Hello", "messages": []}))
    );
    assert_eq!(running.started_at, started_at);
    assert_eq!(running.completed_at, None);
    assert_eq!(running.error, None);

    let stages = json!({
        "guard": {"status": "ok", "duration_ms": 2, "error": null},
        "llm": {"status": "fail", "duration_ms": 1200, "error": "the model did not answer"},
    });
    let outcome = PipelineRunOutcome {
        status: PipelineRunStatus::Failed,
        success: false,
        error: Some("stage `llm` failed: the model did not answer".to_owned()),
        error_code: Some("PROVIDER_TIMEOUT".to_owned()),
        stages: stages.clone(),
        total_latency_ms: Some(1_234),
        ttft_ms: Some(321),
        tokens_in: Some(1_000),
        tokens_out: Some(300),
        tokens_per_second: Some(250.5),
        total_cost_usd_micros: Some(25_074),
        stt_provider_call_id: Some(stt),
        llm_provider_call_id: Some(llm),
        tts_provider_call_id: Some(tts),
        ttfa_ms: None,
        ttfc_ms: None,
        input_audio_duration_ms: None,
        output_audio_duration_ms: None,
        completed_at: now(),
    };
    assert!(runs.finish(start.id, &outcome).await.unwrap());

    let done = row(store, start.id).await;
    assert_eq!(done.status, "failed");
    assert!(!done.success);
    assert_eq!(done.error, outcome.error);
    assert_eq!(done.error_code.as_deref(), Some("PROVIDER_TIMEOUT"));
    assert_eq!(done.stages, Some(stages));
    assert_eq!(done.total_latency_ms, Some(1_234));
    assert_eq!(done.ttft_ms, Some(321));
    assert_eq!((done.tokens_in, done.tokens_out), (Some(1_000), Some(300)));
    assert_eq!(done.tokens_per_second, Some(250.5));
    assert_eq!(done.total_cost_usd_micros, Some(25_074));
    assert_eq!(
        done.total_cost_cents,
        Some(3),
        "derived, to the nearest cent"
    );
    assert_eq!(done.stt_provider_call_id, Some(stt));
    assert_eq!(done.llm_provider_call_id, Some(llm));
    assert_eq!(done.tts_provider_call_id, Some(tts));
    assert_eq!(done.completed_at, Some(outcome.completed_at));
    // What the start wrote is untouched.
    assert_eq!(done.started_at, started_at);
    assert_eq!(done.request_id.as_deref(), Some("req-1"));
    assert_eq!(done.context_snapshot, running.context_snapshot);
    assert_eq!(done.created_at, running.created_at);
}

pub async fn finishing_a_run_that_is_not_running_changes_nothing(store: &Store) {
    let runs = store.pipeline_runs();
    let start = bare_start(now());
    runs.start(&start).await.unwrap();
    assert!(runs.finish(start.id, &completed()).await.unwrap());
    let first = row(store, start.id).await;

    let late = PipelineRunOutcome {
        status: PipelineRunStatus::Cancelled,
        success: false,
        error: Some("late".to_owned()),
        error_code: Some("PIPELINE_CANCELLED".to_owned()),
        ..completed()
    };
    assert!(!runs.finish(start.id, &late).await.unwrap());
    assert_eq!(row(store, start.id).await, first);

    assert!(!runs.finish(Uuid::now_v7(), &completed()).await.unwrap());
    assert_eq!(
        pipeline_runs::Entity::find()
            .all(store.connection())
            .await
            .unwrap()
            .len(),
        1,
        "finishing an unknown run creates nothing"
    );

    // Starting the same run twice is refused.
    let err = runs.start(&start).await.unwrap_err();
    assert_eq!(err.code(), "CONFLICT");
}

pub async fn fail_abandoned_marks_only_old_running_runs(store: &Store) {
    let runs = store.pipeline_runs();
    let at = now();
    let old_running = bare_start(at - Duration::hours(2));
    let old_finished = bare_start(at - Duration::hours(2));
    let live = bare_start(at - Duration::seconds(5));
    for run in [&old_running, &old_finished, &live] {
        runs.start(run).await.unwrap();
    }
    assert!(runs.finish(old_finished.id, &completed()).await.unwrap());
    let finished_before = row(store, old_finished.id).await;

    let cutoff = at - Duration::hours(1);
    assert_eq!(runs.fail_abandoned(cutoff).await.unwrap(), 1);

    let abandoned = row(store, old_running.id).await;
    assert_eq!(abandoned.status, "failed");
    assert!(!abandoned.success);
    assert_eq!(abandoned.error_code.as_deref(), Some(RUN_ABANDONED));
    assert!(
        abandoned
            .error
            .as_deref()
            .is_some_and(|error| error.contains("never finished"))
    );
    assert!(abandoned.completed_at.is_some());
    assert_eq!(row(store, old_finished.id).await, finished_before);
    assert_eq!(row(store, live.id).await.status, "running");

    // Idempotent; and the abandoned run can no longer be finished by a straggler.
    assert_eq!(runs.fail_abandoned(cutoff).await.unwrap(), 0);
    assert!(!runs.finish(old_running.id, &completed()).await.unwrap());
    assert!(runs.finish(live.id, &completed()).await.unwrap());
}
