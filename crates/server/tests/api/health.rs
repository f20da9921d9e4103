//! `/health`, `/health/ready`, `/openapi.json`, `/docs`, request ids.

use crate::helpers::{Backend, TestApp, backends};
use serde_json::Value;

#[tokio::test]
async fn health_answers_without_io_and_ready_checks_the_database() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let live = app.get("/health", None).await;
        assert_eq!(live.status(), 200);
        assert_eq!(live.json::<Value>().await.unwrap()["status"], "ok");

        let ready = app.get("/health/ready", None).await;
        assert_eq!(ready.status(), 200, "{backend:?}");
        let body: Value = ready.json().await.unwrap();
        assert_eq!(body["database"]["status"], "ok");
        assert_eq!(body["redis"]["status"], "not_configured");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn ready_checks_redis_when_configured_and_names_what_failed() {
    let Ok(redis_url) = std::env::var("TEST_REDIS_URL") else {
        let app =
            TestApp::spawn_with(&Backend::Sqlite, &[("REDIS_URL", "redis://127.0.0.1:1")]).await;
        let ready = app.get("/health/ready", None).await;
        assert_eq!(ready.status(), 503);
        app.cleanup().await;
        return;
    };
    let app = TestApp::spawn_with(&Backend::Sqlite, &[("REDIS_URL", &redis_url)]).await;
    let body: Value = app.get("/health/ready", None).await.json().await.unwrap();
    assert_eq!(body["redis"]["status"], "ok", "{body}");
    app.cleanup().await;

    let app = TestApp::spawn_with(&Backend::Sqlite, &[("REDIS_URL", "redis://127.0.0.1:1")]).await;
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["database"]["status"], "ok");
    assert_eq!(body["redis"]["status"], "failed");
    app.cleanup().await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "client-abc_123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-abc_123");

    let response = app
        .client
        .get(app.url("/health"))
        .header("x-request-id", "not acceptable!")
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    app.cleanup().await;
}

#[tokio::test]
async fn openapi_document_and_docs_page_are_served() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert!(spec["paths"]["/api/v1/auth/me"]["get"].is_object());
    assert!(spec["paths"]["/api/v1/auth/me"]["post"].is_object());
    assert!(spec["paths"]["/health/ready"]["get"].is_object());
    for (path, method) in [
        ("/api/v1/sessions", "get"),
        ("/api/v1/sessions", "post"),
        ("/api/v1/sessions/{id}", "get"),
        ("/api/v1/sessions/{id}/interactions", "get"),
        ("/api/v1/sessions/{id}/end", "post"),
        ("/api/v1/sessions/{id}/messages", "post"),
        ("/api/v1/scripts/generate", "post"),
        ("/api/v1/emails/generate", "post"),
    ] {
        assert!(spec["paths"][path][method].is_object(), "{method} {path}");
    }
    assert!(spec["components"]["schemas"]["Session"].is_object());
    assert!(spec["components"]["schemas"]["Interaction"].is_object());
    assert!(spec["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());

    let docs = app.get("/docs/", None).await;
    assert_eq!(docs.status(), 200);
    let html = docs.text().await.unwrap();
    assert!(
        html.contains("swagger-ui"),
        "the docs page is served offline"
    );
    app.cleanup().await;
}
