//! Production mode end to end: WorkOS RS256 tokens verified against a JWKS served on loopback;
//! development tokens refused.

use crate::helpers::{TestApp, assert_error, backends};
use axum::Router;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hellosales_domain::Role;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use std::sync::LazyLock;

pub const CLIENT_ID: &str = "client_test";
pub const ISSUER: &str = "https://api.workos.test";
const KID: &str = "key_1";

static KEY: LazyLock<RsaPrivateKey> =
    LazyLock::new(|| RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("rsa key"));

pub fn jwks() -> Value {
    let public = KEY.to_public_key();
    json!({"keys": [{
        "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    }]})
}

pub fn workos_token(claims: &Value) -> String {
    let pem = KEY.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF).expect("pem");
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.to_owned());
    encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).expect("key"),
    )
    .expect("sign")
}

async fn jwks_server() -> String {
    let body = jwks();
    let router = Router::new().route(
        &format!("/sso/jwks/{CLIENT_ID}"),
        get(move || async move { axum::Json(body) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}/sso/jwks/{CLIENT_ID}")
}

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn production_accepts_workos_tokens_and_refuses_development_tokens() {
    let jwks_url = jwks_server().await;
    for backend in backends() {
        let app = TestApp::spawn_with(
            &backend,
            &[
                ("ENVIRONMENT", "production"),
                ("WORKOS_CLIENT_ID", CLIENT_ID),
                ("WORKOS_ISSUER", ISSUER),
                ("WORKOS_JWKS_URL", &jwks_url),
            ],
        )
        .await;

        let token = workos_token(&json!({
            "iss": ISSUER, "sub": "user_01PROD", "org_id": "org_01PROD", "role": "admin",
            "email": "boss@prod.test", "iat": now(), "exp": now() + 300,
        }));
        let response = app.get("/api/v1/auth/me", Some(&token)).await;
        assert_eq!(response.status(), 200, "{backend:?}");
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["organization"]["external_id"], "org_01PROD");
        assert_eq!(me["user"]["auth_provider"], "workos");
        assert_eq!(me["user"]["auth_subject"], "user_01PROD");
        assert_eq!(me["role"], "admin");

        let expired = workos_token(&json!({
            "iss": ISSUER, "sub": "user_01PROD", "org_id": "org_01PROD",
            "iat": now() - 3600, "exp": now() - 600,
        }));
        let body = assert_error(
            app.get("/api/v1/auth/me", Some(&expired)).await,
            401,
            "TOKEN_EXPIRED",
        )
        .await;
        assert_eq!(body["retryable"], true);

        let no_org = workos_token(&json!({
            "iss": ISSUER, "sub": "user_01PROD", "iat": now(), "exp": now() + 300,
        }));
        assert_error(
            app.get("/api/v1/auth/me", Some(&no_org)).await,
            401,
            "UNAUTHORIZED",
        )
        .await;

        // A development token minted with this server's data dir is refused in production.
        let dev = app.dev_token("org_01PROD", "boss@prod.test", Role::Admin);
        let body = assert_error(
            app.get("/api/v1/auth/me", Some(&dev)).await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        assert!(
            body["message"].as_str().unwrap().contains("production"),
            "{body}"
        );
        app.cleanup().await;
    }
}
