//! `TestApp`: a real server on a loopback port with a fresh database and data directory.

use hellosales_domain::Role;
use hellosales_server::Application;
use hellosales_server::auth::DevTokenIssuer;
use hellosales_server::config::{self, Config};
use hellosales_store::testing::TestDatabase;
use reqwest::{Method, Response};
use serde_json::Value;
use std::net::SocketAddr;
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

pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    database: TestDatabase,
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
            ("LOG_LEVEL".to_owned(), "warn".to_owned()),
        ];
        env.extend(
            extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let config = config::load_from(env).expect("test configuration");
        Self::start(database, data_dir, config).await
    }

    async fn start(database: TestDatabase, data_dir: TempDir, config: Config) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = Application::build(config, Some(listener))
            .await
            .expect("build app");
        let addr = app.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async {
            let _ = rx.await;
        }));
        Self {
            addr,
            client: reqwest::Client::new(),
            data_dir,
            database,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

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

    /// Stops the server and drops the database.
    pub async fn cleanup(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server result");
        }
        self.database.cleanup().await;
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
