//! Rows of every table survive a round trip with their types intact (UUIDs, timestamps, JSON,
//! bytes, floats, micro-USD), database defaults apply, and the added constraints hold.

use chrono::{DateTime, SubsecRound, Utc};
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{ExternalIdentity, Role};
use hellosales_store::entities::*;
use hellosales_store::{Store, db_error};
use sea_orm::ActiveValue::Set;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait};
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
        role: Role::Admin,
    };
    store.identities().upsert_identity(&who).await.unwrap()
}

/// Inserts the row and checks that reading the table back gives the same model.
async fn round_trip<A>(db: &DatabaseConnection, row: A) -> <A::Entity as EntityTrait>::Model
where
    A: ActiveModelTrait + sea_orm::ActiveModelBehavior + Send,
    <A::Entity as EntityTrait>::Model: sea_orm::IntoActiveModel<A> + PartialEq + std::fmt::Debug,
{
    let inserted = row.insert(db).await.unwrap();
    let rows = <A::Entity as EntityTrait>::find().all(db).await.unwrap();
    assert!(
        rows.contains(&inserted),
        "{inserted:?} not read back: {rows:?}"
    );
    inserted
}

async fn new_session(db: &DatabaseConnection, ids: &ResolvedIdentity) -> sessions::Model {
    let at = now();
    round_trip(
        db,
        sessions::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(ids.user_id.0),
            org_id: Set(Some(ids.org_id.0)),
            state: Set("active".to_owned()),
            started_at: Set(at),
            ended_at: Set(None),
            interaction_count: Set(2),
            total_cost_cents: Set(1),
            total_cost_usd_micros: Set(1_234_567),
            duration_ms: Set(None),
            session_type: Set(Some("chat".to_owned())),
            metadata: Set(Some(json!({"client": "web"}))),
            created_at: Set(at),
            updated_at: Set(at),
        },
    )
    .await
}

async fn new_interaction(
    db: &DatabaseConnection,
    session: &sessions::Model,
    role: &str,
    message_id: Option<&str>,
    sequence_number: i32,
) -> Result<interactions::Model, hellosales_domain::AppError> {
    interactions::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session.id),
        org_id: Set(session.org_id),
        user_id: Set(Some(session.user_id)),
        role: Set(role.to_owned()),
        message_id: Set(message_id.map(str::to_owned)),
        input_type: Set("text".to_owned()),
        content: Set(Some("Hello".to_owned())),
        sequence_number: Set(sequence_number),
        metadata: Set(Some(json!({}))),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(db_error)
}

pub async fn every_table_round_trips_a_row(store: &Store) {
    let db = store.connection();
    let ids = tenant(store).await;
    let (org, user) = (ids.org_id.0, ids.user_id.0);
    let at = now();

    round_trip(
        db,
        company_profiles::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org),
            industry: Set(Some("Software".to_owned())),
            sales_team_size: Set(Some(12)),
            market_segments: Set(Some(json!(["SMB", "Enterprise"]))),
            typical_buying_cycle: Set(Some(json!({"stages": 4}))),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
    )
    .await;

    let session = new_session(db, &ids).await;
    assert_eq!(session.total_cost_usd_micros, 1_234_567);
    assert_eq!(session.started_at, at.max(session.started_at));
    let interaction = new_interaction(db, &session, "user", Some("m-1"), 1)
        .await
        .unwrap();

    round_trip(
        db,
        session_summaries::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session.id),
            version: Set(1),
            summary_text: Set("They want a demo.".to_owned()),
            cutoff_sequence: Set(1),
            token_count: Set(Some(5)),
            created_at: Set(at),
        },
    )
    .await;
    round_trip(
        db,
        summary_states::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session.id),
            turns_since_summary: Set(0),
            last_cutoff_sequence: Set(1),
            last_summary_at: Set(Some(at)),
            updated_at: Set(at),
        },
    )
    .await;

    let vector = [0.5_f32, -1.25, 3.0];
    let bytes: Vec<u8> = vector.iter().flat_map(|v| v.to_le_bytes()).collect();
    let embedding = round_trip(
        db,
        interaction_embeddings::ActiveModel {
            id: Set(Uuid::now_v7()),
            interaction_id: Set(interaction.id),
            session_id: Set(session.id),
            org_id: Set(Some(org)),
            content_hash: Set(Some("ab".repeat(32))),
            embedding: Set(bytes.clone()),
            dimensions: Set(3),
            model_id: Set("all-MiniLM-L6-v2".to_owned()),
            created_at: Set(at),
        },
    )
    .await;
    assert_eq!(embedding.embedding, bytes);

    let call = round_trip(
        db,
        provider_calls::ActiveModel {
            id: Set(Uuid::now_v7()),
            service: Set("chat".to_owned()),
            operation: Set("llm".to_owned()),
            provider: Set("groq".to_owned()),
            model_id: Set(Some("llama-3.1-8b-instant".to_owned())),
            session_id: Set(Some(session.id)),
            interaction_id: Set(Some(interaction.id)),
            user_id: Set(Some(user)),
            org_id: Set(Some(org)),
            prompt_messages: Set(Some(json!([{"role": "user", "content": "Hello"}]))),
            tokens_in: Set(Some(10)),
            tokens_out: Set(Some(20)),
            cost_cents: Set(Some(0)),
            cost_usd_micros: Set(Some(42)),
            success: Set(true),
            started_at: Set(at),
            completed_at: Set(Some(at)),
            created_at: Set(at),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(call.cost_usd_micros, Some(42));

    let run = round_trip(
        db,
        pipeline_runs::ActiveModel {
            id: Set(Uuid::now_v7()),
            service: Set("chat".to_owned()),
            pipeline_name: Set(Some("chat".to_owned())),
            topology: Set(Some("chat_fast".to_owned())),
            session_id: Set(Some(session.id)),
            user_id: Set(Some(user)),
            org_id: Set(Some(org)),
            llm_provider_call_id: Set(Some(call.id)),
            tokens_per_second: Set(Some(12.5)),
            total_cost_usd_micros: Set(Some(42)),
            status: Set("completed".to_owned()),
            success: Set(true),
            stages: Set(Some(json!({"llm": {"duration_ms": 12}}))),
            started_at: Set(at),
            created_at: Set(at),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(run.tokens_per_second, Some(12.5));

    round_trip(
        db,
        pipeline_events::ActiveModel {
            id: Set(Uuid::now_v7()),
            pipeline_run_id: Set(run.id),
            event_type: Set("stage.llm.completed".to_owned()),
            event_data: Set(Some(json!({"duration_ms": 12}))),
            org_id: Set(Some(org)),
            occurred_at: Set(at),
            created_at: Set(at),
            ..Default::default()
        },
    )
    .await;
    round_trip(
        db,
        dead_letter_queue::ActiveModel {
            id: Set(Uuid::now_v7()),
            pipeline_run_id: Set(Some(run.id)),
            error_type: Set("StageFailed".to_owned()),
            context_snapshot: Set(json!({"input_text": "Hello"})),
            org_id: Set(Some(org)),
            retry_count: Set(0),
            max_retries: Set(3),
            status: Set("pending".to_owned()),
            resolved_by: Set(Some(user)),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
    )
    .await;

    // Only the required columns: the database supplies the defaults.
    let product = round_trip(
        db,
        products::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org),
            name: Set("Widget".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert!(product.is_active);
    assert_eq!(product.key_features, Some(json!([])));
    assert_eq!(product.pricing_info, Some(json!({})));
    assert!((Utc::now() - product.created_at).num_minutes().abs() < 5);

    let client = round_trip(
        db,
        clients::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org),
            name: Set("Ada".to_owned()),
            pain_points: Set(Some(json!(["churn"]))),
            is_active: Set(true),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        },
    )
    .await;
    let script = |parent: Option<Uuid>, version: i32| sales_scripts::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(org),
        product_id: Set(Some(product.id)),
        client_id: Set(Some(client.id)),
        name: Set("Cold call".to_owned()),
        script_type: Set("cold_call".to_owned()),
        content: Set("Hi Ada…".to_owned()),
        objection_handlers: Set(Some(json!({"price": "…"}))),
        generated_by_session_id: Set(Some(session.id)),
        version: Set(version),
        parent_script_id: Set(parent),
        is_active: Set(true),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    };
    let first = round_trip(db, script(None, 1)).await;
    let second = round_trip(db, script(Some(first.id), 2)).await;
    assert_eq!(second.parent_script_id, Some(first.id));
    let defaults = round_trip(
        db,
        sales_emails::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org),
            name: Set("Follow-up".to_owned()),
            subject: Set("Next steps".to_owned()),
            body: Set("Hi Ada…".to_owned()),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(defaults.email_type, "general");
    assert_eq!(defaults.version, 1);

    let vector = round_trip(
        db,
        content_embeddings::ActiveModel {
            id: Set(Uuid::now_v7()),
            org_id: Set(org),
            kind: Set("product".to_owned()),
            item_id: Set(product.id),
            content_hash: Set("cd".repeat(32)),
            source_updated_at: Set(product.updated_at),
            embedding: Set(bytes.clone()),
            dimensions: Set(3),
            model_id: Set("all-MiniLM-L6-v2".to_owned()),
            created_at: Set(at),
            updated_at: Set(at),
        },
    )
    .await;
    assert_eq!(vector.embedding, bytes);
    let bad_kind = content_embeddings::ActiveModel {
        id: Set(Uuid::now_v7()),
        kind: Set("document".to_owned()),
        ..vector.into()
    }
    .insert(db)
    .await;
    assert!(bad_kind.is_err(), "content_embeddings.kind is checked");
}

pub async fn interactions_are_deduplicated_by_client_message_id(store: &Store) {
    let db = store.connection();
    let ids = tenant(store).await;
    let session = new_session(db, &ids).await;
    new_interaction(db, &session, "user", Some("client-1"), 1)
        .await
        .unwrap();
    let err = new_interaction(db, &session, "user", Some("client-1"), 2)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "CONFLICT",
        "{:?}: same message id",
        store.backend()
    );
    // The reply may carry the id of the message it answers; NULL ids never collide.
    new_interaction(db, &session, "assistant", Some("client-1"), 2)
        .await
        .unwrap();
    new_interaction(db, &session, "system", None, 3)
        .await
        .unwrap();
    new_interaction(db, &session, "system", None, 4)
        .await
        .unwrap();
    let err = new_interaction(db, &session, "user", Some("client-2"), 4)
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        "CONFLICT",
        "{:?}: same sequence",
        store.backend()
    );
}

pub async fn pipeline_run_status_is_checked(store: &Store) {
    let db = store.connection();
    let run = |status: Option<&str>| pipeline_runs::ActiveModel {
        id: Set(Uuid::now_v7()),
        service: Set("chat".to_owned()),
        status: status.map_or(sea_orm::ActiveValue::NotSet, |s| Set(s.to_owned())),
        ..Default::default()
    };
    let defaulted = run(None).insert(db).await.unwrap();
    assert_eq!(defaulted.status, "running");
    assert!(!defaulted.success);
    for status in ["completed", "failed", "cancelled"] {
        run(Some(status)).insert(db).await.unwrap();
    }
    let err = run(Some("bogus"))
        .insert(db)
        .await
        .map_err(db_error)
        .unwrap_err();
    assert_eq!(err.code(), "INTERNAL_ERROR", "{:?}", store.backend());
}
