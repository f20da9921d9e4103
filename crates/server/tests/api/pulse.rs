//! Pulse: the organization's pipeline runs, their events and its provider calls, read by its
//! admins — filters, paging, order, the run detail and its events, permissions, isolation and
//! the derived cents. Runs are made by chatting with the fake LLM: one answered, one failed.

use crate::chat_ws::chat_app;
use crate::helpers::{Tenant, TestApp, assert_error, assert_fields, backends, ids, items};
use crate::ws_client::{WsClient, frame};
use chrono::{DateTime, Utc};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use serde_json::Value;

const RUNS: &str = "/api/v1/pulse/pipeline-runs";
const CALLS: &str = "/api/v1/pulse/provider-calls";

/// The seeded records of one tenant.
pub(crate) struct Seeded {
    pub(crate) tenant: Tenant,
    /// The member's answered turn: its session and run.
    pub(crate) answered_session: String,
    pub(crate) answered_run: String,
}

/// One attempt per provider call, so that each seeded failure is one run and one call.
pub(crate) const ONE_ATTEMPT: &[(&str, &str)] = &[("LLM_RETRY_MAX_ATTEMPTS", "1")];

/// Two chat turns: the member's (answered), then the admin's (the provider fails).
pub(crate) async fn seed(app: &TestApp) -> Seeded {
    let tenant = app.tenant("pulse");
    let (mut ws, _) = WsClient::authenticated(app, &tenant.member).await;
    let frames = ws.chat("How do I open a cold call?", "m-1").await;
    let complete = &frame(&frames, "chat.complete")["payload"];
    let answered_session = complete["session_id"].as_str().unwrap().to_owned();
    let answered_run = complete["pipeline_run_id"].as_str().unwrap().to_owned();
    let (mut ws, _) = WsClient::authenticated(app, &tenant.admin).await;
    let frames = ws.chat("Hello?", "m-1").await;
    assert_eq!(
        frame(&frames, "error")["payload"]["code"],
        "PROVIDER_SERVER_ERROR"
    );
    app.state.ai().shutdown().await;
    Seeded {
        tenant,
        answered_session,
        answered_run,
    }
}

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not a time: {value}"))
}

/// Whole cents of a micro-USD value, rounded up; 0 for none.
fn cents(micros: &Value) -> i64 {
    micros
        .as_i64()
        .map_or(0, |m| if m <= 0 { 0 } else { (m + 9_999) / 10_000 })
}

async fn list(app: &TestApp, path: &str, query: &str, token: &str) -> Value {
    app.get_ok(&format!("{path}?{query}"), token).await.body
}

#[tokio::test]
async fn pulse_lists_filters_and_pages_pipeline_runs() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Open ", "with ", "a question."]).with_usage(120, 3));
        fake.push(Reply::server_error());
        let app = chat_app(&backend, &fake, ONE_ATTEMPT).await;
        let seeded = seed(&app).await;
        let admin = &seeded.tenant.admin;

        // Newest first: the failed run, then the answered one.
        let all = list(&app, RUNS, "", admin).await;
        assert_eq!(all["total"], 2, "{backend:?}: {all}");
        assert_eq!(
            (all["limit"].as_u64(), all["offset"].as_u64()),
            (Some(50), Some(0))
        );
        let runs = items(&all);
        let (failed, answered) = (&runs[0], &runs[1]);
        assert_eq!(answered["id"], seeded.answered_run.as_str());
        assert!(time(&failed["started_at"]) >= time(&answered["started_at"]));
        assert_eq!(answered["service"], "chat");
        assert_eq!(answered["status"], "completed");
        assert_eq!(answered["success"], true);
        assert_eq!(answered["session_id"], seeded.answered_session.as_str());
        assert!(answered["stages"].is_object(), "{answered}");
        assert!(answered["llm_provider_call_id"].is_string());
        assert!(answered["org_id"].is_string() && answered["pipeline_name"].is_string());
        assert!(answered["total_cost_usd_micros"].as_i64().unwrap() > 0);
        assert_eq!(
            answered["total_cost_cents"].as_i64(),
            Some(cents(&answered["total_cost_usd_micros"]))
        );
        assert!(answered["total_cost_cents"].as_i64().unwrap() >= 1);
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["success"], false);
        assert_eq!(failed["error_code"], "PROVIDER_SERVER_ERROR");
        assert_eq!(
            failed["total_cost_cents"].as_i64(),
            Some(cents(&failed["total_cost_usd_micros"]))
        );
        assert_ne!(failed["user_id"], answered["user_id"]);
        let failed_id = failed["id"].as_str().unwrap().to_owned();

        // Filters.
        let only = |body: &Value| ids(body);
        assert_eq!(
            only(&list(&app, RUNS, "success=true", admin).await),
            [seeded.answered_run.as_str()]
        );
        assert_eq!(
            only(&list(&app, RUNS, "success=false", admin).await),
            [failed_id.as_str()]
        );
        assert_eq!(list(&app, RUNS, "service=chat", admin).await["total"], 2);
        assert_eq!(list(&app, RUNS, "service=script", admin).await["total"], 0);
        let topology = answered["topology"].as_str().unwrap_or("chat");
        let by_topology = list(&app, RUNS, &format!("topology={topology}"), admin).await;
        assert!(by_topology["total"].as_u64().unwrap() >= 1, "{by_topology}");
        assert_eq!(list(&app, RUNS, "topology=nope", admin).await["total"], 0);
        let query = format!("session_id={}", seeded.answered_session);
        assert_eq!(
            only(&list(&app, RUNS, &query, admin).await),
            [seeded.answered_run.as_str()]
        );
        let query = format!("user_id={}", failed["user_id"].as_str().unwrap());
        assert_eq!(
            only(&list(&app, RUNS, &query, admin).await),
            [failed_id.as_str()]
        );
        let query = format!("start_time={}", failed["started_at"].as_str().unwrap());
        assert_eq!(
            only(&list(&app, RUNS, &query, admin).await),
            [failed_id.as_str()]
        );
        let query = format!("end_time={}", answered["started_at"].as_str().unwrap());
        assert_eq!(
            only(&list(&app, RUNS, &query, admin).await),
            [seeded.answered_run.as_str()]
        );
        let query = format!(
            "start_time={}&end_time={}",
            answered["started_at"].as_str().unwrap(),
            failed["started_at"].as_str().unwrap()
        );
        assert_eq!(list(&app, RUNS, &query, admin).await["total"], 2);
        assert_eq!(
            list(&app, RUNS, "start_time=2999-01-01T00:00:00Z", admin).await["total"],
            0
        );

        // Paging: totals over all pages, bounds.
        let first = list(&app, RUNS, "limit=1", admin).await;
        assert_eq!(
            (&first["total"], &first["limit"], ids(&first)),
            (&Value::from(2), &Value::from(1), vec![failed_id.clone()])
        );
        let second = list(&app, RUNS, "limit=1&offset=1", admin).await;
        assert_eq!(ids(&second), [seeded.answered_run.as_str()]);
        assert_eq!(second["offset"], 1);
        let past = list(&app, RUNS, "offset=5", admin).await;
        assert_eq!((past["total"].as_u64(), items(&past).len()), (Some(2), 0));
        assert_eq!(list(&app, RUNS, "limit=200", admin).await["limit"], 200);
        for limit in [0, 201] {
            let path = format!("{RUNS}?limit={limit}");
            assert_fields(app.get_as(&path, admin).await, &[("limit", "out_of_range")]).await;
        }
        let path = format!(
            "{RUNS}?start_time={}&end_time={}",
            failed["started_at"].as_str().unwrap(),
            "2000-01-01T00:00:00Z"
        );
        assert_fields(
            app.get_as(&path, admin).await,
            &[("end_time", "out_of_range")],
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_shows_a_run_with_its_events_under_both_names() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Open ", "with ", "a question."]).with_usage(120, 3));
        fake.push(Reply::server_error());
        let app = chat_app(&backend, &fake, ONE_ATTEMPT).await;
        let seeded = seed(&app).await;
        let admin = &seeded.tenant.admin;

        let path = format!("{RUNS}/{}", seeded.answered_run);
        let detail = app.get_ok(&path, admin).await.body;
        assert_eq!(detail["id"], seeded.answered_run.as_str(), "{backend:?}");
        assert_eq!(detail["status"], "completed");
        assert!(detail["stages"]["llm"].is_object(), "{detail}");
        let events = detail["events"].as_array().unwrap();
        assert!(!events.is_empty(), "{detail}");
        let kinds: Vec<&str> = events
            .iter()
            .map(|e| e["event_type"].as_str().unwrap())
            .collect();
        assert!(kinds.contains(&"pipeline.started"), "{kinds:?}");
        for event in events {
            assert_eq!(event["pipeline_run_id"], seeded.answered_run.as_str());
            assert!(event["id"].is_string());
            assert_eq!(event["type"], event["event_type"], "{event}");
            assert_eq!(event["timestamp"], event["occurred_at"], "{event}");
            assert_eq!(event["data"], event["event_data"], "{event}");
        }
        let times: Vec<DateTime<Utc>> = events.iter().map(|e| time(&e["occurred_at"])).collect();
        assert!(
            times.windows(2).all(|w| w[0] <= w[1]),
            "oldest first: {times:?}"
        );

        let listed = app.get_ok(&format!("{path}/events"), admin).await.body;
        assert_eq!(listed["items"], detail["events"]);
        assert_eq!(listed.as_object().unwrap().len(), 1, "only items: {listed}");

        let unknown = format!("{RUNS}/{}", uuid::Uuid::now_v7());
        assert_error(
            app.get_as(&unknown, admin).await,
            404,
            "PIPELINE_RUN_NOT_FOUND",
        )
        .await;
        assert_error(
            app.get_as(&format!("{unknown}/events"), admin).await,
            404,
            "PIPELINE_RUN_NOT_FOUND",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_lists_and_filters_provider_calls() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Open ", "with ", "a question."]).with_usage(120, 3));
        fake.push(Reply::server_error());
        let app = chat_app(&backend, &fake, ONE_ATTEMPT).await;
        let seeded = seed(&app).await;
        let admin = &seeded.tenant.admin;

        let all = list(&app, CALLS, "", admin).await;
        assert_eq!(all["total"], 2, "{backend:?}: {all}");
        let calls = items(&all);
        assert!(time(&calls[0]["started_at"]) >= time(&calls[1]["started_at"]));
        let (failed, answered) = (&calls[0], &calls[1]);
        assert_eq!(answered["success"], true);
        assert_eq!(answered["provider"], "groq");
        assert_eq!(answered["operation"], "llm");
        assert_eq!(answered["service"], "chat");
        assert_eq!(answered["output_content"], "Open with a question.");
        assert!(answered["prompt_messages"].is_array(), "{answered}");
        assert_eq!(answered["tokens_in"], 120);
        assert!(answered["cost_usd_micros"].as_i64().unwrap() > 0);
        assert_eq!(
            answered["cost_cents"].as_i64(),
            Some(cents(&answered["cost_usd_micros"]))
        );
        assert!(answered["cost_cents"].as_i64().unwrap() >= 1);
        assert!(answered["pipeline_run_id"].is_string());
        assert_eq!(failed["success"], false);
        assert_eq!(failed["error_code"], "PROVIDER_SERVER_ERROR");
        assert_eq!(
            failed["cost_cents"].as_i64(),
            Some(cents(&failed["cost_usd_micros"]))
        );

        let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
        assert_eq!(
            ids(&list(&app, CALLS, "success=true", admin).await),
            [id(answered)]
        );
        assert_eq!(
            ids(&list(&app, CALLS, "success=false", admin).await),
            [id(failed)]
        );
        assert_eq!(list(&app, CALLS, "provider=groq", admin).await["total"], 2);
        assert_eq!(
            list(&app, CALLS, "provider=google", admin).await["total"],
            0
        );
        assert_eq!(list(&app, CALLS, "operation=llm", admin).await["total"], 2);
        assert_eq!(
            list(&app, CALLS, "operation=embedding", admin).await["total"],
            0
        );
        let model = answered["model_id"].as_str().unwrap();
        assert_eq!(
            list(&app, CALLS, &format!("model={model}"), admin).await["total"],
            2
        );
        assert_eq!(list(&app, CALLS, "model=nope", admin).await["total"], 0);
        let request = answered["request_id"].as_str().unwrap();
        let by_request = list(&app, CALLS, &format!("request_id={request}"), admin).await;
        assert!(ids(&by_request).contains(&id(answered)), "{by_request}");
        assert!(
            items(&by_request)
                .iter()
                .all(|c| c["request_id"] == request)
        );
        assert_eq!(
            list(&app, CALLS, "request_id=nope", admin).await["total"],
            0
        );
        let query = format!("start_time={}", failed["started_at"].as_str().unwrap());
        assert_eq!(ids(&list(&app, CALLS, &query, admin).await), [id(failed)]);
        let query = format!("end_time={}", answered["started_at"].as_str().unwrap());
        assert_eq!(ids(&list(&app, CALLS, &query, admin).await), [id(answered)]);

        let first = list(&app, CALLS, "limit=1&offset=1", admin).await;
        assert_eq!(
            (first["total"].as_u64(), ids(&first)),
            (Some(2), vec![id(answered)])
        );
        for limit in [0, 201] {
            let path = format!("{CALLS}?limit={limit}");
            assert_fields(app.get_as(&path, admin).await, &[("limit", "out_of_range")]).await;
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_is_for_admins_of_the_organization_only() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Open ", "with ", "a question."]).with_usage(120, 3));
        fake.push(Reply::server_error());
        let app = chat_app(&backend, &fake, ONE_ATTEMPT).await;
        let seeded = seed(&app).await;
        let run = format!("{RUNS}/{}", seeded.answered_run);
        let events = format!("{run}/events");

        for path in [RUNS, CALLS, run.as_str(), events.as_str()] {
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
        }
        for path in [RUNS, CALLS, run.as_str()] {
            assert_error(app.get(path, None).await, 401, "UNAUTHORIZED").await;
        }

        let other = app.tenant("pulse_other");
        for path in [RUNS, CALLS] {
            let body = list(&app, path, "", &other.admin).await;
            assert_eq!(body["total"], 0, "{path}: {body}");
            assert!(items(&body).is_empty());
        }
        let query = format!("session_id={}", seeded.answered_session);
        assert_eq!(list(&app, RUNS, &query, &other.admin).await["total"], 0);
        for path in [run.as_str(), events.as_str()] {
            assert_error(
                app.get_as(path, &other.admin).await,
                404,
                "PIPELINE_RUN_NOT_FOUND",
            )
            .await;
        }
        assert_eq!(list(&app, RUNS, "", &seeded.tenant.admin).await["total"], 2);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn pulse_routes_are_in_the_openapi_document() {
    let app = TestApp::spawn(&crate::helpers::Backend::Sqlite).await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    for path in [
        RUNS,
        CALLS,
        "/api/v1/pulse/pipeline-runs/{id}",
        "/api/v1/pulse/pipeline-runs/{id}/events",
    ] {
        let get = &spec["paths"][path]["get"];
        assert_eq!(get["tags"][0], "pulse", "{path}: {get}");
    }
    let params: Vec<&str> = spec["paths"][RUNS]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in ["service", "success", "start_time", "session_id", "limit"] {
        assert!(params.contains(&name), "{name} in {params:?}");
    }
    for schema in [
        "PipelineRun",
        "PipelineEvent",
        "PipelineRunDetail",
        "ProviderCall",
    ] {
        assert!(
            spec["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
    assert!(
        spec["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "pulse")
    );
    app.cleanup().await;
}
