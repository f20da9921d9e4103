//! Interceptors: middleware around every stage execution, ordered by priority (lower = outer).
//!
//! An [`Interceptor`] has synchronous hooks ([`before`](Interceptor::before),
//! [`after`](Interceptor::after), [`on_error`](Interceptor::on_error) returning an
//! [`ErrorAction`]: retry, fallback or fail; [`on_stage_end`](Interceptor::on_stage_end) and the
//! pipeline hooks) and one asynchronous wrapper, [`around`](Interceptor::around), for what must
//! enclose the inner call (a timeout, a span, a circuit breaker permit). Each interceptor wraps
//! the ones with a higher priority number, then the stage:
//!
//! ```text
//! tracing(10) → metrics(20) → logging(30) → retry(40) → circuit breaker(50) → timeout(60) → stage
//! ```
//!
//! That order is deliberate: the retry interceptor sits outside the breaker and the timeout, so
//! every attempt is bounded by the timeout and counted by the breaker, and an open circuit stops
//! the retries; tracing, metrics and logging sit outside the retries, so they see one span, one
//! duration and one outcome per stage.
//!
//! * **The timeout is per attempt**: a stage with `max_attempts` attempts can run for up to
//!   `max_attempts` timeouts plus the backoff between them. Bound a whole run with the
//!   caller's [`CancellationToken`](tokio_util::sync::CancellationToken).
//! * **Cancellation is not a failure of the provider**: an attempt that fails while its run is
//!   being cancelled (a sibling failed or cancelled, the caller cancelled) is neither counted by
//!   the circuit breaker nor retried.
//! * **Durations**: as an output comes out of each layer, the engine sets its
//!   [`duration`](StageOutput::duration) to the time that layer's call took (one attempt inside
//!   the retry interceptor, all of them outside it).
//! * **Hooks that panic**: a panic in `before`, `around`, `on_error` or `after` fails the stage
//!   (code `STAGE_PANICKED`); a panic in [`on_stage_end`](Interceptor::on_stage_end) or the
//!   pipeline hooks is logged at `ERROR` and ignored, so it never aborts the run.
//!
//! # Why not tower
//!
//! `tower::Service` needs `&mut self` + `poll_ready` + a `'static` request, which fits a network
//! client, not a borrowed [`StageContext`] shared by a DAG of stages; its retry policy clones
//! requests and its timeout knows nothing of per-stage overrides or of our events. Adapting it
//! would cost an `Arc`ed context and a boxed service per call and give nothing we use, so this is
//! a small hand-written chain in the spirit of `reqwest-middleware`'s `Next`. Interceptors that
//! only use hooks cost no allocation: the chain runs them in one loop, and only an interceptor
//! whose `around` returns [`Around::Wrap`] adds a boxed future.

mod circuit_breaker;
mod logging;
mod metrics;
mod retry;
mod timeout;
mod tracing;

use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::time::Instant;

use crate::context::StageContext;
use crate::error::StageError;
use crate::events::Event;
use crate::output::StageOutput;
use crate::results::{RunStatus, StageResult};
use crate::run_scope::RunScope;
use crate::snapshot::ContextSnapshot;
use crate::stage::Stage;

pub use self::circuit_breaker::{
    BreakerKeyFn, CIRCUIT_BREAKER_STATE, CircuitBreakerConfig, CircuitBreakerInterceptor,
    CircuitBreakers, CircuitPermit, CircuitState, CircuitTransition,
};
pub use self::logging::LoggingInterceptor;
pub use self::metrics::{
    MetricsInterceptor, PIPELINE_DURATION_MS, PIPELINE_RUNS_TOTAL, STAGE_DURATION_MS,
    STAGE_RUNS_TOTAL,
};
pub use self::retry::{RetryConfig, RetryInterceptor};
pub use self::timeout::{DEFAULT_STAGE_TIMEOUT, TimeoutInterceptor};
pub use self::tracing::TracingInterceptor;

/// What to do after the inner chain failed (see [`Interceptor::on_error`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorAction {
    /// Keep the failure.
    Fail,
    /// Run the inner chain again after `delay` (interrupted if the run is cancelled).
    Retry {
        /// How long to wait first.
        delay: Duration,
    },
    /// Replace the failure with this output.
    Fallback(StageOutput),
}

/// What [`Interceptor::around`] does with the rest of the chain.
#[must_use]
pub enum Around<'a> {
    /// Run the rest of the chain unwrapped (the default).
    Continue(Next<'a>),
    /// Run this future instead; it normally awaits [`Next::run`] inside.
    Wrap(BoxFuture<'a, StageOutput>),
}

impl fmt::Debug for Around<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Continue(_) => "Around::Continue",
            Self::Wrap(_) => "Around::Wrap",
        })
    }
}

/// The rest of the chain after an interceptor: the interceptors with a higher priority number,
/// then the stage.
#[derive(Clone, Copy)]
pub struct Next<'a> {
    chain: &'a [Arc<dyn Interceptor>],
    ctx: &'a StageContext,
    stage: &'a dyn Stage,
    /// When the call of the interceptor that holds this `Next` started (the start of the
    /// durations the rest of the chain reports).
    started: Instant,
}

impl<'a> Next<'a> {
    /// Runs the rest of the chain once.
    pub fn run(self) -> impl Future<Output = StageOutput> + Send + 'a {
        run_chain(self.chain, self.ctx, self.stage, self.started).map(|done| done.output)
    }
}

impl fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next")
            .field(
                "interceptors",
                &self.chain.iter().map(|i| i.name()).collect::<Vec<_>>(),
            )
            .field("stage", &self.ctx.stage_name())
            .finish()
    }
}

/// The start of a run, as seen by [`Interceptor::on_pipeline_start`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RunStart<'a> {
    /// The pipeline name.
    pub pipeline: &'a str,
    /// The run's snapshot.
    pub snapshot: &'a ContextSnapshot,
}

/// The end of a run, as seen by [`Interceptor::on_pipeline_end`].
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct RunEnd<'a> {
    /// The pipeline name.
    pub pipeline: &'a str,
    /// The run's snapshot.
    pub snapshot: &'a ContextSnapshot,
    /// How the run ended.
    pub status: RunStatus,
    /// How long it took.
    pub duration: Duration,
    /// The stage that failed or cancelled the run.
    pub stage: Option<&'a str>,
    /// The error of the failed stage.
    pub error: Option<&'a StageError>,
    /// The run's shared state, for the built-in interceptors' cheap labels.
    pub(crate) scope: &'a RunScope,
}

/// Middleware around every stage execution. Every method has a default that does nothing.
///
/// For one stage, an interceptor runs: [`before`](Self::before) (an error skips the inner chain
/// and counts as its failure), [`around`](Self::around) the inner chain, then, if the result is
/// a failure, [`on_error`](Self::on_error) (which may run the inner chain again, from `before`),
/// and finally [`after`](Self::after). Once the engine recorded the stage,
/// [`on_stage_end`](Self::on_stage_end) sees the final result.
///
/// ```
/// use stageflow::{StageContext, StageOutput};
/// use stageflow::interceptors::Interceptor;
///
/// /// Adds the model name to every output.
/// #[derive(Debug)]
/// struct Tag;
///
/// impl Interceptor for Tag {
///     fn name(&self) -> &str { "tag" }
///     fn priority(&self) -> i32 { 70 }
///     fn after(&self, ctx: &StageContext, output: &mut StageOutput) {
///         if let Some(model) = ctx.config().get("model") {
///             output.data.insert("model".into(), model.clone());
///         }
///     }
/// }
/// ```
pub trait Interceptor: Send + Sync + fmt::Debug {
    /// A short name, for logs and debugging.
    fn name(&self) -> &str;

    /// The position in the chain: lower runs outside (first before, last after).
    fn priority(&self) -> i32;

    /// Runs before the inner chain. An error skips the inner chain and counts as its failure.
    ///
    /// # Errors
    /// The failure that stands for the stage's outcome.
    fn before(&self, _ctx: &StageContext) -> Result<(), StageError> {
        Ok(())
    }

    /// Wraps one call of the inner chain: return [`Around::Wrap`] with a future that awaits
    /// [`Next::run`], or [`Around::Continue`] (the default) to leave it unwrapped.
    fn around<'a>(&'a self, _ctx: &'a StageContext, next: Next<'a>) -> Around<'a> {
        Around::Continue(next)
    }

    /// Decides what to do when the inner chain failed; `attempt` counts from 1.
    fn on_error(&self, _ctx: &StageContext, _error: &StageError, _attempt: u32) -> ErrorAction {
        ErrorAction::Fail
    }

    /// Sees (and may change) the final output of the inner chain, whose
    /// [`duration`](StageOutput::duration) the engine has just set to the time this
    /// interceptor's call of the inner chain took (retries made inside it included).
    fn after(&self, _ctx: &StageContext, _output: &mut StageOutput) {}

    /// Called once per stage with its recorded result: the final status (a stage still running
    /// when the run stopped is `Cancel`) and the duration measured by the engine. The place for
    /// metrics and outcome logs. A panic here is logged and ignored (the other interceptors'
    /// hooks still run).
    fn on_stage_end(&self, _ctx: &StageContext, _result: &StageResult) {}

    /// Called when a run starts. A panic here is logged and ignored.
    fn on_pipeline_start(&self, _run: &RunStart<'_>) {}

    /// Called when a run ends. A panic here is logged and ignored.
    fn on_pipeline_end(&self, _run: &RunEnd<'_>) {}
}

/// The settings of the default interceptors.
///
/// Build one at startup and reuse it for every pipeline: its [`CircuitBreakers`] registry holds
/// the breaker state, which must outlive a single run (and a single pipeline instance) for a
/// breaker to ever open.
#[derive(Debug, Clone)]
pub struct InterceptorConfig {
    /// The timeout of a stage attempt without its own (30 s by default; applications usually set
    /// it from `STAGE_TIMEOUT_MS`).
    pub stage_timeout: Duration,
    /// The retry policy.
    pub retry: RetryConfig,
    /// The shared circuit breaker state (and its thresholds).
    pub circuit_breakers: Arc<CircuitBreakers>,
}

impl Default for InterceptorConfig {
    fn default() -> Self {
        Self {
            stage_timeout: DEFAULT_STAGE_TIMEOUT,
            retry: RetryConfig::default(),
            circuit_breakers: Arc::new(CircuitBreakers::new(CircuitBreakerConfig::default())),
        }
    }
}

/// The default chain: tracing, metrics, logging, retry, circuit breaker (keyed by stage name)
/// and timeout.
#[must_use]
pub fn default_interceptors(config: &InterceptorConfig) -> Vec<Arc<dyn Interceptor>> {
    vec![
        Arc::new(TracingInterceptor::new()),
        Arc::new(MetricsInterceptor::new()),
        Arc::new(LoggingInterceptor::new()),
        Arc::new(RetryInterceptor::new(config.retry)),
        Arc::new(CircuitBreakerInterceptor::new(Arc::clone(
            &config.circuit_breakers,
        ))),
        Arc::new(TimeoutInterceptor::new(config.stage_timeout)),
    ]
}

/// What [`run_chain`] produced: the output, and when the chain produced it.
pub(crate) struct Chained {
    pub(crate) output: StageOutput,
    /// The clock reading that timed `output` (the end of the last attempt).
    pub(crate) ended: Instant,
}

/// Runs `stage` through `chain` (sorted by priority, outermost first); `started` is when the
/// caller started it.
///
/// The layers that do not wrap run in this one future: going in, each layer's `before` then
/// `around`; coming out, from the innermost layer reached, each layer's `on_error` (on failure)
/// and `after`. A retry at a layer goes in again from that layer, with fresh attempt counts for
/// the layers inside it, exactly as if each layer were its own nested future.
///
/// Coming out, each layer sees in [`StageOutput::duration`] how long its own call of the inner
/// chain took: a layer inside a retrying layer sees the current attempt, the retrying layer and
/// the layers outside it see every attempt and the backoff between them. Events of an output
/// that a layer retried or replaced by a fallback are kept: they rejoin the output that replaces
/// it (before its own events) when it comes out through that layer.
pub(crate) async fn run_chain(
    chain: &[Arc<dyn Interceptor>],
    ctx: &StageContext,
    stage: &dyn Stage,
    started: Instant,
) -> Chained {
    // Allocated on the first retry only: until then every layer is at its first attempt and
    // started at `started`.
    let mut retries: Option<Box<Retries>> = None;
    let mut level = 0;
    'attempt: loop {
        // Going in: `level` ends at the layer whose inner call produced `output` (the stage
        // itself when `level == chain.len()`).
        let mut output = loop {
            let Some(interceptor) = chain.get(level) else {
                break execute(stage, ctx).await;
            };
            if let Err(error) = interceptor.before(ctx) {
                break StageOutput::fail(error);
            }
            let next = Next {
                chain: &chain[level + 1..],
                ctx,
                stage,
                started: retries
                    .as_ref()
                    .map_or(started, |retries| retries.entered[level + 1]),
            };
            match interceptor.around(ctx, next) {
                Around::Continue(_) => level += 1,
                Around::Wrap(wrapped) => break wrapped.await,
            }
        };
        let ended = Instant::now();
        // Without retries every layer started at `started`: one subtraction serves them all.
        let total = ended.saturating_duration_since(started);
        let took = |retries: &Option<Box<Retries>>, layer: usize| {
            retries.as_ref().map_or(total, |retries| {
                ended.saturating_duration_since(retries.entered[layer])
            })
        };
        output.duration = took(&retries, level);
        // Coming out, from the innermost layer reached.
        for current in (0..(level + 1).min(chain.len())).rev() {
            let interceptor = &chain[current];
            if let Some(retries) = retries.as_mut() {
                retries.rejoin(current, &mut output);
            }
            output.duration = took(&retries, current);
            if let Some(error) = output.failure() {
                let attempt = retries
                    .as_ref()
                    .map_or(1, |retries| retries.attempts[current]);
                match interceptor.on_error(ctx, error, attempt) {
                    ErrorAction::Fail => {}
                    ErrorAction::Fallback(fallback) => {
                        let mut failed = std::mem::replace(&mut output, fallback.normalized());
                        prepend_events(&mut output, &mut failed.events);
                        output.duration = took(&retries, current);
                    }
                    ErrorAction::Retry { delay } => {
                        // Boxed: the timer only exists on this rare path, keeping the chain's
                        // future small.
                        if Box::pin(wait_before_retry(ctx, delay)).await {
                            retries
                                .get_or_insert_with(|| Retries::new(chain.len(), started))
                                .retry(current, Instant::now(), &mut output);
                            level = current;
                            continue 'attempt;
                        }
                        // The run is stopping: keep the failure and go on out.
                    }
                }
            }
            interceptor.after(ctx, &mut output);
        }
        if let Some(retries) = retries.as_mut() {
            retries.rejoin(0, &mut output);
        }
        return Chained { output, ended };
    }
}

/// What [`run_chain`] keeps once a layer retried.
struct Retries {
    /// The attempt number of each layer's inner chain, from 1.
    attempts: Vec<u32>,
    /// When the current call of each layer started (index `chain.len()`: the stage itself).
    entered: Vec<Instant>,
    /// The events of the outputs retried, waiting to rejoin the output at layer `rejoin`.
    carried: Vec<Event>,
    rejoin: usize,
}

impl Retries {
    fn new(layers: usize, started: Instant) -> Box<Self> {
        Box::new(Self {
            attempts: vec![1; layers],
            entered: vec![started; layers + 1],
            carried: Vec::new(),
            rejoin: 0,
        })
    }

    /// Layer `layer` runs its inner chain again from `now`, dropping `failed` but its events.
    fn retry(&mut self, layer: usize, now: Instant, failed: &mut StageOutput) {
        self.attempts[layer] += 1;
        self.attempts[layer + 1..].fill(1);
        self.entered[layer + 1..].fill(now);
        self.rejoin = if self.carried.is_empty() {
            layer
        } else {
            self.rejoin.max(layer)
        };
        self.carried.append(&mut failed.events);
    }

    /// Gives the carried events back to `output` as it leaves a layer at or outside `rejoin`.
    fn rejoin(&mut self, layer: usize, output: &mut StageOutput) {
        if layer <= self.rejoin && !self.carried.is_empty() {
            prepend_events(output, &mut self.carried);
        }
    }
}

/// Puts `earlier` (emptied) before the events of `output`.
fn prepend_events(output: &mut StageOutput, earlier: &mut Vec<Event>) {
    earlier.append(&mut output.events);
    std::mem::swap(&mut output.events, earlier);
}

/// Waits `delay` before a retry; `false` if the stage was cancelled meanwhile.
async fn wait_before_retry(ctx: &StageContext, delay: Duration) -> bool {
    tokio::select! {
        biased;
        () = ctx.cancellation().cancelled() => false,
        () = tokio::time::sleep(delay) => true,
    }
}

/// Runs the stage itself within its attempt limit, turning an `Err`, a panic or a timeout into a
/// failed output.
async fn execute(stage: &dyn Stage, ctx: &StageContext) -> StageOutput {
    let call = AssertUnwindSafe(stage.execute(ctx)).catch_unwind();
    let outcome = match ctx.attempt_limit() {
        None => call.await,
        Some(limit) => {
            let mut call = pin!(call);
            match futures::poll!(call.as_mut()) {
                Poll::Ready(outcome) => outcome,
                // Boxed: the timer only exists for stages that wait, keeping this future small.
                Poll::Pending => match Box::pin(tokio::time::timeout(limit, call)).await {
                    Ok(outcome) => outcome,
                    Err(_) => return StageOutput::fail(StageError::timeout(limit)),
                },
            }
        }
    };
    match outcome {
        Ok(Ok(output)) => output.normalized(),
        Ok(Err(error)) => StageOutput::fail(error),
        Err(panic) => StageOutput::fail(StageError::panicked(panic_message(panic.as_ref()))),
    }
}

/// The message of a caught panic.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|message| (*message).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}
