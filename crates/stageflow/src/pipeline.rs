//! [`Pipeline`]: a validated, immutable DAG of stages with its interceptors, built once and run
//! many times (concurrently) with [`Pipeline::run`].
//!
//! Everything a run needs that does not depend on the run (indices, event names, the sorted
//! interceptor chain) is computed here, at build time. The scheduling itself is in
//! [`crate::runner`].

use std::fmt;
use std::sync::Arc;

use crate::builder::{PipelineBuilder, StageSpec};
use crate::context::StageInfo;
use crate::error::{BuildError, PipelineError};
use crate::events::{StagePhase, names};
use crate::graph;
use crate::interceptors::Interceptor;
use crate::results::PipelineResults;
use crate::run_options::RunOptions;
use crate::snapshot::ContextSnapshot;
use crate::stage::Stage;
use crate::wide::WideEvents;

/// A built pipeline: immutable, cheap to clone (one reference count), safe to run many times at
/// once from many tasks.
///
/// ```
/// use stageflow::{ContextSnapshot, FnStage, Pipeline, RunOptions, StageKind, StageOutput, StageSpec};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let pipeline = Pipeline::builder("greeting")
///     .stage(StageSpec::new(
///         "greet",
///         FnStage::new(|ctx| async move {
///             let name = ctx.snapshot().input_text.clone().unwrap_or_default();
///             Ok(StageOutput::ok().with("greeting", format!("Hello, {name}!")))
///         }),
///         StageKind::Transform,
///     ))
///     .build()?;
/// let results = pipeline
///     .run(ContextSnapshot::new().with_input_text("Ada"), RunOptions::new())
///     .await?;
/// let greeting: &str = results.get("greet").ok_or("no result")?.get("greeting")?;
/// assert_eq!(greeting, "Hello, Ada!");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Pipeline {
    inner: Arc<PipelineInner>,
}

/// The shared, immutable part of a pipeline.
pub(crate) struct PipelineInner {
    pub(crate) name: Arc<str>,
    pub(crate) nodes: Vec<StageNode>,
    pub(crate) roots: Vec<usize>,
    /// Sorted by priority, outermost first.
    pub(crate) interceptors: Vec<Arc<dyn Interceptor>>,
    pub(crate) wide_events: WideEvents,
    pub(crate) event_names: PipelineEventNames,
}

/// One stage, resolved.
pub(crate) struct StageNode {
    pub(crate) info: Arc<StageInfo>,
    pub(crate) runner: Arc<dyn Stage>,
    pub(crate) dependencies: Vec<usize>,
    pub(crate) dependents: Vec<usize>,
    pub(crate) conditional: bool,
    /// `stage.{name}.{phase}`, indexed by [`StagePhase`].
    event_names: [Arc<str>; 5],
}

impl StageNode {
    pub(crate) fn event_name(&self, phase: StagePhase) -> Arc<str> {
        let index = match phase {
            StagePhase::Started => 0,
            StagePhase::Completed => 1,
            StagePhase::Skipped => 2,
            StagePhase::Failed => 3,
            StagePhase::Cancelled => 4,
        };
        Arc::clone(&self.event_names[index])
    }
}

/// The run-level event names, allocated once.
pub(crate) struct PipelineEventNames {
    pub(crate) started: Arc<str>,
    pub(crate) completed: Arc<str>,
    pub(crate) failed: Arc<str>,
    pub(crate) cancelled: Arc<str>,
    pub(crate) stage_wide: Arc<str>,
    pub(crate) pipeline_wide: Arc<str>,
}

impl Pipeline {
    /// Starts building a pipeline named `name`.
    pub fn builder(name: impl Into<String>) -> PipelineBuilder {
        PipelineBuilder::new(name)
    }

    pub(crate) fn from_parts(
        name: String,
        stages: Vec<StageSpec>,
        mut interceptors: Vec<Arc<dyn Interceptor>>,
        wide_events: WideEvents,
    ) -> Result<Self, BuildError> {
        let graph = graph::validate(
            &name,
            stages
                .iter()
                .map(|stage| (stage.name.as_str(), stage.dependencies.as_slice())),
        )?;
        interceptors.sort_by_key(|interceptor| interceptor.priority());
        let nodes = stages
            .into_iter()
            .zip(graph.dependencies)
            .zip(graph.dependents)
            .map(|((spec, dependencies), dependents)| {
                let phase_name = |phase| Arc::from(names::stage_event(&spec.name, phase));
                StageNode {
                    event_names: [
                        phase_name(StagePhase::Started),
                        phase_name(StagePhase::Completed),
                        phase_name(StagePhase::Skipped),
                        phase_name(StagePhase::Failed),
                        phase_name(StagePhase::Cancelled),
                    ],
                    info: Arc::new(StageInfo {
                        name: Arc::from(spec.name),
                        kind: spec.kind,
                        timeout: spec.timeout,
                        max_attempts: spec.max_attempts,
                        circuit_breaker: spec.circuit_breaker,
                    }),
                    runner: spec.runner,
                    dependencies,
                    dependents,
                    conditional: spec.conditional,
                }
            })
            .collect();
        Ok(Self {
            inner: Arc::new(PipelineInner {
                name: Arc::from(name),
                nodes,
                roots: graph.roots,
                interceptors,
                wide_events,
                event_names: PipelineEventNames {
                    started: Arc::from(names::PIPELINE_STARTED),
                    completed: Arc::from(names::PIPELINE_COMPLETED),
                    failed: Arc::from(names::PIPELINE_FAILED),
                    cancelled: Arc::from(names::PIPELINE_CANCELLED),
                    stage_wide: Arc::from(names::STAGE_WIDE),
                    pipeline_wide: Arc::from(names::PIPELINE_WIDE),
                },
            }),
        })
    }

    /// The pipeline name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The stage names, in declaration order.
    pub fn stage_names(&self) -> impl Iterator<Item = &str> {
        self.inner.nodes.iter().map(|node| node.info.name.as_ref())
    }

    /// The dependencies of `stage`, or `None` if there is no such stage.
    #[must_use]
    pub fn dependencies_of(&self, stage: &str) -> Option<Vec<&str>> {
        let nodes = &self.inner.nodes;
        let node = nodes.iter().find(|node| node.info.name.as_ref() == stage)?;
        Some(
            node.dependencies
                .iter()
                .map(|&dependency| nodes[dependency].info.name.as_ref())
                .collect(),
        )
    }

    /// The number of stages.
    #[must_use]
    pub fn len(&self) -> usize {
        self.inner.nodes.len()
    }

    /// Always `false`: a built pipeline has at least one stage.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.inner.nodes.is_empty()
    }

    /// The interceptor names, outermost first.
    pub fn interceptor_names(&self) -> impl Iterator<Item = &str> {
        self.inner
            .interceptors
            .iter()
            .map(|interceptor| interceptor.name())
    }

    /// Runs the pipeline once.
    ///
    /// Stages start as soon as all their dependencies finished, independent stages run
    /// concurrently (in the calling task), and the run ends when every stage finished, or
    /// early when a stage cancels or fails or the caller cancels: then the stages still running
    /// are cancelled through their tokens and awaited (for at most
    /// [`RunOptions::cancel_grace`]; past that they are dropped).
    ///
    /// A [conditional](crate::StageSpec::conditional) stage is skipped without running when one
    /// of its direct dependencies skipped; since it then counts as skipped itself, the skip
    /// propagates through a chain of conditional stages. With the default interceptors the
    /// timeout applies to each attempt of a stage (see
    /// [`TimeoutInterceptor`](crate::interceptors::TimeoutInterceptor)), and a failed attempt
    /// is retried only while the run is not stopping.
    ///
    /// # Errors
    /// [`PipelineError::Cancelled`] or [`PipelineError::StageFailed`], both with the results
    /// of the stages that finished.
    pub async fn run(
        &self,
        snapshot: impl Into<Arc<ContextSnapshot>>,
        options: RunOptions,
    ) -> Result<PipelineResults, PipelineError> {
        crate::runner::run(&self.inner, snapshot.into(), options).await
    }
}

impl fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pipeline")
            .field("name", &self.inner.name)
            .field("stages", &self.stage_names().collect::<Vec<_>>())
            .field(
                "interceptors",
                &self.interceptor_names().collect::<Vec<_>>(),
            )
            .field("wide_events", &self.inner.wide_events)
            .finish()
    }
}
