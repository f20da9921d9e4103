//! Adds the W3C trace context of the current span to outgoing requests.
//!
//! Every request an adapter sends passes through [`inject`], so that the `traceparent` of the
//! call is set in one place for all providers. The context comes from the OpenTelemetry layer
//! of the current `tracing` span (the provider call's `gen_ai.*` span); without that layer, or
//! with no propagator installed, nothing is added.

use opentelemetry::propagation::Injector;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// The request with the current span's `traceparent` (and `tracestate`) headers.
pub(crate) fn inject(builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    let context = tracing::Span::current().context();
    let mut headers = HeaderInjector(HeaderMap::new());
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut headers);
    });
    if headers.0.is_empty() {
        builder
    } else {
        builder.headers(headers.0)
    }
}

/// Collects the propagator's headers.
struct HeaderInjector(HeaderMap);

impl Injector for HeaderInjector {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}
