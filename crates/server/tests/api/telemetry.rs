//! Telemetry: the Prometheus listener serves the HTTP metrics (and only it does), and request
//! spans reach OpenTelemetry as server spans continuing the caller's W3C trace.

use crate::helpers::{Backend, TestApp};
use opentelemetry::trace::{SpanKind, TraceId};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
use tracing_subscriber::layer::SubscriberExt;

#[tokio::test]
async fn the_metrics_listener_serves_http_metrics_by_route_and_status() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    assert_eq!(app.get("/health", None).await.status(), 200);
    assert_eq!(app.get("/api/v1/products", None).await.status(), 401);
    assert_eq!(app.get("/no/such/path", None).await.status(), 404);

    let metrics_addr = app.metrics_addr.expect("metrics are enabled by default");
    let scrape = app
        .client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), 200);
    let body = scrape.text().await.unwrap();
    for series in [
        r#"http_requests_total{method="GET",route="/health",status="200"}"#,
        r#"http_requests_total{method="GET",route="/api/v1/products",status="401"}"#,
        r#"http_requests_total{method="GET",route="unmatched",status="404"}"#,
        r#"http_request_duration_ms_bucket{method="GET",route="/health",status="200",le="1"}"#,
    ] {
        assert!(body.contains(series), "{series} missing from:\n{body}");
    }
    assert!(
        !body.contains("/no/such/path"),
        "raw paths never become labels"
    );
    assert!(body.contains("# TYPE ws_connections gauge"), "{body}");

    let public = app.get("/metrics", None).await;
    assert_eq!(public.status(), 404, "metrics are never served publicly");
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_can_be_switched_off() {
    let app =
        TestApp::spawn_with(&Backend::Sqlite, &[("PROMETHEUS_METRICS_ENABLED", "false")]).await;
    assert!(app.metrics_addr.is_none());
    app.cleanup().await;
}

#[tokio::test(flavor = "current_thread")]
async fn request_spans_continue_the_callers_trace() {
    hellosales_server::telemetry::otel::install_propagator();
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let subscriber =
        tracing_subscriber::registry().with(hellosales_server::telemetry::otel::layer(&provider));
    // Thread-local: the server's tasks run on this thread (current-thread runtime).
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = TestApp::spawn(&Backend::Sqlite).await;
    let caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let caller_span = "00f067aa0ba902b7";
    let response = app
        .client
        .get(app.url("/api/v1/products/0190f5c4-0000-7000-8000-000000000000"))
        .header("traceparent", format!("00-{caller_trace}-{caller_span}-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    app.cleanup().await;
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let span = spans
        .iter()
        .find(|s| s.name == "GET /api/v1/products/{id}")
        .unwrap_or_else(|| {
            panic!(
                "no request span in {:?}",
                spans.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        });
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(
        span.span_context.trace_id(),
        TraceId::from_hex(caller_trace).unwrap()
    );
    assert_eq!(span.parent_span_id.to_string(), caller_span);
    let attribute = |key: &str| {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.to_string())
    };
    assert_eq!(
        attribute("http.route").as_deref(),
        Some("/api/v1/products/{id}")
    );
    assert_eq!(
        attribute("http.response.status_code").as_deref(),
        Some("401")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_are_exported_over_otlp_http_to_the_configured_endpoint() {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;

    let (received, mut exports) = tokio::sync::mpsc::unbounded_channel();
    let collector = axum::Router::new().route(
        "/v1/traces",
        post(move |headers: HeaderMap, body: Bytes| {
            let received = received.clone();
            async move {
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                let _ = received.send((content_type, body));
                StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, collector).await });

    // OTEL_ENDPOINT names the collector; the traces path is added.
    let provider =
        hellosales_server::telemetry::otel::tracer_provider(&format!("http://{addr}")).unwrap();
    let subscriber =
        tracing_subscriber::registry().with(hellosales_server::telemetry::otel::layer(&provider));
    tracing::subscriber::with_default(subscriber, || {
        tracing::info_span!("check", otel.name = "otlp export check").in_scope(|| {});
    });
    // The exporter's blocking client runs on the processor's thread; flushing waits for it.
    tokio::task::spawn_blocking(move || provider.force_flush())
        .await
        .unwrap()
        .unwrap();

    let (content_type, body) = exports.recv().await.unwrap();
    assert_eq!(content_type, "application/x-protobuf");
    assert!(
        body.windows(b"otlp export check".len())
            .any(|w| w == b"otlp export check"),
        "the exported batch holds the span"
    );
}
