//! OpenTelemetry traces: the OTLP/HTTP exporter, the `tracing` layer that turns spans into
//! OpenTelemetry spans, and W3C trace-context propagation.
//!
//! Span fields become span attributes; `otel.name`, `otel.kind` and `otel.status_code` set the
//! span's name, kind and status. The exporter runs on its own thread with the blocking HTTP
//! client (the async one needs a Tokio reactor there and would panic on the first export).

use anyhow::Context as _;
use axum::http::HeaderMap;
use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_http::HeaderExtractor;
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::{Span, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::registry::LookupSpan;

/// The instrumentation scope of our spans.
pub const TRACER_NAME: &str = "hellosales";

/// The OTLP/HTTP path of traces, appended to `OTEL_ENDPOINT` when it names only the collector.
const TRACES_PATH: &str = "/v1/traces";

/// Makes W3C `traceparent` / `tracestate` the process's propagation format (incoming requests
/// are continued, outgoing provider requests carry it).
pub fn install_propagator() {
    opentelemetry::global::set_text_map_propagator(TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
    ]));
}

/// The traces endpoint for `OTEL_ENDPOINT`: the collector's address (`http://collector:4318`)
/// gets `/v1/traces`; a full traces URL is kept as it is.
#[must_use]
pub fn traces_endpoint(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    if trimmed.ends_with(TRACES_PATH) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{TRACES_PATH}")
    }
}

/// A tracer provider exporting to `endpoint` in batches.
///
/// # Errors
/// The exporter cannot be built (an unusable endpoint).
pub fn tracer_provider(endpoint: &str) -> anyhow::Result<SdkTracerProvider> {
    // The blocking client uses rustls on ring too.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(traces_endpoint(endpoint))
        .build()
        .context("building the OTLP exporter for OTEL_ENDPOINT")?;
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource())
        .build())
}

/// The resource describing this process: `service.name = hellosales` and its version.
#[must_use]
pub fn resource() -> Resource {
    Resource::builder()
        .with_service_name(TRACER_NAME)
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build()
}

/// The `tracing` layer exporting spans through `provider`.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl tracing_subscriber::Layer<S> + use<S>
where
    S: Subscriber + for<'span> LookupSpan<'span> + Send + Sync,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(TRACER_NAME))
        .with_threads(false)
}

/// Makes `span` a child of the trace context carried by `headers` (`traceparent`), when there is
/// one. Without the OpenTelemetry layer this does nothing.
pub fn continue_trace(span: &Span, headers: &HeaderMap) {
    if !headers.contains_key("traceparent") {
        return;
    }
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderExtractor(headers))
    });
    // Fails only when the span is disabled or not tracked by the OpenTelemetry layer.
    let _ = span.set_parent(parent);
}
