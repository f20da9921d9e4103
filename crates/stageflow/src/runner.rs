//! The scheduler: runs one pipeline run to completion.
//!
//! Stages are driven as futures in a [`FuturesUnordered`] inside the caller's task (no task per
//! stage), so a run costs a few allocations per stage, not a spawn; a panic is caught per stage
//! with `catch_unwind`. A stage starts when its last dependency finished `Ok` or `Skip`; a
//! conditional stage whose dependency skipped is skipped without running. The first `Cancel`,
//! failure or external cancellation stops the run: the run token is cancelled, running stages
//! are awaited for the grace period (then dropped), and the error carries every result.
//!
//! Cost: the clock is read once when the run starts and once each time stages finish; event
//! times are derived from those readings, and event data is rendered only when read.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;

use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

use crate::context::StageContext;
use crate::error::{PipelineCancelled, PipelineError, StageError};
use crate::events::{Event, NoOpEventSink, Payload, StagePhase};
use crate::inputs::StageInputs;
use crate::interceptors::{Interceptor, RunEnd, RunStart, panic_message, run_chain};
use crate::output::StageOutput;
use crate::pipeline::PipelineInner;
use crate::results::{PipelineResults, RunStatus, StageResult};
use crate::run_options::RunOptions;
use crate::run_scope::{Moment, RunInfo, RunScope, contain_steps, service_label};
use crate::snapshot::ContextSnapshot;
use crate::stage::StageStatus;
use crate::streaming::StreamTarget;
use crate::wide::{RunSummary, WideEvents};

/// The reason recorded for stages dropped after the grace period.
const DROPPED_REASON: &str = "the run stopped before the stage finished";
/// The reason of a run cancelled through the caller's token.
const EXTERNAL_REASON: &str = "cancelled by the caller";

/// A finished stage future: its index, its output, (unless it panicked) its context and when
/// the interceptor chain produced the output.
struct Done {
    stage: usize,
    output: StageOutput,
    ctx: Option<StageContext>,
    ended: Option<Instant>,
}

impl Done {
    /// A stage that never ran (or whose future was lost) with `output`.
    fn without_context(stage: usize, output: StageOutput) -> Self {
        Self {
            stage,
            output,
            ctx: None,
            ended: None,
        }
    }
}

/// Runs `pipeline` once.
pub(crate) async fn run(
    pipeline: &PipelineInner,
    snapshot: Arc<ContextSnapshot>,
    options: RunOptions,
) -> Result<PipelineResults, PipelineError> {
    let span = tracing::info_span!(
        "pipeline",
        otel.name = %format_args!("pipeline {}", pipeline.name),
        otel.status_code = tracing::field::Empty,
        status = tracing::field::Empty,
        pipeline = &*pipeline.name,
        pipeline_run_id = %snapshot.pipeline_run_id,
        request_id = snapshot.request_id.as_deref(),
        session_id = snapshot.session_id.map(tracing::field::display),
        user_id = snapshot.user_id.map(tracing::field::display),
        org_id = snapshot.org_id.map(tracing::field::display),
        service = snapshot.service.as_deref(),
        topology = snapshot.topology.as_deref(),
    );
    let run = Run::new(pipeline, snapshot, options).execute();
    if span.is_disabled() {
        return run.await;
    }
    let result = run.instrument(span.clone()).await;
    let status = match &result {
        Ok(_) => RunStatus::Completed,
        Err(PipelineError::Cancelled(_)) => RunStatus::Cancelled,
        Err(_) => RunStatus::Failed,
    };
    span.record("status", status.as_str());
    if status == RunStatus::Failed {
        span.record("otel.status_code", "ERROR");
    }
    result
}

/// Why a run stopped early.
enum Stop {
    Cancelled {
        stage: Option<usize>,
        reason: String,
    },
    Failed {
        stage: usize,
        error: StageError,
    },
}

/// The per-run state of one stage.
struct NodeState {
    /// Dependencies not finished yet.
    pending: usize,
    /// When it started, while it runs.
    started: Option<Moment>,
    /// Set once it finished: what its dependents read.
    finished: Option<Arc<StageResult>>,
}

struct Run<'p> {
    pipeline: &'p PipelineInner,
    scope: Arc<RunScope>,
    wide: WideEvents,
    grace: Duration,
    nodes: Vec<NodeState>,
    ready: VecDeque<usize>,
    results: Vec<Arc<StageResult>>,
}

impl<'p> Run<'p> {
    fn new(
        pipeline: &'p PipelineInner,
        snapshot: Arc<ContextSnapshot>,
        options: RunOptions,
    ) -> Self {
        let token = options
            .cancellation
            .map_or_else(CancellationToken::new, |token| token.child_token());
        let scope = Arc::new(RunScope {
            service: service_label(&snapshot),
            info: Arc::new(RunInfo::new(Arc::clone(&pipeline.name), snapshot)),
            sink: options.sink.unwrap_or_else(|| Arc::new(NoOpEventSink)),
            config: options.config,
            stream: StreamTarget::new(options.stream, options.stream_stall_timeout),
            token,
        });
        let nodes = pipeline
            .nodes
            .iter()
            .map(|node| NodeState {
                pending: node.dependencies.len(),
                started: None,
                finished: None,
            })
            .collect();
        Self {
            pipeline,
            scope,
            wide: options.wide_events.unwrap_or(pipeline.wide_events),
            grace: options.cancel_grace,
            nodes,
            ready: VecDeque::with_capacity(pipeline.nodes.len()),
            results: Vec::with_capacity(pipeline.nodes.len()),
        }
    }

    fn info(&self) -> &Arc<RunInfo> {
        &self.scope.info
    }

    /// When `done` finished: the clock reading that timed its output (so that its result and
    /// the durations its interceptors saw agree, for one clock read), or now.
    fn finished_at(&self, done: &Done) -> Moment {
        done.ended
            .map_or_else(|| self.info().now(), |ended| self.info().moment(ended))
    }

    async fn execute(mut self) -> Result<PipelineResults, PipelineError> {
        let pipeline = self.pipeline;
        let start = RunStart {
            pipeline: &pipeline.name,
            snapshot: &self.info().snapshot,
        };
        let started = self.info().start();
        self.scope.emit(
            Arc::clone(&pipeline.event_names.started),
            started,
            Payload::PipelineStarted {
                run: Arc::clone(self.info()),
                stage_count: pipeline.nodes.len(),
            },
        );
        contain_steps(
            pipeline.interceptors.len(),
            |index| pipeline.interceptors[index].on_pipeline_start(&start),
            |index| {
                describe_hook(
                    &pipeline.interceptors,
                    index,
                    "Interceptor::on_pipeline_start",
                )
            },
        );

        let token = self.scope.token.clone();
        let mut running = FuturesUnordered::new();
        let stop = if token.is_cancelled() {
            Some(external_stop())
        } else {
            self.ready.extend(pipeline.roots.iter().copied());
            self.schedule(&mut running, started, Self::launch);
            self.drive(&mut running, &token, Self::launch).await
        };
        if stop.is_some() {
            token.cancel();
            self.drain(&mut running).await;
        }
        self.finish(stop)
    }

    /// Records finished stages and starts the ones they unblock, until every stage finished or
    /// the run must stop.
    ///
    /// `launch` is always [`Self::launch`]; passing it lets the stage futures keep their
    /// concrete type (no box per stage).
    async fn drive<F, L>(
        &mut self,
        running: &mut FuturesUnordered<F>,
        token: &CancellationToken,
        launch: L,
    ) -> Option<Stop>
    where
        F: Future<Output = Done>,
        L: Fn(&mut Self, usize, Moment) -> F,
    {
        let cancelled = token.cancelled();
        tokio::pin!(cancelled);
        while !running.is_empty() {
            let done = tokio::select! {
                biased;
                Some(done) = running.next() => done,
                () = &mut cancelled => return Some(external_stop()),
            };
            let now = self.finished_at(&done);
            if token.is_cancelled() {
                // The caller cancelled while this stage was finishing (it probably noticed the
                // cancellation first): the run stops because of the caller, not of the stage.
                self.record(done, now, true);
                return Some(external_stop());
            }
            let stage = done.stage;
            match self.record(done, now, false) {
                StageStatus::Ok | StageStatus::Skip => {
                    self.release_dependents(stage);
                    self.schedule(running, now, &launch);
                }
                StageStatus::Cancel => {
                    let reason = self
                        .results
                        .last()
                        .and_then(|result| result.reason())
                        .unwrap_or("stage cancelled the pipeline")
                        .to_owned();
                    return Some(Stop::Cancelled {
                        stage: Some(stage),
                        reason,
                    });
                }
                StageStatus::Fail | StageStatus::Retry => {
                    let error = self
                        .results
                        .last()
                        .and_then(|result| result.error.clone())
                        .unwrap_or_else(|| StageError::from("stage failed"));
                    return Some(Stop::Failed { stage, error });
                }
            }
        }
        None
    }

    /// Starts every ready stage (skipping conditional stages whose dependency skipped).
    fn schedule<F, L>(&mut self, running: &mut FuturesUnordered<F>, now: Moment, launch: L)
    where
        L: Fn(&mut Self, usize, Moment) -> F,
    {
        let pipeline = self.pipeline;
        while let Some(stage) = self.ready.pop_front() {
            let node = &pipeline.nodes[stage];
            let skipped_dependency = node.conditional.then(|| {
                node.dependencies.iter().copied().find(|&dependency| {
                    self.nodes[dependency]
                        .finished
                        .as_ref()
                        .is_some_and(|result| result.status == StageStatus::Skip)
                })
            });
            if let Some(Some(dependency)) = skipped_dependency {
                self.nodes[stage].started = Some(now);
                let reason = format!(
                    "upstream stage `{}` skipped",
                    pipeline.nodes[dependency].info.name
                );
                let done = Done::without_context(stage, StageOutput::skip(reason));
                self.record(done, now, false);
                self.release_dependents(stage);
            } else {
                running.push(launch(self, stage, now));
            }
        }
    }

    fn release_dependents(&mut self, stage: usize) {
        for &dependent in &self.pipeline.nodes[stage].dependents {
            let state = &mut self.nodes[dependent];
            state.pending -= 1;
            if state.pending == 0 {
                self.ready.push_back(dependent);
            }
        }
    }

    /// Emits `stage.{name}.started` and returns the stage's future.
    fn launch(&mut self, stage: usize, now: Moment) -> impl Future<Output = Done> + Send + use<'p> {
        let pipeline = self.pipeline;
        let node = &pipeline.nodes[stage];
        let inputs = if node.dependencies.is_empty() {
            StageInputs::default()
        } else {
            // A stage starts once every dependency finished, so each has a result.
            StageInputs::new(
                node.dependencies
                    .iter()
                    .filter_map(|&dependency| self.nodes[dependency].finished.clone()),
            )
        };
        let ctx = StageContext::new(
            Arc::clone(&self.scope),
            Arc::clone(&node.info),
            inputs,
            now.instant,
        );
        self.nodes[stage].started = Some(now);
        self.scope.emit(
            node.event_name(StagePhase::Started),
            now,
            Payload::StageStarted {
                run: Arc::clone(self.info()),
                stage: Arc::clone(&node.info),
            },
        );
        let started = now.instant;
        let future = async move {
            let chained =
                run_chain(&pipeline.interceptors, &ctx, node.runner.as_ref(), started).await;
            Done {
                stage,
                output: chained.output,
                ctx: Some(ctx),
                ended: Some(chained.ended),
            }
        };
        AssertUnwindSafe(future).catch_unwind().map(move |caught| {
            caught.unwrap_or_else(|panic| {
                let error = StageError::panicked(panic_message(panic.as_ref()));
                Done::without_context(stage, StageOutput::fail(error))
            })
        })
    }

    /// Keeps the result of a finished stage, emits its events and calls the interceptors'
    /// `on_stage_end`. While the run is stopping, a stage that did not finish `Ok` or `Skip`
    /// is recorded as cancelled.
    fn record(&mut self, done: Done, now: Moment, stopping: bool) -> StageStatus {
        let Done {
            stage, output, ctx, ..
        } = done;
        let node = &self.pipeline.nodes[stage];
        let info = Arc::clone(self.info());
        let started = self.nodes[stage].started.take().unwrap_or(now);
        let mut output = output.normalized();
        if stopping && !output.status.is_finished() {
            output.status = StageStatus::Cancel;
        }
        for event in output.events.drain(..) {
            let (event_type, data, occurred_at) = event.into_parts();
            let payload = Payload::Stamped {
                run: Arc::clone(&info),
                stage: Arc::clone(&node.info.name),
                data,
            };
            self.scope
                .emit_event(Event::lazy(event_type, occurred_at, payload));
        }
        let status = output.status;
        let result = Arc::new(StageResult {
            name: Arc::clone(&node.info.name),
            kind: node.info.kind,
            status,
            data: output.data,
            artifacts: output.artifacts,
            error: output.error,
            started_at: started.wall,
            ended_at: now.wall,
            duration: now.since(started),
        });
        let phase = match status {
            StageStatus::Ok => StagePhase::Completed,
            StageStatus::Skip => StagePhase::Skipped,
            StageStatus::Cancel => StagePhase::Cancelled,
            StageStatus::Fail | StageStatus::Retry => StagePhase::Failed,
        };
        self.scope.emit(
            node.event_name(phase),
            now,
            Payload::StageFinished {
                run: Arc::clone(&info),
                result: Arc::clone(&result),
            },
        );
        if self.wide.stage {
            self.scope.emit(
                Arc::clone(&self.pipeline.event_names.stage_wide),
                now,
                Payload::StageWide {
                    run: info,
                    result: Arc::clone(&result),
                },
            );
        }
        let interceptors = &self.pipeline.interceptors;
        if !interceptors.is_empty() {
            let ctx = ctx.unwrap_or_else(|| {
                StageContext::new(
                    Arc::clone(&self.scope),
                    Arc::clone(&node.info),
                    StageInputs::default(),
                    started.instant,
                )
            });
            contain_steps(
                interceptors.len(),
                |index| interceptors[index].on_stage_end(&ctx, &result),
                |index| describe_hook(interceptors, index, "Interceptor::on_stage_end"),
            );
        }
        self.nodes[stage].finished = Some(Arc::clone(&result));
        self.results.push(result);
        status
    }

    /// Awaits the running stages (already cancelled through the run token) for the grace
    /// period, then drops the rest.
    async fn drain<F: Future<Output = Done>>(&mut self, running: &mut FuturesUnordered<F>) {
        let deadline = Instant::now() + self.grace;
        while let Ok(Some(done)) = tokio::time::timeout_at(deadline, running.next()).await {
            let now = self.finished_at(&done);
            self.record(done, now, true);
        }
        running.clear();
        let now = self.info().now();
        let dropped: Vec<usize> = (0..self.nodes.len())
            .filter(|&stage| self.nodes[stage].started.is_some())
            .collect();
        for stage in dropped {
            let done = Done::without_context(stage, StageOutput::cancel(DROPPED_REASON));
            self.record(done, now, true);
        }
    }

    /// Emits the end-of-run events, calls the interceptors and builds the outcome.
    fn finish(self, stop: Option<Stop>) -> Result<PipelineResults, PipelineError> {
        let pipeline = self.pipeline;
        let info = Arc::clone(self.info());
        let now = info.now();
        let duration = now.since(info.start());
        let stage_name = |stage: usize| Arc::clone(&pipeline.nodes[stage].info.name);
        let (status, stage, error, reason) = match &stop {
            None => (RunStatus::Completed, None, None, None),
            Some(Stop::Cancelled { stage, reason }) => (
                RunStatus::Cancelled,
                stage.map(stage_name),
                None,
                Some(reason.clone()),
            ),
            Some(Stop::Failed { stage, error }) => (
                RunStatus::Failed,
                Some(stage_name(*stage)),
                Some(error.clone()),
                None,
            ),
        };
        let summary = Arc::new(RunSummary {
            status,
            ended_at: now.wall,
            duration,
            stage,
            error,
            reason,
            stage_count: self.results.len(),
        });
        let event_type = match status {
            RunStatus::Completed => &pipeline.event_names.completed,
            RunStatus::Failed => &pipeline.event_names.failed,
            RunStatus::Cancelled => &pipeline.event_names.cancelled,
        };
        self.scope.emit(
            Arc::clone(event_type),
            now,
            Payload::PipelineFinished {
                run: Arc::clone(&info),
                summary: Arc::clone(&summary),
            },
        );
        if self.wide.pipeline {
            self.scope.emit(
                Arc::clone(&pipeline.event_names.pipeline_wide),
                now,
                Payload::PipelineWide {
                    run: Arc::clone(&info),
                    summary: Arc::clone(&summary),
                    results: self.results.clone(),
                },
            );
        }
        let end = RunEnd {
            pipeline: &pipeline.name,
            snapshot: &info.snapshot,
            status,
            duration,
            stage: summary.stage.as_deref(),
            error: summary.error.as_ref(),
            scope: &self.scope,
        };
        contain_steps(
            pipeline.interceptors.len(),
            |index| pipeline.interceptors[index].on_pipeline_end(&end),
            |index| {
                describe_hook(
                    &pipeline.interceptors,
                    index,
                    "Interceptor::on_pipeline_end",
                )
            },
        );
        let stage = summary.stage.as_deref().map(str::to_owned);
        let results = PipelineResults::new(info.snapshot.pipeline_run_id, self.results, duration);
        match stop {
            None => Ok(results),
            Some(Stop::Cancelled { reason, .. }) => {
                Err(PipelineError::Cancelled(PipelineCancelled {
                    stage,
                    reason,
                    partial_results: results,
                }))
            }
            Some(Stop::Failed { error, .. }) => Err(PipelineError::StageFailed {
                stage: stage.unwrap_or_default(),
                retryable: error.retryable(),
                error,
                partial_results: results,
            }),
        }
    }
}

/// Names the `hook` of interceptor `index`, for the log of a panic (see [`contain_steps`]).
fn describe_hook(
    interceptors: &[Arc<dyn Interceptor>],
    index: usize,
    hook: &'static str,
) -> (&'static str, String) {
    (
        hook,
        format!("interceptor `{}`", interceptors[index].name()),
    )
}

fn external_stop() -> Stop {
    Stop::Cancelled {
        stage: None,
        reason: EXTERNAL_REASON.to_owned(),
    }
}
