//! AuthKit sign-in for the web client, against a fake WorkOS on loopback that serves the JWKS
//! and `POST /user_management/authenticate`: the sign-in options, a code and a refresh token
//! traded for a verified access token, refusals, and the API key kept on the server.

use crate::helpers::{TestApp, assert_error, backends};
use crate::workos::{CLIENT_ID, ISSUER, jwks, now, workos_token};
use axum::Router;
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const API_KEY: &str = "sk_test_authkit_secret";

/// A fake WorkOS: the JWKS, and `authenticate`, which accepts the code `good-code` and the
/// refresh token `good-refresh` from our client with our secret, and records every body.
async fn fake_workos() -> (String, Arc<Mutex<Vec<Value>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&seen);
    let keys = jwks();
    let router = Router::new()
        .route(
            &format!("/sso/jwks/{CLIENT_ID}"),
            get(move || async move { axum::Json(keys) }),
        )
        .route(
            "/user_management/authenticate",
            post(move |axum::Json(body): axum::Json<Value>| {
                let recorded = Arc::clone(&recorded);
                async move {
                    recorded.lock().expect("lock").push(body.clone());
                    let ours = body["client_id"] == CLIENT_ID && body["client_secret"] == API_KEY;
                    let granted = match body["grant_type"].as_str() {
                        Some("authorization_code") => body["code"] == "good-code",
                        Some("refresh_token") => body["refresh_token"] == "good-refresh",
                        _ => false,
                    };
                    if !(ours && granted) {
                        let error = json!({"error": "invalid_grant", "error_description": "bad"});
                        return (axum::http::StatusCode::BAD_REQUEST, axum::Json(error));
                    }
                    let token = workos_token(&json!({
                        "iss": ISSUER, "sub": "user_01KIT", "org_id": "org_01KIT",
                        "role": "admin", "email": "kit@prod.test",
                        "iat": now(), "exp": now() + 300,
                    }));
                    let answer = json!({
                        "user": {"id": "user_01KIT", "email": "kit@prod.test"},
                        "organization_id": "org_01KIT",
                        "access_token": token,
                        "refresh_token": "next-refresh",
                    });
                    (axum::http::StatusCode::OK, axum::Json(answer))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}"), seen)
}

async fn sign_in_options(app: &TestApp) -> Value {
    let response = app.get("/api/v1/auth/config", None).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

async fn post_grant(app: &TestApp, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url("/api/v1/auth/authkit/token"))
        .json(body)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn development_offers_development_tokens_and_no_authkit() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let options = sign_in_options(&app).await;
        assert_eq!(options["environment"], "development");
        assert_eq!(options["development_tokens"], true);
        assert!(options["authkit"].is_null(), "{options}");
        assert_error(
            post_grant(&app, &json!({"code": "x"})).await,
            404,
            "NOT_FOUND",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn an_authkit_code_and_a_refresh_token_become_a_verified_access_token() {
    let (workos, seen) = fake_workos().await;
    let jwks_url = format!("{workos}/sso/jwks/{CLIENT_ID}");
    for backend in backends() {
        let app = TestApp::spawn_with(
            &backend,
            &[
                ("ENVIRONMENT", "production"),
                ("WORKOS_CLIENT_ID", CLIENT_ID),
                ("WORKOS_API_KEY", API_KEY),
                ("WORKOS_API_URL", &workos),
                ("WORKOS_ISSUER", ISSUER),
                ("WORKOS_JWKS_URL", &jwks_url),
            ],
        )
        .await;

        let options = sign_in_options(&app).await;
        assert_eq!(options["development_tokens"], false);
        assert_eq!(
            options["authkit"]["authorize_url"],
            format!(
                "{workos}/user_management/authorize?client_id={CLIENT_ID}&response_type=code\
                 &provider=authkit"
            )
        );

        let response = post_grant(&app, &json!({"code": "good-code"})).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.expect("body");
        assert!(!text.contains(API_KEY), "the API key leaked: {text}");
        let session: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(session["refresh_token"], "next-refresh");
        assert_eq!(session["me"]["organization"]["external_id"], "org_01KIT");
        assert_eq!(session["me"]["role"], "admin");
        let token = session["access_token"].as_str().expect("token");
        assert_eq!(app.get("/api/v1/auth/me", Some(token)).await.status(), 200);
        let last = seen.lock().expect("lock").last().cloned().expect("a call");
        assert_eq!(last["grant_type"], "authorization_code");
        assert_eq!(last["client_secret"], API_KEY);

        let refreshed = post_grant(&app, &json!({"refresh_token": "good-refresh"})).await;
        assert_eq!(refreshed.status(), 200);
        let last = seen.lock().expect("lock").last().cloned().expect("a call");
        assert_eq!(last["grant_type"], "refresh_token");

        let refused = assert_error(
            post_grant(&app, &json!({"code": "reused-code"})).await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        assert!(!refused.to_string().contains(API_KEY), "{refused}");
        assert_error(post_grant(&app, &json!({})).await, 422, "VALIDATION_ERROR").await;
        assert_error(
            post_grant(&app, &json!({"code": "a", "refresh_token": "b"})).await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn an_unreachable_workos_is_a_retryable_provider_error() {
    // A port nothing listens on: bind one, then drop it.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    for backend in backends() {
        let app = TestApp::spawn_with(
            &backend,
            &[
                ("ENVIRONMENT", "production"),
                ("WORKOS_CLIENT_ID", CLIENT_ID),
                ("WORKOS_API_KEY", API_KEY),
                ("WORKOS_API_URL", &url),
                ("WORKOS_JWKS_URL", &format!("{url}/sso/jwks/{CLIENT_ID}")),
            ],
        )
        .await;
        let response = post_grant(&app, &json!({"code": "good-code"})).await;
        assert!(response.status().is_server_error(), "{}", response.status());
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["retryable"], true, "{body}");
        assert!(
            body["code"]
                .as_str()
                .is_some_and(|c| c.starts_with("PROVIDER_")),
            "{body}"
        );
        app.cleanup().await;
    }
}
