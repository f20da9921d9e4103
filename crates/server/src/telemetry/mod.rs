//! Telemetry set-up: logs, OpenTelemetry traces and Prometheus metrics.
//!
//! * **Logs**: JSON lines in production (`LOG_FORMAT=json`), human-readable lines in
//!   development. Request spans carry `request_id`, `user_id` and `org_id` (and, for AI work,
//!   `session_id` and `pipeline_run_id`); the JSON format writes the fields of every enclosing
//!   span on each line.
//! * **Traces** ([`otel`]): when `OTEL_ENDPOINT` is set, every span (HTTP request, pipeline,
//!   stage, provider call) is exported over OTLP/HTTP; the W3C trace context of incoming requests
//!   is continued and passed on to providers.
//! * **Metrics** ([`prometheus`]): the Prometheus recorder, served on `HELLOSALES_METRICS_BIND`.

pub mod otel;
pub mod prometheus;

use crate::config::{Config, LogFormat};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

/// What telemetry needs at shutdown: the trace exporter, to flush the last spans.
#[derive(Debug, Default)]
#[must_use = "call `shutdown` when the process stops, or the last spans are lost"]
pub struct Telemetry {
    tracer_provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Whether spans are exported.
    #[must_use]
    pub fn exports_traces(&self) -> bool {
        self.tracer_provider.is_some()
    }

    /// Exports the spans still queued and stops the exporter.
    pub fn shutdown(self) {
        if let Some(provider) = self.tracer_provider
            && let Err(error) = provider.shutdown()
        {
            tracing::warn!(%error, "flushing the last spans");
        }
    }
}

/// A boxed layer of the global subscriber.
type BoxedLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global subscriber: the log filter, the log format and, when `OTEL_ENDPOINT`
/// is set, the OpenTelemetry layer. Calling it again (tests) leaves the first one in place.
///
/// # Errors
/// The OTLP exporter cannot be built from `OTEL_ENDPOINT`.
pub fn init(config: &Config) -> anyhow::Result<Telemetry> {
    otel::install_propagator();
    let tracer_provider = config
        .otel_endpoint
        .as_deref()
        .map(otel::tracer_provider)
        .transpose()?;
    let mut layers: Vec<BoxedLayer> = vec![log_layer(config.log_format())];
    if let Some(provider) = &tracer_provider {
        layers.push(Box::new(otel::layer(provider)));
    }
    // `try_init` fails only when a subscriber is already installed, which is fine.
    let _ = tracing_subscriber::registry()
        .with(layers)
        .with(log_filter(config))
        .try_init();
    Ok(Telemetry { tracer_provider })
}

/// Installs logging only (for short commands such as `migrate`).
pub fn init_logs(config: &Config) {
    let _ = tracing_subscriber::registry()
        .with(log_layer(config.log_format()))
        .with(log_filter(config))
        .try_init();
}

/// `LOG_LEVEL` as a filter (validated at load; `info` should it still not parse).
fn log_filter(config: &Config) -> EnvFilter {
    EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"))
}

fn log_layer(format: LogFormat) -> BoxedLayer {
    match format {
        LogFormat::Json => Box::new(
            tracing_subscriber::fmt::layer()
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .flatten_event(true),
        ),
        LogFormat::Pretty => Box::new(tracing_subscriber::fmt::layer().compact()),
    }
}
