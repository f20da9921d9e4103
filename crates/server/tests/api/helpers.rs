//! `TestApp`: a real server on a loopback port with a fresh database and data directory.

use hellosales_domain::Role;
use hellosales_server::auth::DevTokenIssuer;
use hellosales_server::config::{self, Config};
use hellosales_server::{AppState, Application};
use hellosales_store::testing::TestDatabase;
use reqwest::{Method, Response};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which database a test app runs on.
#[derive(Clone, Debug)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set (CI sets it).
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL")
        && !url.is_empty()
    {
        all.push(Backend::Postgres(url));
    }
    all
}

/// The fetched local model (`HELLOSALES_MODELS_DIR`, as `scripts/test.sh` sets it, else the
/// default cache). A missing file fails the server's start with the way to fetch it.
pub fn local_model_path() -> std::path::PathBuf {
    std::env::var_os("HELLOSALES_MODELS_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|home| std::path::PathBuf::from(home).join(".cache/hellosales/models"))
        })
        .unwrap_or_default()
        .join(hellosales_local_llm::DEFAULT_MODEL_FILE)
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// The server's state (its store, its AI services).
    pub state: AppState,
    config: Config,
    /// The Prometheus listener.
    pub metrics_addr: Option<SocketAddr>,
    pub client: reqwest::Client,
    /// Shared with the app's siblings.
    pub data_dir: Arc<TempDir>,
    /// `None` for a sibling: the first instance owns the database.
    database: Option<TestDatabase>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestApp {
    /// A development-mode server on `backend`.
    pub async fn spawn(backend: &Backend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// A server with extra environment settings (e.g. production with a JWKS URL).
    pub async fn spawn_with(backend: &Backend, extra_env: &[(&str, &str)]) -> Self {
        let database = match backend {
            Backend::Sqlite => TestDatabase::sqlite().await,
            Backend::Postgres(url) => TestDatabase::postgres(url).await,
        };
        let data_dir = tempfile::tempdir().expect("data dir");
        let mut env = vec![
            ("HELLOSALES_CONFIG".to_owned(), String::new()),
            (
                "HELLOSALES_DATA_DIR".to_owned(),
                data_dir.path().display().to_string(),
            ),
            ("DATABASE_URL".to_owned(), database.url().to_owned()),
            // The default provider is the local model: its fetched file, loaded only by the
            // tests that generate with it, on one thread (tests run side by side).
            (
                "LOCAL_MODEL_PATH".to_owned(),
                local_model_path().display().to_string(),
            ),
            ("LOCAL_MODEL_PRELOAD".to_owned(), "false".to_owned()),
            ("LOCAL_MODEL_THREADS".to_owned(), "1".to_owned()),
            ("LOG_LEVEL".to_owned(), "warn".to_owned()),
            (
                "HELLOSALES_METRICS_BIND".to_owned(),
                "127.0.0.1:0".to_owned(),
            ),
        ];
        // A test's own setting replaces the default of the same name.
        env.retain(|(key, _)| !extra_env.iter().any(|(k, _)| k == key));
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        // No model files in tests: semantic search is off unless a test opts in (the first
        // setting of a name wins, so `extra_env` may choose a provider).
        env.push(("EMBEDDING_PROVIDER".to_owned(), "none".to_owned()));
        let config = config::load_from(env).expect("test configuration");
        Self::start(Some(database), Arc::new(data_dir), config).await
    }

    /// Another instance of the same deployment: a second server on the same database and data
    /// directory (so the same development tokens), with the same settings. Stop it before the
    /// first one cleans up.
    pub async fn sibling(&self) -> Self {
        Self::start(None, Arc::clone(&self.data_dir), self.config.clone()).await
    }

    async fn start(database: Option<TestDatabase>, data_dir: Arc<TempDir>, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = Application::build(config.clone(), Some(listener))
            .await
            .expect("build app");
        let addr = app.local_addr().expect("addr");
        let state = app.state().clone();
        let metrics_addr = app.metrics_addr().expect("metrics addr");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async {
            let _ = rx.await;
        }));
        Self {
            addr,
            state,
            config,
            metrics_addr,
            client: reqwest::Client::new(),
            data_dir,
            database,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// The configuration the server was built with (to build a second instance on the same
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A development token minted with this server's secret.
    pub fn dev_token(&self, org: &str, email: &str, role: Role) -> String {
        DevTokenIssuer::load_or_create(self.data_dir.path())
            .expect("dev secret")
            .mint(org, email, None, role)
            .expect("mint")
    }

    pub async fn request(&self, method: Method, path: &str, token: Option<&str>) -> Response {
        let mut request = self.client.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        self.request(Method::GET, path, token).await
    }

    /// Stops the server and starts a new one on the same database and data directory (what a
    /// redeploy or a restart after a crash does).
    pub async fn restart(mut self) -> Self {
        self.stop().await;
        let Self {
            database,
            data_dir,
            config,
            ..
        } = self;
        Box::pin(Self::start(database, data_dir, config)).await
    }

    /// Stops the server (as SIGTERM does) and waits until it has.
    pub async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
    }

    /// Stops the server and drops the database (a sibling only stops).
    pub async fn cleanup(mut self) {
        self.stop().await;
        if let Some(database) = self.database.take() {
            database.cleanup().await;
        }
    }
}

/// Asserts that `response` is an error envelope with `status` and `code`, and returns it.
pub async fn assert_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let header_id = response
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("x-request-id header");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json")),
        "json content type"
    );
    let body: Value = response.json().await.expect("json body");
    assert_eq!(body["code"], code, "code in {body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["details"].is_object(), "{body}");
    assert!(body["retryable"].is_boolean(), "{body}");
    assert_eq!(body["request_id"], header_id, "request id matches header");
    assert!(body["timestamp"].as_str().is_some(), "{body}");
    body
}

// ---------------------------------------------------------------------------------------------
// JSON requests and replies, for the content API tests.
// ---------------------------------------------------------------------------------------------

/// A name unique to one test run (`prefix_<uuid>`), for organizations and e-mail addresses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::new_v4().simple())
}

/// The tokens of one organization: an admin and a member.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub org: String,
    pub admin: String,
    pub member: String,
}

/// Optional headers of a request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Headers<'a> {
    pub if_match: Option<&'a str>,
    pub if_none_match: Option<&'a str>,
    pub idempotency_key: Option<&'a str>,
}

impl<'a> Headers<'a> {
    pub fn if_none_match(tag: &'a str) -> Self {
        Self {
            if_none_match: Some(tag),
            ..Self::default()
        }
    }

    pub fn idempotency_key(key: &'a str) -> Self {
        Self {
            idempotency_key: Some(key),
            ..Self::default()
        }
    }
}

/// A response read to the end: status, headers and the body as JSON (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// Reads `response` to the end.
    pub async fn read(response: Response) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("response body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    /// Asserts the status (showing the body when it differs) and returns the reply.
    #[track_caller]
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        self
    }

    /// A header's value, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `ETag` header (which must be present).
    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("ETag header missing; body: {}", self.body))
            .to_owned()
    }

    /// The `id` of the body.
    #[track_caller]
    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }
}

/// The `(field, code)` pairs of a `VALIDATION_ERROR` body's `details.fields`.
pub fn field_errors(body: &Value) -> Vec<(String, String)> {
    body["details"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or_default().to_owned(),
                        f["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts a 422 `VALIDATION_ERROR` whose `details.fields` are exactly `expected` (as `(field,
/// code)` pairs, in any order).
pub async fn assert_fields(response: Response, expected: &[(&str, &str)]) -> Value {
    let body = assert_error(response, 422, "VALIDATION_ERROR").await;
    let mut got = field_errors(&body);
    got.sort();
    let mut want: Vec<(String, String)> = expected
        .iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect();
    want.sort();
    assert_eq!(got, want, "details.fields of {body}");
    body
}

/// The `id`s of a list body's `items`, in order.
pub fn ids(body: &Value) -> Vec<String> {
    items(body)
        .iter()
        .map(|item| item["id"].as_str().expect("item id").to_owned())
        .collect()
}

/// The `name`s of a list body's `items`, in order.
pub fn names(body: &Value) -> Vec<String> {
    items(body)
        .iter()
        .map(|item| item["name"].as_str().expect("item name").to_owned())
        .collect()
}

/// A list body's `items`.
pub fn items(body: &Value) -> &Vec<Value> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
}

impl TestApp {
    /// A fresh organization (unique name) with an admin and a member.
    pub fn tenant(&self, prefix: &str) -> Tenant {
        let org = unique(prefix);
        let admin = self.dev_token(&org, &format!("admin@{org}.test"), Role::Admin);
        let member = self.dev_token(&org, &format!("member@{org}.test"), Role::Member);
        Tenant { org, admin, member }
    }

    /// Sends a request with an optional JSON body and optional headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
        headers: Headers<'_>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(tag) = headers.if_match {
            request = request.header("if-match", tag);
        }
        if let Some(tag) = headers.if_none_match {
            request = request.header("if-none-match", tag);
        }
        if let Some(key) = headers.idempotency_key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("request")
    }

    /// `GET path`.
    pub async fn get_as(&self, path: &str, token: &str) -> Response {
        self.send(Method::GET, path, token, None, Headers::default())
            .await
    }

    /// `GET path`, read, expecting 200.
    pub async fn get_ok(&self, path: &str, token: &str) -> Reply {
        Reply::read(self.get_as(path, token).await)
            .await
            .expect(200)
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.send(Method::POST, path, token, Some(body), Headers::default())
            .await
    }

    /// `POST path` with a JSON body and headers (e.g. an `Idempotency-Key`).
    pub async fn post_json_with(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        headers: Headers<'_>,
    ) -> Response {
        self.send(Method::POST, path, token, Some(body), headers)
            .await
    }

    /// `PATCH path` with a JSON body and an optional `If-Match`.
    pub async fn patch_json(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Response {
        let headers = Headers {
            if_match,
            ..Headers::default()
        };
        self.send(Method::PATCH, path, token, Some(body), headers)
            .await
    }

    /// `PUT path` with a JSON body and an optional `If-Match`.
    pub async fn put_json(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Response {
        let headers = Headers {
            if_match,
            ..Headers::default()
        };
        self.send(Method::PUT, path, token, Some(body), headers)
            .await
    }

    /// `DELETE path`.
    pub async fn delete_as(&self, path: &str, token: &str) -> Response {
        self.send(Method::DELETE, path, token, None, Headers::default())
            .await
    }

    /// `POST path`, expecting 201 with `ETag` and a `Location` ending in `path/{id}`.
    pub async fn create(&self, path: &str, token: &str, body: &Value) -> Reply {
        let reply = Reply::read(self.post_json(path, token, body).await)
            .await
            .expect(201);
        let id = reply.id();
        let location = reply
            .header("location")
            .unwrap_or_else(|| panic!("Location header missing on POST {path}"));
        assert!(
            location.ends_with(&format!("{path}/{id}")),
            "Location {location} names {path}/{id}"
        );
        let _ = reply.etag();
        reply
    }

    /// The `total` of `GET path` (a list).
    pub async fn total(&self, path: &str, token: &str) -> u64 {
        let reply = self.get_ok(path, token).await;
        reply.body["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("no total in {}", reply.body))
    }
}
