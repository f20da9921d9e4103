//! Token verification against a local JWKS server: WorkOS access tokens (RS256, JWKS, key
//! rotation, issuer, audience, expiry, tampering, `alg: none`, HS/RS confusion, `org_id`) and
//! development tokens (HS256 secret in the data directory, refused in production).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hellosales_domain::{AppError, ExternalIdentity, Role};
use hellosales_server::auth::{
    AuthSettings, DEV_TOKEN_SECRET_FILE, DevTokenIssuer, TokenVerifier, WorkosSettings,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use rsa::RsaPrivateKey;
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use tempfile::TempDir;

const CLIENT_ID: &str = "client_test";
const ISSUER: &str = "https://api.workos.com/user_management/client_test";

// ---------------------------------------------------------------------------------------------
// Keys (generated once per test binary: RSA key generation is slow in debug builds)

struct TestKey {
    kid: &'static str,
    encoding: EncodingKey,
    jwk: Value,
    public_pem: String,
    public_der: Vec<u8>,
}

fn make_key(kid: &'static str) -> TestKey {
    let private = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let der = private.to_pkcs1_der().unwrap();
    let public = private.to_public_key();
    TestKey {
        kid,
        encoding: EncodingKey::from_rsa_der(der.as_bytes()),
        jwk: json!({
            "kty": "RSA",
            "kid": kid,
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }),
        public_pem: public.to_public_key_pem(LineEnding::LF).unwrap(),
        public_der: public.to_public_key_der().unwrap().as_bytes().to_vec(),
    }
}

/// Two keys: the first published key and the key WorkOS "rotates" to.
static KEYS: LazyLock<[TestKey; 2]> = LazyLock::new(|| {
    let second = std::thread::spawn(|| make_key("key-2"));
    let first = make_key("key-1");
    [first, second.join().unwrap()]
});

fn key1() -> &'static TestKey {
    &KEYS[0]
}

fn key2() -> &'static TestKey {
    &KEYS[1]
}

fn jwks(keys: &[&TestKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() })
}

// ---------------------------------------------------------------------------------------------
// The JWKS server

struct JwksServer {
    keys: Mutex<Value>,
    hits: AtomicUsize,
    fail: Mutex<bool>,
}

impl JwksServer {
    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn publish(&self, keys: Value) {
        *self.keys.lock().unwrap() = keys;
    }
}

async fn serve_jwks(State(server): State<Arc<JwksServer>>) -> Response {
    server.hits.fetch_add(1, Ordering::SeqCst);
    if *server.fail.lock().unwrap() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    Json(server.keys.lock().unwrap().clone()).into_response()
}

/// Starts a JWKS server on 127.0.0.1:0; returns it and its JWKS URL.
async fn start_jwks(keys: Value) -> (Arc<JwksServer>, String) {
    let server = Arc::new(JwksServer {
        keys: Mutex::new(keys),
        hits: AtomicUsize::new(0),
        fail: Mutex::new(false),
    });
    let app = Router::new()
        .route(&format!("/sso/jwks/{CLIENT_ID}"), get(serve_jwks))
        .with_state(Arc::clone(&server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (server, format!("http://{addr}/sso/jwks/{CLIENT_ID}"))
}

// ---------------------------------------------------------------------------------------------
// Verifiers and tokens

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

fn workos_settings(jwks_url: &str, audience: Option<&str>) -> WorkosSettings {
    WorkosSettings {
        client_id: CLIENT_ID.into(),
        jwks_url: jwks_url.into(),
        issuer: Some(ISSUER.into()),
        audience: audience.map(Into::into),
    }
}

async fn verifier_with(
    production: bool,
    workos: Option<WorkosSettings>,
    data_dir: &Path,
) -> TokenVerifier {
    TokenVerifier::new(
        AuthSettings {
            environment_is_production: production,
            data_dir: data_dir.to_path_buf(),
            workos,
        },
        http(),
    )
    .await
    .unwrap()
}

/// A production verifier for the JWKS at `jwks_url`.
async fn production_verifier(jwks_url: &str, audience: Option<&str>) -> (TokenVerifier, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let verifier = verifier_with(true, Some(workos_settings(jwks_url, audience)), dir.path()).await;
    (verifier, dir)
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn workos_claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "user_01HBEQKA6K4QJAS93VPE39W1JT",
        "org_id": "org_01HRDMC6CM357W30QMHMQ96Q0S",
        "role": "admin",
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "sid": "session_01",
        "iat": now(),
        "exp": now() + 300,
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

fn sign_as(key: &TestKey, kid: &str, alg: Algorithm, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    encode(&header, claims, &key.encoding).unwrap()
}

fn sign(key: &TestKey, claims: &Value) -> String {
    sign_as(key, key.kid, Algorithm::RS256, claims)
}

fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Asserts an `Unauthorized` error with this reason, which does not echo the token.
#[track_caller]
fn assert_unauthorized(result: Result<ExternalIdentity, AppError>, reason: &str, token: &str) {
    let err = result.expect_err("the token must be refused");
    assert_eq!(err.code(), "UNAUTHORIZED", "{err:?}");
    assert_eq!(err.to_string(), reason);
    assert!(!err.retryable());
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(token),
        "the error must not contain the token"
    );
}

// ---------------------------------------------------------------------------------------------
// WorkOS tokens

#[tokio::test]
async fn a_valid_workos_token_yields_its_identity_and_the_jwks_is_cached() {
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, dir) = production_verifier(&url, None).await;
    assert_eq!(
        server.hits(),
        0,
        "the JWKS is fetched lazily, not at start-up"
    );

    let identity = verifier
        .verify(&sign(key1(), &workos_claims()))
        .await
        .unwrap();
    assert_eq!(
        identity,
        ExternalIdentity {
            auth_provider: "workos".into(),
            subject: "user_01HBEQKA6K4QJAS93VPE39W1JT".into(),
            org_external_id: "org_01HRDMC6CM357W30QMHMQ96Q0S".into(),
            email: Some("ada@example.com".into()),
            display_name: Some("Ada Lovelace".into()),
            role: Role::Admin,
        }
    );

    // Defaults: no role → member; an unknown role → member; first/last name → display name.
    let claims = without(without(workos_claims(), "role"), "name");
    let claims = with(
        with(claims, "first_name", json!("Ada")),
        "last_name",
        json!("L"),
    );
    let identity = verifier.verify(&sign(key1(), &claims)).await.unwrap();
    assert_eq!(identity.role, Role::Member);
    assert_eq!(identity.display_name.as_deref(), Some("Ada L"));
    let claims = with(workos_claims(), "role", json!("org_owner"));
    assert_eq!(
        verifier.verify(&sign(key1(), &claims)).await.unwrap().role,
        Role::Member
    );
    assert_eq!(server.hits(), 1, "the key set is cached");

    // The production verifier never creates the development secret.
    assert!(!dir.path().join(DEV_TOKEN_SECRET_FILE).exists());
}

#[tokio::test]
async fn an_expired_token_is_token_expired_with_a_small_leeway() {
    let (_server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;

    let expired = sign(key1(), &with(workos_claims(), "exp", json!(now() - 120)));
    let err = verifier.verify(&expired).await.unwrap_err();
    assert!(matches!(err, AppError::TokenExpired), "{err:?}");
    assert_eq!(err.code(), "TOKEN_EXPIRED");
    assert!(err.retryable());

    // Within the 30 s leeway: accepted.
    let just_expired = sign(key1(), &with(workos_claims(), "exp", json!(now() - 10)));
    verifier.verify(&just_expired).await.unwrap();

    // exp is required.
    let no_exp = sign(key1(), &without(workos_claims(), "exp"));
    assert_unauthorized(
        verifier.verify(&no_exp).await,
        "token has no exp claim",
        &no_exp,
    );
}

#[tokio::test]
async fn a_wrong_or_missing_issuer_is_refused() {
    let (_server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;

    let token = sign(
        key1(),
        &with(workos_claims(), "iss", json!("https://evil.example")),
    );
    assert_unauthorized(verifier.verify(&token).await, "wrong issuer", &token);

    let token = sign(key1(), &without(workos_claims(), "iss"));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no iss claim",
        &token,
    );
}

#[tokio::test]
async fn the_audience_is_checked_when_configured() {
    let (_server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, Some("hellosales-api")).await;

    let token = sign(key1(), &with(workos_claims(), "aud", json!("another-api")));
    assert_unauthorized(verifier.verify(&token).await, "wrong audience", &token);

    // WorkOS access tokens have no aud by default: with an audience configured it is required.
    let token = sign(key1(), &workos_claims());
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no aud claim",
        &token,
    );

    let token = sign(
        key1(),
        &with(workos_claims(), "aud", json!("hellosales-api")),
    );
    verifier.verify(&token).await.unwrap();
    let token = sign(
        key1(),
        &with(workos_claims(), "aud", json!(["other", "hellosales-api"])),
    );
    verifier.verify(&token).await.unwrap();

    // Without a configured audience, aud is not checked.
    let (verifier, _dir) = production_verifier(&url, None).await;
    let token = sign(key1(), &with(workos_claims(), "aud", json!("another-api")));
    verifier.verify(&token).await.unwrap();
}

#[tokio::test]
async fn an_unknown_kid_refetches_once_for_a_rotated_key_and_then_rate_limits() {
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;
    verifier
        .verify(&sign(key1(), &workos_claims()))
        .await
        .unwrap();
    assert_eq!(server.hits(), 1);

    // WorkOS rotates to key-2; concurrent requests with the new kid share one refetch.
    server.publish(jwks(&[key2()]));
    let token = sign(key2(), &workos_claims());
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let verifier = verifier.clone();
            let token = token.clone();
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        let identity = task.await.unwrap().unwrap();
        assert_eq!(identity.org_external_id, "org_01HRDMC6CM357W30QMHMQ96Q0S");
    }
    assert_eq!(server.hits(), 2, "exactly one refetch for the rotated key");

    // Another unknown kid within the rate-limit window: refused without refetching.
    let token = sign_as(key2(), "key-3", Algorithm::RS256, &workos_claims());
    assert_unauthorized(verifier.verify(&token).await, "unknown signing key", &token);
    // The rotated-out key was replaced by the refetch, and is not refetched for either.
    let token = sign(key1(), &workos_claims());
    assert_unauthorized(verifier.verify(&token).await, "unknown signing key", &token);
    assert_eq!(server.hits(), 2, "no second refetch within the window");

    // The current key still verifies from the cache.
    verifier
        .verify(&sign(key2(), &workos_claims()))
        .await
        .unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let (server, url) = start_jwks(jwks(&[key1(), key2()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let verifier = verifier.clone();
            let token = sign(if i % 2 == 0 { key1() } else { key2() }, &workos_claims());
            tokio::spawn(async move { verifier.verify(&token).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn a_tampered_token_is_refused() {
    let (_server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;
    let token = sign(key1(), &workos_claims());
    verifier.verify(&token).await.unwrap();
    let parts: Vec<&str> = token.split('.').collect();

    // A flipped bit in the signature.
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[17] ^= 0x01;
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        URL_SAFE_NO_PAD.encode(&signature)
    );
    assert_unauthorized(verifier.verify(&forged).await, "bad signature", &forged);

    // A changed payload (another organization, admin role) under the original signature.
    let payload = b64_json(&with(workos_claims(), "org_id", json!("org_victim")));
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_unauthorized(verifier.verify(&forged).await, "bad signature", &forged);

    // A flipped byte in the payload's encoding.
    let mut payload = parts[1].as_bytes().to_vec();
    payload[10] = if payload[10] == b'A' { b'B' } else { b'A' };
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        String::from_utf8(payload).unwrap(),
        parts[2]
    );
    let err = verifier.verify(&forged).await.unwrap_err();
    assert_eq!(err.code(), "UNAUTHORIZED", "{err:?}");

    // Not a JWT at all.
    assert_unauthorized(
        verifier.verify("garbage").await,
        "malformed token",
        "garbage",
    );
    assert_unauthorized(verifier.verify("").await, "missing access token", "\u{0}");
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;
    let header = b64_json(&json!({ "alg": "none", "typ": "JWT", "kid": "key-1" }));
    let payload = b64_json(&workos_claims());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}.c2lnbmF0dXJl"),
    ] {
        assert_unauthorized(
            verifier.verify(&token).await,
            "unsupported algorithm",
            &token,
        );
    }
    // Spelled differently.
    let header = b64_json(&json!({ "alg": "None", "kid": "key-1" }));
    let token = format!("{header}.{payload}.");
    assert_unauthorized(
        verifier.verify(&token).await,
        "unsupported algorithm",
        &token,
    );
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn other_algorithms_and_hs_rs_confusion_are_refused() {
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    let claims = workos_claims();

    // HS256 "signed" with the RSA public key (PEM and DER) as the HMAC secret, with the real kid.
    let confused: Vec<String> = [key1().public_pem.as_bytes(), key1().public_der.as_slice()]
        .into_iter()
        .map(|secret| {
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("key-1".into());
            encode(&header, &claims, &EncodingKey::from_secret(secret)).unwrap()
        })
        .collect();

    // Production: HS256 is a development token, refused outright.
    let (verifier, _dir) = production_verifier(&url, None).await;
    for token in &confused {
        assert_unauthorized(
            verifier.verify(token).await,
            "development tokens are not accepted in production",
            token,
        );
    }
    // Development with WorkOS configured: HS256 goes to the dev verifier, whose secret differs.
    let dir = tempfile::tempdir().unwrap();
    let dev = verifier_with(false, Some(workos_settings(&url, None)), dir.path()).await;
    for token in &confused {
        assert_unauthorized(dev.verify(token).await, "bad signature", token);
    }

    // Other RSA algorithms with the genuine key: WorkOS tokens are RS256 only.
    for alg in [Algorithm::RS384, Algorithm::RS512, Algorithm::PS256] {
        let token = sign_as(key1(), "key-1", alg, &claims);
        assert_unauthorized(
            verifier.verify(&token).await,
            "unsupported algorithm",
            &token,
        );
        assert_unauthorized(dev.verify(&token).await, "unsupported algorithm", &token);
    }
    assert_eq!(server.hits(), 0, "no key was ever looked up");

    // Sanity: the genuine RS256 token passes in both.
    let token = sign(key1(), &claims);
    verifier.verify(&token).await.unwrap();
    assert_eq!(dev.verify(&token).await.unwrap().auth_provider, "workos");
}

#[tokio::test]
async fn a_token_without_org_id_or_sub_or_kid_is_refused() {
    let (_server, url) = start_jwks(jwks(&[key1()])).await;
    let (verifier, _dir) = production_verifier(&url, None).await;

    let token = sign(key1(), &without(workos_claims(), "org_id"));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no org_id claim",
        &token,
    );
    let token = sign(key1(), &with(workos_claims(), "org_id", json!("")));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no org_id claim",
        &token,
    );

    let token = sign(key1(), &without(workos_claims(), "sub"));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no sub claim",
        &token,
    );

    let token = encode(
        &Header::new(Algorithm::RS256),
        &workos_claims(),
        &key1().encoding,
    )
    .unwrap();
    assert_unauthorized(
        verifier.verify(&token).await,
        "malformed token: no key id (kid)",
        &token,
    );
}

#[tokio::test]
async fn an_unreachable_jwks_is_service_unavailable() {
    // A port that nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (verifier, _dir) =
        production_verifier(&format!("http://{addr}/sso/jwks/{CLIENT_ID}"), None).await;
    let token = sign(key1(), &workos_claims());
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE", "{err:?}");
    assert!(matches!(err, AppError::ServiceUnavailable { .. }));
    assert!(err.retryable());
    assert!(!format!("{err} {err:?}").contains(&token));
    // Requests right after a failure fail fast the same way.
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE");

    // A JWKS endpoint answering 500 is unavailable too.
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    *server.fail.lock().unwrap() = true;
    let (verifier, _dir) = production_verifier(&url, None).await;
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE", "{err:?}");
    assert_eq!(server.hits(), 1);

    // A key set without usable keys is a failed fetch, not an empty cache.
    let (_server, url) =
        start_jwks(json!({ "keys": [{ "kty": "oct", "kid": "h", "k": "AA" }] })).await;
    let (verifier, _dir) = production_verifier(&url, None).await;
    let err = verifier.verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE", "{err:?}");
}

#[tokio::test]
async fn workos_tokens_need_workos_configured_and_production_needs_workos() {
    let dir = tempfile::tempdir().unwrap();
    let verifier = verifier_with(false, None, dir.path()).await;
    let token = sign(key1(), &workos_claims());
    assert_unauthorized(
        verifier.verify(&token).await,
        "WorkOS tokens are not accepted: WorkOS is not configured",
        &token,
    );

    let err = TokenVerifier::new(
        AuthSettings {
            environment_is_production: true,
            data_dir: dir.path().to_path_buf(),
            workos: None,
        },
        http(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), "INTERNAL_ERROR");
}

// ---------------------------------------------------------------------------------------------
// Development tokens

fn read_dev_secret(data_dir: &Path) -> Vec<u8> {
    let hex = std::fs::read_to_string(data_dir.join(DEV_TOKEN_SECRET_FILE)).unwrap();
    let hex = hex.trim();
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn sign_dev(secret: &[u8], claims: &Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn dev_claims() -> Value {
    json!({
        "iss": "hellosales-dev",
        "aud": "hellosales-dev",
        "sub": "dev|ada@example.com",
        "org_id": "org_dev",
        "role": "member",
        "iat": now(),
        "exp": now() + 300,
    })
}

#[tokio::test]
async fn a_dev_token_is_accepted_in_development() {
    let dir = tempfile::tempdir().unwrap();
    let verifier = verifier_with(false, None, dir.path()).await;
    let issuer = DevTokenIssuer::load_or_create(dir.path()).unwrap();
    let token = issuer
        .mint("org_dev", " Ada@Example.com ", Some("Ada"), Role::Admin)
        .unwrap();
    let identity = verifier.verify(&token).await.unwrap();
    assert_eq!(
        identity,
        ExternalIdentity {
            auth_provider: "dev".into(),
            subject: "dev|ada@example.com".into(),
            org_external_id: "org_dev".into(),
            email: Some("ada@example.com".into()),
            display_name: Some("Ada".into()),
            role: Role::Admin,
        }
    );
    // The verifier's own issuer mints equivalent tokens.
    let own = verifier.dev_token_issuer().unwrap();
    let token = own
        .mint("org_dev", "bob@example.com", None, Role::Member)
        .unwrap();
    let identity = verifier.verify(&token).await.unwrap();
    assert_eq!(identity.display_name, None);
    assert_eq!(identity.role, Role::Member);

    // The 30-day lifetime.
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert_eq!(lifetime, 30 * 24 * 3600);

    // Bad input is a validation error.
    assert_eq!(
        own.mint("", "a@b.c", None, Role::Member)
            .unwrap_err()
            .code(),
        "VALIDATION_ERROR"
    );
    assert_eq!(
        own.mint("org", "nobody", None, Role::Member)
            .unwrap_err()
            .code(),
        "VALIDATION_ERROR"
    );
}

#[tokio::test]
async fn dev_tokens_pin_issuer_audience_expiry_and_secret() {
    let dir = tempfile::tempdir().unwrap();
    let verifier = verifier_with(false, None, dir.path()).await;
    let secret = read_dev_secret(dir.path());
    verifier
        .verify(&sign_dev(&secret, &dev_claims()))
        .await
        .unwrap();

    let token = sign_dev(&secret, &with(dev_claims(), "iss", json!(ISSUER)));
    assert_unauthorized(verifier.verify(&token).await, "wrong issuer", &token);
    let token = sign_dev(&secret, &with(dev_claims(), "aud", json!("other")));
    assert_unauthorized(verifier.verify(&token).await, "wrong audience", &token);
    let token = sign_dev(&secret, &without(dev_claims(), "aud"));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no aud claim",
        &token,
    );
    let token = sign_dev(&secret, &without(dev_claims(), "org_id"));
    assert_unauthorized(
        verifier.verify(&token).await,
        "token has no org_id claim",
        &token,
    );
    let token = sign_dev(&secret, &with(dev_claims(), "exp", json!(now() - 120)));
    assert!(matches!(
        verifier.verify(&token).await,
        Err(AppError::TokenExpired)
    ));

    // A token minted with another data directory's secret.
    let other = tempfile::tempdir().unwrap();
    let token = DevTokenIssuer::load_or_create(other.path())
        .unwrap()
        .mint("org_dev", "ada@example.com", None, Role::Admin)
        .unwrap();
    assert_unauthorized(verifier.verify(&token).await, "bad signature", &token);

    // HS384/HS512 with the right secret: dev tokens are HS256 only.
    let mut header = Header::new(Algorithm::HS512);
    header.typ = Some("JWT".into());
    let token = encode(&header, &dev_claims(), &EncodingKey::from_secret(&secret)).unwrap();
    assert_unauthorized(
        verifier.verify(&token).await,
        "unsupported algorithm",
        &token,
    );

    // No secret in Debug.
    let debug = format!("{verifier:?}");
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    assert!(!debug.contains(&hex), "{debug}");
}

#[tokio::test]
async fn a_dev_token_is_refused_in_production() {
    let (server, url) = start_jwks(jwks(&[key1()])).await;
    let dir = tempfile::tempdir().unwrap();
    // A secret exists in the data directory, yet production does not use it.
    let token = DevTokenIssuer::load_or_create(dir.path())
        .unwrap()
        .mint("org_dev", "ada@example.com", None, Role::Admin)
        .unwrap();
    let verifier = verifier_with(true, Some(workos_settings(&url, None)), dir.path()).await;
    assert_unauthorized(
        verifier.verify(&token).await,
        "development tokens are not accepted in production",
        &token,
    );
    assert!(verifier.dev_token_issuer().is_none());
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn the_dev_secret_is_created_once_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let first = DevTokenIssuer::load_or_create(&data_dir).unwrap();
    let path = data_dir.join(DEV_TOKEN_SECRET_FILE);
    let contents = std::fs::read_to_string(&path).unwrap();
    assert_eq!(contents.trim().len(), 64, "32 bytes, hex");

    let second = DevTokenIssuer::load_or_create(&data_dir).unwrap();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        contents,
        "not rewritten"
    );
    // Same secret: a token of one verifies with a verifier built on the other's file.
    let token = first
        .mint("org_dev", "ada@example.com", None, Role::Member)
        .unwrap();
    let verifier = verifier_with(false, None, &data_dir).await;
    verifier.verify(&token).await.unwrap();
    let token = second
        .mint("org_dev", "ada@example.com", None, Role::Member)
        .unwrap();
    verifier.verify(&token).await.unwrap();

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
    }
    assert!(!format!("{first:?}").contains(contents.trim()));
}
