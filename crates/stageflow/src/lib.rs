//! # stageflow
//!
//! A typed, observable DAG pipeline engine for async Rust.
//!
//! A [`Pipeline`] is a graph of [stages](Stage), each declaring the stages it depends on. A run
//! starts every stage as soon as its dependencies finished, runs independent stages
//! concurrently, wraps each stage in [interceptors] (timeout, circuit breaker,
//! retry, tracing, metrics, logging), emits [events] to an [`EventSink`](events::EventSink),
//! streams incremental output to the caller and stops cleanly on cancellation or failure.
//!
//! * **Build once, run many.** [`Pipeline::builder`] validates the graph (empty, duplicate
//!   names, unknown dependencies, cycles are [`BuildError`]s). The built pipeline is immutable,
//!   cheap to clone and runs any number of times concurrently.
//! * **Typed data flow.** A stage returns a [`StageOutput`] (`ok`, `skip`, `cancel`, `fail`,
//!   `retry`) whose data its dependents read through [`StageInputs`]: `inputs.get::<T>(key)`,
//!   `inputs.get_from::<T>(stage, key)`. A missing or mistyped value is an [`InputError`],
//!   never a panic. Every stage sees the same immutable [`ContextSnapshot`].
//! * **Stopping.** A stage returning `Cancel` (or the caller's
//!   [`CancellationToken`](tokio_util::sync::CancellationToken)) stops the run with
//!   [`PipelineError::Cancelled`]; a failure (an error, a `Fail`, a timeout, an open circuit, a
//!   panic) with [`PipelineError::StageFailed`]. Either way the stages still running are
//!   cancelled through their tokens and awaited, and the error carries the results of every
//!   finished stage.
//! * **Conditional stages and timeouts.** A [conditional](StageSpec::conditional) stage skips
//!   itself when a *direct* dependency skipped (so a skip propagates through chains of
//!   conditional stages); the timeout bounds each *attempt* of a stage, not the stage with its
//!   retries (see [`interceptors`]).
//! * **Observability.** `pipeline.*`, `stage.{name}.*`, `stage.wide` and `pipeline.wide`
//!   events (see [`events`] and [`wide`]), `tracing` spans per run and per stage, and
//!   [`metrics`](https://docs.rs/metrics) histograms and counters.
//!
//! # Example
//!
//! A chat-shaped DAG: a guard and two enrichers run concurrently, then a fake LLM streams
//! tokens, then an output guard and a persistence stage.
//!
//! ```
//! use std::sync::Arc;
//!
//! use serde_json::json;
//! use stageflow::events::InMemoryEventSink;
//! use stageflow::{
//!     async_trait, ContextSnapshot, FnStage, Pipeline, RunOptions, Stage, StageContext,
//!     StageError, StageKind, StageOutput, StageSpec, stream_channel,
//! };
//!
//! /// Blocks empty input by cancelling the run.
//! struct InputGuard;
//!
//! #[async_trait]
//! impl Stage for InputGuard {
//!     async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
//!         let text = ctx.snapshot().input_text.as_deref().unwrap_or_default().trim();
//!         if text.is_empty() {
//!             return Ok(StageOutput::cancel("empty input").with("blocked", true));
//!         }
//!         Ok(StageOutput::ok().with("input_text", text).with("validated", true))
//!     }
//! }
//!
//! /// Streams a canned answer word by word.
//! struct FakeLlm;
//!
//! #[async_trait]
//! impl Stage for FakeLlm {
//!     async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
//!         let input: &str = ctx.inputs().get("input_text")?;
//!         let name: Option<String> = ctx.inputs().get_opt("display_name")?;
//!         let answer = format!("Hello {}, you said: {input}", name.as_deref().unwrap_or("there"));
//!         for word in answer.split_inclusive(' ') {
//!             ctx.stream(json!({ "token": word })).await?;
//!         }
//!         Ok(StageOutput::ok().with("response", answer))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let pipeline = Pipeline::builder("chat")
//!     .stage(StageSpec::new("input_guard", InputGuard, StageKind::Guard))
//!     .stage(StageSpec::new(
//!         "profile_enrich",
//!         FnStage::new(|_| async { Ok(StageOutput::ok().with("display_name", "Ada")) }),
//!         StageKind::Enrich,
//!     ))
//!     .stage(StageSpec::new(
//!         "summary_enrich",
//!         FnStage::new(|_| async { Ok(StageOutput::skip("no session")) }),
//!         StageKind::Enrich,
//!     ))
//!     .stage(
//!         StageSpec::new("llm", FakeLlm, StageKind::Transform)
//!             .depends_on(["input_guard", "profile_enrich", "summary_enrich"]),
//!     )
//!     .stage(
//!         StageSpec::new(
//!             "output_guard",
//!             FnStage::new(|ctx| async move {
//!                 let response: String = ctx.inputs().get("response")?;
//!                 Ok(StageOutput::ok().with("response", response).with("validated", true))
//!             }),
//!             StageKind::Guard,
//!         )
//!         .depends_on(["llm"]),
//!     )
//!     .stage(
//!         StageSpec::new(
//!             "persist",
//!             FnStage::new(|_| async { Ok(StageOutput::ok().with("persisted", true)) }),
//!             StageKind::Work,
//!         )
//!         .depends_on(["output_guard"]),
//!     )
//!     .build()?;
//!
//! let events = InMemoryEventSink::new();
//! let (tokens, mut received) = stream_channel(16);
//! let snapshot = ContextSnapshot::new()
//!     .with_request_id("req-1")
//!     .with_topology("chat_pipeline")
//!     .with_service("chat")
//!     .with_input_text("Hi!");
//! let options = RunOptions::new().sink(Arc::new(events.clone())).stream(tokens);
//!
//! // Read the tokens while the pipeline runs.
//! let run = pipeline.run(snapshot, options);
//! let read = async {
//!     let mut text = String::new();
//!     while let Some(item) = received.recv().await {
//!         text.push_str(item.data["token"].as_str().unwrap_or_default());
//!     }
//!     text
//! };
//! let (results, streamed) = tokio::join!(run, read);
//! let results = results?;
//!
//! assert_eq!(streamed, "Hello Ada, you said: Hi!");
//! let response: &str = results.get("output_guard").ok_or("missing")?.get("response")?;
//! assert_eq!(response, streamed);
//! assert_eq!(results.len(), 6);
//! assert_eq!(events.of_type("pipeline.wide").len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! * [`interceptors`]: the middleware chain and the built-in interceptors.
//! * [`events`]: the event record, the sink trait and the built-in sinks.
//! * [`streaming`]: incremental output and its back-pressure policy.
//! * [`wide`]: the fields of the wide events.

#![warn(missing_docs)]

mod builder;
mod context;
mod error;
pub mod events;
mod fnv;
mod graph;
mod inputs;
pub mod interceptors;
mod output;
mod pipeline;
mod registry;
mod results;
mod run_options;
mod run_scope;
mod runner;
mod snapshot;
mod stage;
pub mod streaming;
pub mod wide;

pub use async_trait::async_trait;

pub use crate::builder::{PipelineBuilder, StageSpec};
pub use crate::context::{StageContext, StageContextBuilder};
pub use crate::error::{
    BuildError, CircuitOpen, PipelineCancelled, PipelineError, StageError, StageErrorKind, codes,
};
pub use crate::inputs::{InputError, StageInputs};
pub use crate::output::{
    CANCEL_REASON_KEY, SKIP_REASON_KEY, StageArtifact, StageData, StageOutput,
};
pub use crate::pipeline::Pipeline;
pub use crate::registry::{PipelineRegistry, RegistryError};
pub use crate::results::{PipelineResults, ResultsIter, RunStatus, StageResult};
pub use crate::run_options::{DEFAULT_CANCEL_GRACE, RunOptions};
pub use crate::snapshot::{ContextSnapshot, Message};
pub use crate::stage::{FnStage, Stage, StageKind, StageStatus};
pub use crate::streaming::{StreamError, StreamItem, stream_channel};
pub use crate::wide::WideEvents;
