//! Prometheus metrics: the process-wide recorder of the `metrics` facade, the names and
//! descriptions of every metric HelloSales exports, and the scrape listener.
//!
//! The scrape endpoint (`GET /metrics`) is served on `HELLOSALES_METRICS_BIND`, a listener of its
//! own: metrics are never reachable on the public address. Durations are histograms in
//! milliseconds with fixed buckets (so they aggregate across instances), not summaries.

use anyhow::Context as _;
use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::net::TcpListener;

/// Every HTTP request, by `method`, `route` (the matched path, `unmatched` otherwise) and `status`.
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
/// HTTP request latency in milliseconds, same labels.
pub const HTTP_REQUEST_DURATION_MS: &str = "http_request_duration_ms";
/// Open WebSocket connections.
pub const WS_CONNECTIONS: &str = "ws_connections";
/// Rate-limit checks the shared backend (Redis) could not answer, by `backend`.
pub const RATE_LIMIT_BACKEND_ERRORS_TOTAL: &str = "rate_limit_backend_errors_total";
/// Requests refused for their per-user budget, by `budget` (requests, chat, generations).
pub const RATE_LIMIT_REJECTIONS_TOTAL: &str = "rate_limit_rejections_total";

/// Upper bounds of the duration buckets, in milliseconds (1 ms to 2 min).
const DURATION_BUCKETS_MS: &[f64] = &[
    1.0, 2.5, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1_000.0, 2_500.0, 5_000.0, 10_000.0,
    30_000.0, 60_000.0, 120_000.0,
];

/// How often histograms are compacted.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use as the global `metrics` recorder.
///
/// Several servers in one process (tests) share it. Returns `None` only when another recorder
/// was installed first (then our metrics go there).
pub fn handle() -> Option<&'static PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Some(handle);
    }
    let built = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_ms".to_owned()), DURATION_BUCKETS_MS)
        .map(PrometheusBuilder::build_recorder);
    let recorder = match built {
        Ok(recorder) => recorder,
        Err(error) => {
            tracing::error!(%error, "building the Prometheus recorder");
            return None;
        }
    };
    let handle = recorder.handle();
    // Only the first caller installs; a later caller's recorder is simply dropped.
    if HANDLE.set(handle).is_ok() {
        if let Err(error) = metrics::set_global_recorder(recorder) {
            tracing::warn!(%error, "another metrics recorder is installed; /metrics stays empty");
        }
        describe();
    }
    HANDLE.get()
}

/// Registers the description and unit of every metric, so that `/metrics` documents them.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        HTTP_REQUESTS_TOTAL,
        "HTTP requests by method, route and status"
    );
    describe_histogram!(
        HTTP_REQUEST_DURATION_MS,
        Unit::Milliseconds,
        "HTTP request latency by method, route and status"
    );
    describe_gauge!(WS_CONNECTIONS, "Open WebSocket connections");
    describe_counter!(
        RATE_LIMIT_BACKEND_ERRORS_TOTAL,
        "Rate-limit checks the shared backend could not answer (served in process instead)"
    );
    describe_counter!(
        RATE_LIMIT_REJECTIONS_TOTAL,
        "Requests refused for their per-user budget, by budget"
    );
    describe_counter!(
        stageflow::interceptors::PIPELINE_RUNS_TOTAL,
        "Pipeline runs by pipeline, service and status"
    );
    describe_histogram!(
        stageflow::interceptors::PIPELINE_DURATION_MS,
        Unit::Milliseconds,
        "Pipeline run duration by pipeline, service and status"
    );
    describe_counter!(
        stageflow::interceptors::STAGE_RUNS_TOTAL,
        "Stage executions by pipeline, stage, service and status"
    );
    describe_histogram!(
        stageflow::interceptors::STAGE_DURATION_MS,
        Unit::Milliseconds,
        "Stage duration by pipeline, stage, service and status"
    );
    hellosales_providers::recording::describe_metrics();
    describe_counter!(
        stageflow::events::EVENT_SINK_DROPPED_TOTAL,
        "Pipeline events dropped because the event queue was full"
    );
    describe_counter!(
        hellosales_store::event_sink::EVENT_SINK_WRITTEN_TOTAL,
        "Pipeline events written to pipeline_events"
    );
    describe_counter!(
        hellosales_store::event_sink::EVENT_SINK_FAILED_TOTAL,
        "Pipeline events that could not be written, by reason"
    );
    metrics::gauge!(WS_CONNECTIONS).set(0.0);
}

/// The scrape router: `GET /metrics` in the Prometheus text format.
pub fn router(handle: &'static PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || async move {
            (
                [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                handle.render(),
            )
                .into_response()
        }),
    )
}

/// Serves `/metrics` on `listener` until `shutdown` completes, compacting histograms now and
/// then.
///
/// # Errors
/// The listener fails.
pub async fn serve(
    listener: TcpListener,
    handle: &'static PrometheusHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let upkeep = tokio::spawn(async move {
        let mut ticks = tokio::time::interval(UPKEEP_INTERVAL);
        loop {
            ticks.tick().await;
            handle.run_upkeep();
        }
    });
    let served = axum::serve(listener, router(handle))
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving metrics");
    upkeep.abort();
    served
}
