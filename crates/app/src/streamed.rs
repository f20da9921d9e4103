//! A streamed LLM answer through a pipeline, shared by the chat and the generation pipelines.
//!
//! * Stage side, [`stream_answer`]: asks the LLM routes, sends each non-empty delta to the
//!   run's stream as `{"delta": "…", "index": n, …tag}` (the first is also the event
//!   `llm.first_token`), and returns once the call's `provider_calls` row is written, so that
//!   the run row can refer to it. [`Streamed::into_output`] turns it into the stage's data under
//!   the keys [`run_totals`] reads.
//! * Service side, [`forward_deltas`]: turns the run's stream items into the transport's updates
//!   and measures the time to the first one; [`run_totals`] reads the run's measures back from
//!   the LLM stage's data.

use crate::chat::stages::stage_error;
use crate::observability::RunTotals;
use crate::route_notices::StageNotices;
use futures::StreamExt;
use hellosales_domain::ports::{CallContext, ChatEvent, ChatRequest};
use hellosales_providers::{CallMeasures, LlmRoutes};
use serde_json::{Map, Value, json};
use stageflow::{
    PipelineError, PipelineResults, StageContext, StageError, StageOutput, StreamItem,
};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Stage data: the answer's text.
pub const RESPONSE: &str = "response";
/// Stage data: the LLM call's `provider_calls` id.
pub const PROVIDER_CALL_ID: &str = "provider_call_id";

/// An answer the model streamed to its end.
#[derive(Debug)]
pub(crate) struct Streamed {
    /// The whole text.
    pub(crate) text: String,
    call_id: Uuid,
    deltas: u64,
    finish_reason: Option<String>,
    model: Option<String>,
    generation_ms: Option<u64>,
    measures: Option<CallMeasures>,
}

impl Streamed {
    /// The stage data of the answer: the text, the model that answered (`asked` when the
    /// provider did not say), the call and its measures.
    pub(crate) fn into_output(self, asked: &str) -> StageOutput {
        let measures = self.measures;
        StageOutput::ok()
            .with(RESPONSE, self.text)
            .with("model", self.model.unwrap_or_else(|| asked.to_owned()))
            .with(PROVIDER_CALL_ID, self.call_id.to_string())
            .with("finish_reason", self.finish_reason)
            .with("tokens", self.deltas)
            .with("generation_ms", self.generation_ms)
            .with("tokens_in", measures.and_then(|m| m.tokens_in))
            .with("tokens_out", measures.and_then(|m| m.tokens_out))
            .with(
                "tokens_estimated",
                measures.is_some_and(|m| m.tokens_estimated),
            )
            .with("cost_usd_micros", measures.and_then(|m| m.cost_usd_micros))
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Streams the answer to `request`, each delta tagged with `tag`'s entries. `Ok(None)` when the
/// run was cancelled meanwhile.
///
/// # Errors
/// The provider's error (as a stage error carrying it), or a stream the caller stopped reading.
pub(crate) async fn stream_answer(
    ctx: &StageContext,
    llm: &LlmRoutes,
    call: &CallContext,
    request: ChatRequest,
    tag: &Map<String, Value>,
) -> Result<Option<Streamed>, StageError> {
    let cancelled = ctx.cancellation();
    let notices = StageNotices(ctx);
    let mut stream = tokio::select! {
        biased;
        () = cancelled.cancelled() => return Ok(None),
        stream = llm.chat_stream_observed(call, request, &notices) => {
            stream.map_err(stage_error)?
        }
    };
    let mut text = String::new();
    let mut deltas = 0_u64;
    let mut first_token: Option<Duration> = None;
    let mut finish_reason = None;
    let mut model = None;
    loop {
        let event = tokio::select! {
            biased;
            () = cancelled.cancelled() => return Ok(None),
            event = stream.next() => event,
        };
        let Some(event) = event else { break };
        match event.map_err(stage_error)? {
            ChatEvent::Delta(delta) if delta.is_empty() => {}
            ChatEvent::Delta(delta) => {
                if first_token.is_none() {
                    let ttft = ctx.elapsed();
                    first_token = Some(ttft);
                    ctx.emit_event("llm.first_token", json!({ "ttft_ms": millis(ttft) }));
                }
                let mut item = tag.clone();
                item.insert("delta".to_owned(), Value::from(delta.as_str()));
                item.insert("index".to_owned(), Value::from(deltas));
                ctx.stream(Value::Object(item)).await?;
                text.push_str(&delta);
                deltas += 1;
            }
            ChatEvent::Usage { .. } => {}
            ChatEvent::Done {
                finish_reason: reason,
                model: answered,
            } => {
                finish_reason = reason;
                model = answered;
            }
        }
    }
    let measures = match stream.recorded() {
        Some(written) => {
            let measures = written.measures();
            written.wait().await;
            Some(measures)
        }
        None => None,
    };
    ctx.emit_event(
        "llm.generation.completed",
        json!({
            "duration_ms": millis(ctx.elapsed()),
            "tokens_out": measures.and_then(|m| m.tokens_out),
            "finish_reason": finish_reason,
        }),
    );
    Ok(Some(Streamed {
        text,
        call_id: stream.call_id(),
        deltas,
        finish_reason,
        model,
        generation_ms: first_token.map(|ttft| millis(ctx.elapsed().saturating_sub(ttft))),
        measures,
    }))
}

/// Turns the run's stream items (`{"delta", "index", …}`) into updates with `to_update` and
/// sends them to `updates` (when there is a client) until the run closes the stream; answers
/// when the first one arrived, from `started`. A client that stops reading cancels the run.
pub(crate) async fn forward_deltas<U>(
    mut stream: mpsc::Receiver<StreamItem>,
    updates: Option<&mpsc::Sender<U>>,
    cancel: &CancellationToken,
    started: Instant,
    to_update: impl Fn(String, u64, &Value) -> U,
) -> Option<Duration> {
    let mut first = None;
    while let Some(item) = stream.recv().await {
        let Some(delta) = item.data.get("delta").and_then(Value::as_str) else {
            continue;
        };
        first.get_or_insert_with(|| started.elapsed());
        let Some(updates) = updates else { continue };
        let index = item.data.get("index").and_then(Value::as_u64).unwrap_or(0);
        if updates
            .send(to_update(delta.to_owned(), index, &item.data))
            .await
            .is_err()
        {
            cancel.cancel();
            break;
        }
    }
    first
}

/// What a run measured, from the data of its LLM stage `llm` (in its results, or the partial
/// results of a run that did not finish) and the time to its first token.
pub(crate) fn run_totals(
    result: &Result<PipelineResults, PipelineError>,
    llm: &str,
    first_token: Option<Duration>,
) -> RunTotals {
    let results = match result {
        Ok(results) => results,
        Err(error) => error.partial_results(),
    };
    let stage = results.get(llm);
    let number = |key: &str| stage.and_then(|s| s.get::<Option<u64>>(key).ok().flatten());
    RunTotals {
        ttft_ms: first_token.map(millis),
        tokens_in: number("tokens_in"),
        tokens_out: number("tokens_out"),
        generation_ms: number("generation_ms"),
        cost_usd_micros: stage.and_then(|s| s.get::<Option<i64>>("cost_usd_micros").ok().flatten()),
        llm_provider_call_id: stage
            .and_then(|s| s.get::<String>(PROVIDER_CALL_ID).ok())
            .and_then(|id| id.parse().ok()),
        ..RunTotals::default()
    }
}
