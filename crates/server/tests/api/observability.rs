//! Observability wiring of the server: a run left `running` by a crash is marked failed when
//! the server starts again, and only runs old enough to be dead are touched.

use crate::helpers::{TestApp, backends};
use chrono::{Duration, Utc};
use hellosales_domain::ports::{PipelineRunStart, PipelineRunStore, RUN_ABANDONED};
use hellosales_store::entities::pipeline_runs;
use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

fn run_started(ago: Duration) -> PipelineRunStart {
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
        started_at: Utc::now() - ago,
    }
}

#[tokio::test]
async fn a_restart_fails_the_runs_a_crash_left_running() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let runs = app.state.store().pipeline_runs();
        let crashed = run_started(Duration::hours(2));
        let live = run_started(Duration::seconds(5));
        runs.start(&crashed).await.unwrap();
        runs.start(&live).await.unwrap();

        let app = app.restart().await;
        let db = app.state.store().connection();
        let crashed = pipeline_runs::Entity::find_by_id(crashed.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(crashed.status, "failed", "{backend:?}");
        assert_eq!(crashed.error_code.as_deref(), Some(RUN_ABANDONED));
        assert!(!crashed.success);
        let live = pipeline_runs::Entity::find_by_id(live.id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            live.status, "running",
            "a recent run may be another instance's live run"
        );
        app.cleanup().await;
    }
}
