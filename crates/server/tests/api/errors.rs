//! The error envelope for every kind of rejection.

use crate::helpers::{Backend, TestApp, assert_error};
use axum::Router;
use axum::routing::{get, post};
use hellosales_server::http::middleware::render_errors;
use hellosales_server::http::{Json, Path, Query, request_id};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

#[tokio::test]
async fn unknown_routes_wrong_methods_and_missing_tokens_answer_the_envelope() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    assert_error(
        app.get("/api/v1/nothing-here", None).await,
        404,
        "NOT_FOUND",
    )
    .await;
    assert_error(
        app.request(reqwest::Method::DELETE, "/health", None).await,
        405,
        "METHOD_NOT_ALLOWED",
    )
    .await;
    let body = assert_error(app.get("/api/v1/auth/me", None).await, 401, "UNAUTHORIZED").await;
    assert_eq!(body["retryable"], false);
    assert_error(
        app.get("/api/v1/auth/me", Some("not.a.jwt")).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    let basic = app
        .client
        .get(app.url("/api/v1/auth/me"))
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(basic.headers()["www-authenticate"], "Bearer");
    assert_error(basic, 401, "UNAUTHORIZED").await;
    app.cleanup().await;
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Payload {
    name: String,
    count: u32,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Paging {
    limit: u32,
}

/// A router that uses our extractors behind the same middleware as the server.
async fn extractor_server() -> std::net::SocketAddr {
    let router = Router::new()
        .route(
            "/echo",
            post(|Json(p): Json<Payload>| async move { Json(json!({"name": p.name})) }),
        )
        .route(
            "/items/{id}",
            get(|Path(id): Path<Uuid>| async move { id.to_string() }),
        )
        .route(
            "/page",
            get(|Query(p): Query<Paging>| async move { p.limit.to_string() }),
        )
        .layer(axum::middleware::from_fn(render_errors))
        .layer(axum::middleware::from_fn(request_id::assign));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

#[tokio::test]
async fn extractor_rejections_answer_the_envelope() {
    let addr = extractor_server().await;
    let client = hellosales_server::startup::http_client().unwrap();
    let url = |p: &str| format!("http://{addr}{p}");

    let ok = client
        .post(url("/echo"))
        .json(&json!({"name": "a", "count": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["name"], "a");

    let syntax = client
        .post(url("/echo"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    let body = assert_error(syntax, 400, "BAD_REQUEST").await;
    assert!(
        body["message"].as_str().unwrap().contains("not valid JSON"),
        "{body}"
    );

    let shape = client
        .post(url("/echo"))
        .json(&json!({"name": "a", "count": "many"}))
        .send()
        .await
        .unwrap();
    let body = assert_error(shape, 422, "VALIDATION_ERROR").await;
    assert!(
        body["message"].as_str().unwrap().contains("count"),
        "names the field: {body}"
    );

    let missing = client
        .post(url("/echo"))
        .json(&json!({"count": 1}))
        .send()
        .await
        .unwrap();
    let body = assert_error(missing, 422, "VALIDATION_ERROR").await;
    assert!(body["message"].as_str().unwrap().contains("name"), "{body}");

    let no_type = client.post(url("/echo")).body("{}").send().await.unwrap();
    assert_error(no_type, 400, "BAD_REQUEST").await;

    let too_big = client
        .post(url("/echo"))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"name\": \"{}\", \"count\": 1}}",
            "x".repeat(3 * 1024 * 1024)
        ))
        .send()
        .await
        .unwrap();
    let body = assert_error(too_big, 413, "PAYLOAD_TOO_LARGE").await;
    assert_eq!(
        body["details"]["limit_bytes"],
        hellosales_server::startup::BODY_LIMIT_BYTES as u64,
        "{body}"
    );

    let bad_id = client.get(url("/items/not-a-uuid")).send().await.unwrap();
    let body = assert_error(bad_id, 400, "BAD_REQUEST").await;
    assert!(body["message"].as_str().unwrap().contains("path"), "{body}");

    let good_id = Uuid::now_v7();
    let found = client
        .get(url(&format!("/items/{good_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(found.text().await.unwrap(), good_id.to_string());

    let bad_query = client.get(url("/page?limit=lots")).send().await.unwrap();
    assert_error(bad_query, 400, "BAD_REQUEST").await;
}
