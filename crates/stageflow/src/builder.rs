//! The fluent builder: [`StageSpec`] describes one stage (name, runner, kind, dependencies,
//! options) and [`PipelineBuilder`] collects stages and interceptors, then validates the graph
//! into a [`Pipeline`].
//!
//! Validation itself lives in [`crate::graph`]; the built pipeline in [`crate::pipeline`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::BuildError;
use crate::interceptors::{Interceptor, InterceptorConfig, default_interceptors};
use crate::pipeline::Pipeline;
use crate::stage::{Stage, StageKind};
use crate::wide::WideEvents;

/// One stage of a pipeline being built.
///
/// ```
/// use std::time::Duration;
/// use stageflow::{FnStage, StageKind, StageOutput, StageSpec};
///
/// let llm = StageSpec::new("llm", FnStage::new(|_| async { Ok(StageOutput::ok()) }), StageKind::Transform)
///     .depends_on(["input_guard", "profile_enrich", "summary_enrich"])
///     .timeout(Duration::from_secs(60))
///     .max_attempts(2);
/// assert_eq!(llm.name(), "llm");
/// ```
#[derive(Clone)]
pub struct StageSpec {
    pub(crate) name: String,
    pub(crate) runner: Arc<dyn Stage>,
    pub(crate) kind: StageKind,
    pub(crate) dependencies: Vec<String>,
    pub(crate) conditional: bool,
    pub(crate) timeout: Option<Duration>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) circuit_breaker: bool,
}

impl StageSpec {
    /// A stage named `name`, run by `runner`, of kind `kind`, with no dependencies.
    pub fn new(name: impl Into<String>, runner: impl Stage + 'static, kind: StageKind) -> Self {
        Self::from_arc(name, Arc::new(runner), kind)
    }

    /// Like [`new`](Self::new), for a runner already shared behind an `Arc`.
    pub fn from_arc(name: impl Into<String>, runner: Arc<dyn Stage>, kind: StageKind) -> Self {
        Self {
            name: name.into(),
            runner,
            kind,
            dependencies: Vec::new(),
            conditional: false,
            timeout: None,
            max_attempts: None,
            circuit_breaker: true,
        }
    }

    /// Adds dependencies: the stage starts once they all finished (`Ok` or `Skip`) and reads
    /// their outputs.
    #[must_use]
    pub fn depends_on<I, S>(mut self, dependencies: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.dependencies
            .extend(dependencies.into_iter().map(Into::into));
        self
    }

    /// Makes the stage conditional: it skips itself (without running) when any of its *direct*
    /// dependencies skipped, whether that dependency returned `Skip` or was a conditional stage
    /// skipped this way. A skip therefore propagates down a chain of conditional stages, and
    /// stops at the first stage that is not conditional (which runs, and reads the skipped
    /// dependency's reason). Only the dependencies' statuses matter, not those of stages further
    /// upstream.
    #[must_use]
    pub fn conditional(mut self) -> Self {
        self.conditional = true;
        self
    }

    /// Overrides the timeout interceptor's default for this stage.
    ///
    /// The timeout bounds each *attempt*, not the stage as a whole: with retries, a stage can
    /// take up to `max_attempts` times the timeout, plus the backoff between attempts.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Overrides the retry interceptor's attempt limit for this stage (1 disables retries).
    #[must_use]
    pub fn max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = Some(max_attempts);
        self
    }

    /// Exempts the stage from the circuit breaker interceptor: for a stage that guards its own
    /// outside calls more precisely (a breaker per provider and model rather than per stage).
    #[must_use]
    pub fn without_circuit_breaker(mut self) -> Self {
        self.circuit_breaker = false;
        self
    }

    /// The stage name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stage kind.
    #[must_use]
    pub fn kind(&self) -> StageKind {
        self.kind
    }

    /// The declared dependencies.
    #[must_use]
    pub fn dependencies(&self) -> &[String] {
        &self.dependencies
    }
}

impl fmt::Debug for StageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StageSpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("dependencies", &self.dependencies)
            .field("conditional", &self.conditional)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("circuit_breaker", &self.circuit_breaker)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Pipeline`]. Created by [`Pipeline::builder`].
///
/// Without a call to [`interceptors`](Self::interceptors), the pipeline uses
/// [`default_interceptors`] with a default [`InterceptorConfig`], whose circuit breakers belong
/// to this pipeline alone; pass your own list to share breaker state between pipelines.
///
/// ```
/// use stageflow::{FnStage, Pipeline, StageKind, StageOutput, StageSpec};
///
/// let noop = || FnStage::new(|_| async { Ok(StageOutput::ok()) });
/// let pipeline = Pipeline::builder("demo")
///     .stage(StageSpec::new("fetch", noop(), StageKind::Enrich))
///     .stage(StageSpec::new("answer", noop(), StageKind::Transform).depends_on(["fetch"]))
///     .build()?;
/// assert_eq!(pipeline.stage_names().collect::<Vec<_>>(), ["fetch", "answer"]);
/// # Ok::<(), stageflow::BuildError>(())
/// ```
#[derive(Debug)]
pub struct PipelineBuilder {
    name: String,
    stages: Vec<StageSpec>,
    interceptors: Option<Vec<Arc<dyn Interceptor>>>,
    wide_events: WideEvents,
}

impl PipelineBuilder {
    pub(crate) fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            stages: Vec::new(),
            interceptors: None,
            wide_events: WideEvents::default(),
        }
    }

    /// Adds a stage.
    #[must_use]
    pub fn stage(mut self, stage: StageSpec) -> Self {
        self.stages.push(stage);
        self
    }

    /// Replaces the interceptors (an empty list runs stages bare). Their order does not matter:
    /// they are sorted by priority.
    #[must_use]
    pub fn interceptors(mut self, interceptors: Vec<Arc<dyn Interceptor>>) -> Self {
        self.interceptors = Some(interceptors);
        self
    }

    /// Adds one interceptor (to the defaults, unless [`interceptors`](Self::interceptors) was
    /// called).
    #[must_use]
    pub fn interceptor(mut self, interceptor: Arc<dyn Interceptor>) -> Self {
        self.interceptors
            .get_or_insert_with(|| default_interceptors(&InterceptorConfig::default()))
            .push(interceptor);
        self
    }

    /// Chooses which wide events runs emit (both by default; a run can override it with
    /// [`RunOptions::wide_events`](crate::RunOptions::wide_events)).
    #[must_use]
    pub fn wide_events(mut self, wide_events: WideEvents) -> Self {
        self.wide_events = wide_events;
        self
    }

    /// Validates the graph and builds the pipeline.
    ///
    /// # Errors
    /// [`BuildError::Empty`], [`BuildError::DuplicateStage`], [`BuildError::UnknownDependency`]
    /// or [`BuildError::Cycle`], naming the stages involved.
    pub fn build(self) -> Result<Pipeline, BuildError> {
        let interceptors = self
            .interceptors
            .unwrap_or_else(|| default_interceptors(&InterceptorConfig::default()));
        Pipeline::from_parts(self.name, self.stages, interceptors, self.wide_events)
    }
}
