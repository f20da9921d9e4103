//! The tracing span and the metrics of each provider call.
//!
//! The span `gen_ai.call` (exported as `chat {model}` or `embeddings {model}`) carries the OpenTelemetry GenAI semantic-convention attributes as
//! field names (`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
//! `gen_ai.response.model`, `gen_ai.usage.input_tokens`, `gen_ai.usage.output_tokens`,
//! `gen_ai.response.finish_reasons`, `error.type`) plus `otel.name`, `otel.kind = "client"`
//! and `otel.status_code`, the fields `tracing-opentelemetry` maps onto the exported span.
//! Fields learnt later are declared empty and recorded when the call ends.
//!
//! Metrics, through the `metrics` facade, labelled by `provider` and `model` (the model asked
//! for, a bounded set): [`PROVIDER_CALLS_TOTAL`] (and `status` = `ok` | `error`),
//! [`PROVIDER_LATENCY_MS`], [`PROVIDER_TTFT_MS`], [`PROVIDER_COST_USD_MICROS_TOTAL`].

use hellosales_domain::ports::{CallContext, ProviderCallRecord};
use tracing::Span;
use tracing::field::Empty;
use uuid::Uuid;

/// Counter of provider calls by `provider`, `model` and `status` (`ok` | `error`).
pub const PROVIDER_CALLS_TOTAL: &str = "provider_calls_total";
/// Histogram of provider call latency, in milliseconds, by `provider` and `model`.
pub const PROVIDER_LATENCY_MS: &str = "provider_latency_ms";
/// Histogram of time to the first content delta, in milliseconds, by `provider` and `model`.
pub const PROVIDER_TTFT_MS: &str = "provider_ttft_ms";
/// Counter of the exact cost of provider calls, in micro-USD, by `provider` and `model`.
pub const PROVIDER_COST_USD_MICROS_TOTAL: &str = "provider_cost_usd_micros_total";

/// Registers the units and descriptions of the provider metrics with the installed recorder.
/// Call it once, after installing the recorder.
pub fn describe_metrics() {
    use metrics::Unit;
    metrics::describe_counter!(
        PROVIDER_CALLS_TOTAL,
        "Provider call attempts by provider, model and status"
    );
    metrics::describe_histogram!(
        PROVIDER_LATENCY_MS,
        Unit::Milliseconds,
        "Provider call latency, from the request to the end of the stream"
    );
    metrics::describe_histogram!(
        PROVIDER_TTFT_MS,
        Unit::Milliseconds,
        "Time from the request to the first content delta"
    );
    metrics::describe_counter!(
        PROVIDER_COST_USD_MICROS_TOTAL,
        "Exact cost of provider calls in micro-USD (priced models only)"
    );
}

/// The GenAI operation of a provider call, as `gen_ai.operation.name` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Operation {
    /// A chat completion.
    Chat,
    /// Text embeddings.
    Embeddings,
    /// Speech-to-text.
    Transcription,
    /// Text-to-speech.
    Speech,
}

impl Operation {
    const fn as_str(self) -> &'static str {
        match self {
            Self::Chat => "chat",
            Self::Embeddings => "embeddings",
            Self::Transcription => "speech_to_text",
            Self::Speech => "text_to_speech",
        }
    }
}

/// The span of one provider call (`gen_ai.call`, exported as `{operation} {model}`).
pub(super) fn call_span(
    operation: Operation,
    context: &CallContext,
    provider: &str,
    model: &str,
    call_id: Uuid,
) -> Span {
    tracing::info_span!(
        "gen_ai.call",
        otel.name = %format_args!("{} {model}", operation.as_str()),
        otel.kind = "client",
        otel.status_code = Empty,
        gen_ai.operation.name = operation.as_str(),
        gen_ai.provider.name = %provider,
        gen_ai.request.model = %model,
        gen_ai.response.model = Empty,
        gen_ai.usage.input_tokens = Empty,
        gen_ai.usage.output_tokens = Empty,
        gen_ai.response.finish_reasons = Empty,
        "error.type" = Empty,
        hellosales.service = context.service.as_str(),
        hellosales.tokens_estimated = Empty,
        provider_call.id = %call_id,
    )
}

/// Records on `span` what the finished call learnt.
pub(super) fn record_on_span(span: &Span, record: &ProviderCallRecord) {
    if let Some(model) = &record.response_model {
        span.record("gen_ai.response.model", model.as_str());
    }
    if let Some(tokens) = record.tokens_in {
        span.record("gen_ai.usage.input_tokens", tokens);
    }
    if let Some(tokens) = record.tokens_out {
        span.record("gen_ai.usage.output_tokens", tokens);
    }
    if record.tokens_in.is_some() {
        span.record("hellosales.tokens_estimated", record.tokens_estimated);
    }
    if let Some(reason) = &record.finish_reason {
        span.record("gen_ai.response.finish_reasons", reason.as_str());
    }
    if let Some(code) = &record.error_code {
        span.record("error.type", code.as_str());
        span.record("otel.status_code", "ERROR");
    }
}

/// Counts the finished call in the provider metrics.
pub(super) fn record_metrics(record: &ProviderCallRecord) {
    let provider = record.provider.clone();
    let model = record.model_id.clone().unwrap_or_default();
    let status = if record.success { "ok" } else { "error" };
    metrics::counter!(
        PROVIDER_CALLS_TOTAL,
        "provider" => provider.clone(),
        "model" => model.clone(),
        "status" => status,
    )
    .increment(1);
    metrics::histogram!(
        PROVIDER_LATENCY_MS,
        "provider" => provider.clone(),
        "model" => model.clone(),
    )
    .record(f64::from(record.latency_ms));
    if let Some(ttft) = record.ttft_ms {
        metrics::histogram!(
            PROVIDER_TTFT_MS,
            "provider" => provider.clone(),
            "model" => model.clone(),
        )
        .record(f64::from(ttft));
    }
    if let Some(micros) = record.cost_usd_micros.and_then(|c| u64::try_from(c).ok()) {
        metrics::counter!(
            PROVIDER_COST_USD_MICROS_TOTAL,
            "provider" => provider,
            "model" => model,
        )
        .increment(micros);
    }
}
