//! Pulse aggregates over HTTP: `GET /pulse/metrics` and `GET /pulse/stats` for admins of the
//! organization only, their validation, the §10.2 field names with the older dashboard's
//! aliases, the OpenAPI entries, and the retention sweep as the server runs it.

use crate::chat_ws::chat_app;
use crate::helpers::{TestApp, assert_error, assert_fields, backends, items};
use crate::pulse::seed;
use chrono::{DateTime, Duration, Utc};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_server::retention::{RetentionSettings, sweep_once};
use hellosales_store::entities::{pipeline_events, provider_calls};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

const METRICS: &str = "/api/v1/pulse/metrics";
const STATS: &str = "/api/v1/pulse/stats";

/// A server whose chat asks the fake LLM: one answer, then a failure. The fake server lives
/// as long as the returned handle.
async fn seeded_app(
    backend: &crate::helpers::Backend,
    env: &[(&str, &str)],
) -> (TestApp, FakeProviderServer) {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::text(["Open ", "with ", "a question."]).with_usage(120, 3));
    fake.push(Reply::server_error());
    let mut env = env.to_vec();
    env.extend_from_slice(crate::pulse::ONE_ATTEMPT);
    (chat_app(backend, &fake, &env).await, fake)
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

#[tokio::test]
async fn pulse_metrics_aggregate_the_organization_for_its_admins() {
    for backend in backends() {
        let (app, _fake) = seeded_app(&backend, &[]).await;
        let seeded = seed(&app).await;
        let admin = &seeded.tenant.admin;

        let m = app.get_ok(METRICS, admin).await.body;
        assert_eq!(m["totals"]["runs"], 2, "{backend:?}: {m}");
        assert_eq!(m["totals"]["successful"], 1);
        assert_eq!(m["totals"]["failed"], 1);
        assert_eq!(m["totals"]["cancelled"], 0);
        assert_eq!(m["success_rate"], 0.5);
        assert!(m["latency_ms"]["p50"].as_f64().unwrap() >= 0.0, "{m}");
        assert!(
            m["latency_ms"]["p99"].as_f64().unwrap() >= m["latency_ms"]["p50"].as_f64().unwrap()
        );
        assert!(m["ttft_ms"]["p50"].is_number(), "{m}");
        assert_eq!(m["tokens_in"], 120);
        let micros = m["cost_usd_micros"].as_i64().unwrap();
        assert!(micros > 0);
        #[allow(clippy::cast_precision_loss)]
        let usd = micros as f64 / 1e6;
        assert!((m["cost_usd"].as_f64().unwrap() - usd).abs() < 1e-12);
        assert_eq!(m["by_service"][0]["service"], "chat");
        assert_eq!(m["by_service"][0]["runs"], 2);
        assert_eq!(m["by_provider"][0]["name"], "groq");
        assert_eq!(m["by_provider"][0]["calls"], 2);
        assert_eq!(m["by_provider"][0]["errors"], 1);
        assert_eq!(m["by_model"].as_array().unwrap().len(), 1, "{m}");

        // The default window: the last 24 hours, every hour of it, oldest first.
        let (start, end) = (time(&m["start_time"]), time(&m["end_time"]));
        assert_eq!(end - start, Duration::hours(24));
        let hourly = m["hourly"].as_array().unwrap();
        assert!((24..=25).contains(&hourly.len()), "{}", hourly.len());
        let hours: Vec<DateTime<Utc>> = hourly.iter().map(|h| time(&h["hour"])).collect();
        assert!(hours.windows(2).all(|w| w[1] - w[0] == Duration::hours(1)));
        let runs: i64 = hourly.iter().map(|h| h["runs"].as_i64().unwrap()).sum();
        let failures: i64 = hourly.iter().map(|h| h["failures"].as_i64().unwrap()).sum();
        assert_eq!((runs, failures), (2, 1));

        // Filters: the service, an explicit window.
        let scripts = app
            .get_ok(&format!("{METRICS}?service=script"), admin)
            .await
            .body;
        assert_eq!(scripts["totals"]["runs"], 0);
        assert_eq!(scripts["service"], "script");
        assert!(scripts["by_provider"].as_array().unwrap().is_empty());
        assert_eq!(scripts["latency_ms"]["p50"], Value::Null);
        let path =
            format!("{METRICS}?start_time=2020-01-01T00:00:00Z&end_time=2020-01-01T02:30:00Z");
        let old = app.get_ok(&path, admin).await.body;
        assert_eq!(old["totals"]["runs"], 0);
        assert_eq!(old["hourly"].as_array().unwrap().len(), 3);

        // Validation.
        let reversed =
            format!("{METRICS}?start_time=2020-01-02T00:00:00Z&end_time=2020-01-01T00:00:00Z");
        assert_fields(
            app.get_as(&reversed, admin).await,
            &[("end_time", "out_of_range")],
        )
        .await;
        let long =
            format!("{METRICS}?start_time=2020-01-01T00:00:00Z&end_time=2020-03-01T00:00:00Z");
        assert_fields(
            app.get_as(&long, admin).await,
            &[("start_time", "out_of_range")],
        )
        .await;

        // Stats.
        let s = app.get_ok(STATS, admin).await.body;
        assert_eq!(
            (s["hours"].as_i64(), s["total_runs"].as_i64()),
            (Some(24), Some(2)),
            "{s}"
        );
        assert_eq!(
            (s["successful"].as_i64(), s["failed"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(s["success_rate"], 0.5);
        assert!(s["avg_latency_ms"].is_number());
        assert_eq!(s["cost_usd_micros"].as_i64(), Some(micros));
        assert_eq!(s["tokens_in"], 120);
        // The failed turn waits in the dead-letter queue for its replay.
        assert_eq!(s["dlq_pending"], 1, "{s}");
        assert_eq!(
            app.get_ok(&format!("{STATS}?hours=720"), admin).await.body["hours"],
            720
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_metrics_and_stats_are_for_admins_and_their_organization_only() {
    for backend in backends() {
        let (app, _fake) = seeded_app(&backend, &[]).await;
        let seeded = seed(&app).await;
        for path in [METRICS, STATS] {
            let body = assert_error(
                app.get_as(path, &seeded.tenant.member).await,
                403,
                "INSUFFICIENT_PERMISSIONS",
            )
            .await;
            assert_eq!(
                body["details"]["required_role"], "admin",
                "{backend:?} {path}"
            );
            assert_error(app.get(path, None).await, 401, "UNAUTHORIZED").await;
        }
        let other = app.tenant("pulse_metrics_other");
        let m = app.get_ok(METRICS, &other.admin).await.body;
        assert_eq!(m["totals"]["runs"], 0, "{m}");
        assert_eq!(m["cost_usd_micros"], 0);
        assert!(m["by_service"].as_array().unwrap().is_empty());
        assert!(m["by_provider"].as_array().unwrap().is_empty());
        assert!(
            m["hourly"]
                .as_array()
                .unwrap()
                .iter()
                .all(|h| h["runs"] == 0)
        );
        let s = app.get_ok(STATS, &other.admin).await.body;
        assert_eq!(
            (s["total_runs"].as_i64(), s["avg_latency_ms"].clone()),
            (Some(0), Value::Null)
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_stats_hours_are_validated() {
    let app = TestApp::spawn(&crate::helpers::Backend::Sqlite).await;
    let admin = app.tenant("pulse_stats").admin;
    for hours in ["0", "721", "-1"] {
        let body = assert_fields(
            app.get_as(&format!("{STATS}?hours={hours}"), &admin).await,
            &[("hours", "out_of_range")],
        )
        .await;
        assert_eq!(body["code"], "VALIDATION_ERROR", "{hours}");
        assert_eq!(body["retryable"], false);
        assert!(body["request_id"].is_string());
    }
    let unreadable = app.get_as(&format!("{STATS}?hours=abc"), &admin).await;
    assert_eq!(unreadable.status(), 400);
    assert_eq!(
        app.get_ok(&format!("{STATS}?hours=1"), &admin).await.body["hours"],
        1
    );
    app.cleanup().await;
}

#[tokio::test]
async fn pulse_runs_and_events_carry_the_dashboard_field_names() {
    let backend = crate::helpers::Backend::Sqlite;
    let (app, _fake) = seeded_app(&backend, &[]).await;
    let seeded = seed(&app).await;
    let path = format!("/api/v1/pulse/pipeline-runs/{}", seeded.answered_run);
    let run = app.get_ok(&path, &seeded.tenant.admin).await.body;
    for field in [
        "id",
        "service",
        "topology",
        "behavior",
        "request_id",
        "session_id",
        "user_id",
        "org_id",
        "stages",
        "total_latency_ms",
        "ttft_ms",
        "tokens_in",
        "tokens_out",
        "total_cost_cents",
        "success",
        "error",
        "started_at",
        "completed_at",
        "status",
    ] {
        assert!(run.get(field).is_some(), "run without {field}: {run}");
    }
    assert_eq!(run["status"], "completed");
    let events = run["events"].as_array().unwrap();
    assert!(!events.is_empty());
    for event in events {
        for field in [
            "id",
            "pipeline_run_id",
            "event_type",
            "event_data",
            "occurred_at",
            "type",
            "timestamp",
            "data",
        ] {
            assert!(event.get(field).is_some(), "event without {field}: {event}");
        }
        assert_eq!(event["type"], event["event_type"]);
    }
    app.cleanup().await;
}

#[tokio::test]
async fn pulse_metrics_and_stats_are_in_the_openapi_document() {
    let app = TestApp::spawn(&crate::helpers::Backend::Sqlite).await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    for path in [METRICS, STATS] {
        assert_eq!(spec["paths"][path]["get"]["tags"][0], "pulse", "{path}");
    }
    let params: Vec<&str> = spec["paths"][STATS]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["hours"]);
    for schema in [
        "PulseMetrics",
        "PulseStats",
        "CallMetrics",
        "HourlyMetrics",
        "ServiceMetrics",
    ] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    app.cleanup().await;
}

#[tokio::test]
async fn retention_sweeps_what_is_older_than_the_configured_days() {
    for backend in backends() {
        let (app, _fake) = seeded_app(&backend, &[("RETENTION_DAYS", "7")]).await;
        let seeded = seed(&app).await;
        let admin = &seeded.tenant.admin;
        let events = format!("/api/v1/pulse/pipeline-runs/{}/events", seeded.answered_run);
        let kept = items(&app.get_ok(&events, admin).await.body).len();
        assert!(kept > 0);
        let settings = RetentionSettings::from_config(app.state.config());
        assert_eq!(settings.days, 7);

        // Nothing is old enough yet.
        let report = sweep_once(app.state.store(), settings, Utc::now())
            .await
            .unwrap();
        assert_eq!(
            (report.events_deleted, report.calls_cleared),
            (0, 0),
            "{backend:?}"
        );
        // Eight days later, the answered run's events and every call's payload are old.
        let db = app.state.store().connection();
        let old = Utc::now() - Duration::days(8);
        pipeline_events::Entity::update_many()
            .col_expr(pipeline_events::Column::OccurredAt, Expr::value(old))
            .filter(
                pipeline_events::Column::PipelineRunId
                    .eq(seeded.answered_run.parse::<uuid::Uuid>().unwrap()),
            )
            .exec(db)
            .await
            .unwrap();
        let report = sweep_once(app.state.store(), settings, Utc::now() + Duration::days(8))
            .await
            .unwrap();
        assert!(
            report.events_deleted >= u64::try_from(kept).unwrap(),
            "{report:?}"
        );
        assert_eq!(report.calls_cleared, 2);
        assert!(items(&app.get_ok(&events, admin).await.body).is_empty());
        let calls = app.get_ok("/api/v1/pulse/provider-calls", admin).await.body;
        for call in items(&calls) {
            assert_eq!(call["prompt_messages"], Value::Null, "{call}");
            assert_eq!(call["output_content"], Value::Null);
        }
        let remaining = provider_calls::Entity::find().all(db).await.unwrap();
        assert!(remaining.iter().all(|c| c.latency_ms.is_some()));
        // The run itself stays.
        assert_eq!(
            app.get_ok(&events.replace("/events", ""), admin).await.body["status"],
            "completed"
        );
        app.cleanup().await;
    }
}
