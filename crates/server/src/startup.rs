//! Building and running the server: connect and migrate the database, wire the state, bind the
//! listener, serve until a shutdown signal, then drain in-flight requests.

use crate::ai::AiServices;
use crate::auth::{AuthKit, AuthSettings, TokenVerifier, WorkosSettings};
use crate::config::Config;
use crate::http::middleware::{render_errors, request_span};
use crate::http::{idempotency, metrics as http_metrics, request_id};
use crate::routes;
use crate::state::AppState;
use crate::telemetry::prometheus;
use anyhow::Context;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method, header};
use axum::serve::ListenerExt as _;
use hellosales_store::{Store, StoreOptions};
use metrics_exporter_prometheus::PrometheusHandle;
use secrecy::ExposeSecret;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

/// The largest request body accepted (JSON APIs; uploads have their own limits).
pub const BODY_LIMIT_BYTES: usize = 1024 * 1024;

/// A built server, bound to its listener, ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    /// The Prometheus listener and the recorder it renders.
    metrics: Option<(TcpListener, &'static PrometheusHandle)>,
    state: AppState,
}

impl Application {
    /// Connects to the database, applies pending migrations, wires the services and binds the
    /// listener (`listener`, or `HELLOSALES_BIND` when `None`).
    ///
    /// # Errors
    /// The database cannot be reached or migrated, the address cannot be bound, or the
    /// authentication settings are unusable.
    pub async fn build(config: Config, listener: Option<TcpListener>) -> anyhow::Result<Self> {
        let store = connect_store(&config).await?;
        let applied = store
            .migrate()
            .await
            .context("applying database migrations")?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied database migrations");
        }
        fail_abandoned_runs(&store, &config).await;
        let ai = AiServices::build(&config, &store)?;
        if config.local_model_preload
            && let Some(local) = ai.local_llm().cloned()
        {
            // Loaded in the background: the server answers at once, the first generation does
            // not wait for the load (a failure is logged and retried by that generation).
            tokio::spawn(async move {
                let _ = local.ready().await;
            });
        }
        let http = http_client()?;
        let verifier = TokenVerifier::new(auth_settings(&config), http.clone())
            .await
            .context("setting up token verification")?;
        let authkit = match (&config.workos_client_id, &config.workos_api_key) {
            (Some(client_id), Some(api_key)) => Some(AuthKit::new(
                client_id.clone(),
                api_key.clone(),
                &config.workos_api_url,
                http,
            )?),
            _ => None,
        };
        let redis = match &config.redis_url {
            Some(url) => Some(
                redis::Client::open(url.expose_secret())
                    .map_err(|e| anyhow::anyhow!("REDIS_URL is not usable: {:?}", e.kind()))?,
            ),
            None => None,
        };
        let listener = match listener {
            Some(listener) => listener,
            None => TcpListener::bind(config.bind)
                .await
                .with_context(|| format!("binding HELLOSALES_BIND={}", config.bind))?,
        };
        // The recorder is installed before anything registers a metric (the state's
        // pipelines keep their handles).
        let metrics = match config
            .prometheus_metrics_enabled
            .then(prometheus::handle)
            .flatten()
        {
            Some(handle) => {
                let listener = TcpListener::bind(config.metrics_bind)
                    .await
                    .with_context(|| {
                        format!("binding HELLOSALES_METRICS_BIND={}", config.metrics_bind)
                    })?;
                Some((listener, handle))
            }
            None => None,
        };
        Ok(Self {
            listener,
            metrics,
            state: AppState::new(config, store, ai, verifier, authkit, redis),
        })
    }

    /// The address the server listens on.
    ///
    /// # Errors
    /// The socket's address cannot be read.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The address Prometheus scrapes (`None` when `PROMETHEUS_METRICS_ENABLED=false`).
    ///
    /// # Errors
    /// The socket's address cannot be read.
    pub fn metrics_addr(&self) -> std::io::Result<Option<SocketAddr>> {
        self.metrics
            .as_ref()
            .map(|(listener, _)| listener.local_addr())
            .transpose()
    }

    /// The application state (tests use it to reach the store).
    #[must_use]
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops accepting and drains open requests.
    ///
    /// # Errors
    /// The listener fails.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = app_router(self.state.clone());
        let housekeeping = [
            tokio::spawn(purge_expired_idempotency_keys(self.state.clone())),
            tokio::spawn(sweep_abandoned_runs(self.state.clone())),
        ];
        let stopping = tokio_util::sync::CancellationToken::new();
        let retention = tokio::spawn(crate::retention::run(
            self.state.store().clone(),
            crate::retention::RetentionSettings::from_config(self.state.config()),
            stopping.child_token(),
        ));
        let indexer = self
            .state
            .semantic()
            .map(|semantic| tokio::spawn(semantic.indexer.clone().run(stopping.child_token())));
        let dead_letters = self.state.config().dlq_worker_enabled.then(|| {
            tokio::spawn(
                self.state
                    .dead_letter_worker()
                    .clone()
                    .run(stopping.child_token()),
            )
        });
        let metrics = self.metrics.map(|(listener, handle)| {
            tokio::spawn(prometheus::serve(
                listener,
                handle,
                stopping.clone().cancelled_owned(),
            ))
        });
        let sockets = self.state.sockets().clone();
        let signal = {
            let sockets = sockets.clone();
            async move {
                shutdown.await;
                // Upgraded WebSocket connections are not HTTP requests: tell them to drain.
                sockets.stop();
            }
        };
        // Streamed frames and events are small writes: without TCP_NODELAY, Nagle's algorithm
        // holds each one back until the client acknowledges the previous (tens of ms).
        let listener = self.listener.tap_io(|tcp| {
            if let Err(error) = tcp.set_nodelay(true) {
                tracing::debug!(error = %error, "could not set TCP_NODELAY on a connection");
            }
        });
        let served = axum::serve(listener, router)
            .with_graceful_shutdown(signal)
            .await
            .context("serving HTTP");
        if !sockets.closed(SOCKET_DRAIN_LIMIT).await {
            tracing::warn!(
                open = sockets.open(),
                "WebSocket connections still open at shutdown were dropped"
            );
        }
        for task in housekeeping {
            task.abort();
        }
        stopping.cancel();
        if let Err(error) = retention.await {
            tracing::warn!(error = %error, "the retention job panicked");
        }
        if let Some(worker) = dead_letters
            && let Err(error) = worker.await
        {
            tracing::warn!(error = %error, "the dead-letter worker panicked");
        }
        if let Some(indexer) = indexer
            && let Err(error) = indexer.await
        {
            tracing::warn!(error = %error, "the semantic indexer panicked");
        }
        if let Some(metrics) = metrics {
            match metrics.await {
                Ok(Err(error)) => tracing::warn!(error = %error, "the metrics listener failed"),
                Err(error) => tracing::warn!(error = %error, "the metrics listener panicked"),
                Ok(Ok(())) => {}
            }
        }
        self.state.ai().shutdown().await;
        served?;
        if let Err(e) = self.state.store().close().await {
            tracing::warn!(error = %e, "closing the database");
        }
        Ok(())
    }
}

/// How long a stopping server waits for its WebSocket connections to drain (their chats get
/// [`crate::ws`]'s own drain time, then a margin to close).
const SOCKET_DRAIN_LIMIT: Duration = Duration::from_secs(35);

/// How often expired idempotency keys are deleted.
const IDEMPOTENCY_PURGE_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Deletes expired idempotency keys now and then, for as long as the server runs. Any number
/// of instances may do this at once: the delete is idempotent.
async fn purge_expired_idempotency_keys(state: AppState) {
    let mut ticks = tokio::time::interval(IDEMPOTENCY_PURGE_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match state.store().idempotency_keys().purge_expired().await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "expired idempotency keys deleted"),
            Err(error) => tracing::warn!(error = %error, "deleting expired idempotency keys"),
        }
    }
}

/// How often runs left `running` by a crashed instance are looked for.
const ABANDONED_RUN_SWEEP_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The shortest time after which a `running` run counts as abandoned.
const MIN_RUN_LIFETIME: Duration = Duration::from_secs(10 * 60);

/// How long a run can last at most: well above what its stage timeouts allow. Several
/// instances share the database, so a run younger than this may be another instance's live
/// run and is never touched.
fn max_run_lifetime(config: &Config) -> Duration {
    MIN_RUN_LIFETIME
        .max(Duration::from_millis(
            config.stage_timeout_ms.saturating_mul(20),
        ))
        .max(Duration::from_millis(
            config.llm_stage_timeout_ms.saturating_mul(4),
        ))
}

/// Marks the runs a crash left `running` as failed (`RUN_ABANDONED`).
async fn fail_abandoned_runs(store: &Store, config: &Config) {
    use hellosales_domain::ports::PipelineRunStore as _;
    let cutoff = chrono::Duration::from_std(max_run_lifetime(config))
        .map_or(chrono::DateTime::<chrono::Utc>::MIN_UTC, |age| {
            chrono::Utc::now() - age
        });
    match store.pipeline_runs().fail_abandoned(cutoff).await {
        Ok(0) => {}
        Ok(count) => tracing::warn!(count, "pipeline runs left unfinished were marked failed"),
        Err(error) => tracing::warn!(error = %error, "marking abandoned pipeline runs failed"),
    }
}

/// Marks abandoned runs failed now and then (an instance that crashed and never restarted).
async fn sweep_abandoned_runs(state: AppState) {
    let mut ticks = tokio::time::interval(ABANDONED_RUN_SWEEP_INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await; // the start-up already swept
    loop {
        ticks.tick().await;
        fail_abandoned_runs(state.store(), state.config()).await;
    }
}

/// The router with the full middleware stack, outermost first.
///
/// The layers are composed once, in one [`ServiceBuilder`], and wrapped around the routes by a
/// single `Router::layer`: each `Router::layer` call boxes every route again, and a request then
/// clones every boxed layer below the one it is in (an allocation per level, per layer).
pub fn app_router(state: AppState) -> Router {
    let cors = cors_layer(&state.config().cors_origins());
    let stack = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(request_id::assign))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(record_status),
        )
        // Inside the trace layer: CORS wants a response body with a default, which the trace
        // layer's body has not; preflight requests are traced too.
        .option_layer(cors)
        .layer(axum::middleware::from_fn(http_metrics::record))
        .layer(axum::middleware::from_fn(render_errors))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::rate_limit::limit_requests,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            idempotency::idempotency,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES));
    routes::router(state).layer(stack)
}

/// Records the response status on the request span (and logs the response as tower-http's
/// default does, at debug level).
fn record_status(
    response: &axum::http::Response<axum::body::Body>,
    latency: Duration,
    span: &tracing::Span,
) {
    span.record("http.response.status_code", response.status().as_u16());
    if response.status().is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    tracing::debug!(
        status = response.status().as_u16(),
        latency_ms = latency.as_millis(),
        "response"
    );
}

/// A handler panicked: a bug. The panic is answered as an opaque 500 in the error envelope
/// (logged once, with the request id, by `render_errors`), and the server goes on.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a handler panicked".to_owned());
    axum::response::IntoResponse::into_response(crate::http::ApiError(
        hellosales_domain::AppError::internal(format!("panic: {message}")),
    ))
}

fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| o.parse().ok()))
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow_origin)
            .allow_methods([
                Method::GET,
                Method::POST,
                Method::PUT,
                Method::PATCH,
                Method::DELETE,
                Method::OPTIONS,
            ])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([HeaderName::from_static("x-request-id")])
            .max_age(Duration::from_secs(600)),
    )
}

/// Connects to `DATABASE_URL`, or to the SQLite file in the data directory.
///
/// # Errors
/// The database cannot be reached (the message never contains the password).
pub async fn connect_store(config: &Config) -> anyhow::Result<Store> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating HELLOSALES_DATA_DIR {}", config.data_dir.display())
        })?;
    }
    let options = StoreOptions {
        max_connections: config.database_max_connections,
        ..StoreOptions::default()
    };
    Ok(Store::connect(config.database_url().expose_secret(), options).await?)
}

fn auth_settings(config: &Config) -> AuthSettings {
    AuthSettings {
        environment_is_production: config.environment().is_production(),
        data_dir: config.data_dir.clone(),
        workos: config.workos_client_id.as_ref().and_then(|client_id| {
            config.workos_jwks_url().map(|jwks_url| WorkosSettings {
                client_id: client_id.clone(),
                jwks_url,
                issuer: Some(config.workos_issuer.clone()),
                audience: config.workos_audience.clone(),
            })
        }),
    }
}

/// The HTTP client for outside services (rustls on ring, timeouts).
///
/// # Errors
/// The TLS stack cannot be set up.
pub fn http_client() -> anyhow::Result<reqwest::Client> {
    // Installing fails only when a provider is already installed, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("hellosales/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("building the HTTP client")
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; draining open requests");
}
