//! The [`Stage`] trait, the stage vocabulary ([`StageKind`], [`StageStatus`]) and [`FnStage`],
//! a stage made from a closure.
//!
//! What a stage returns lives in [`crate::output`]; what it can read lives in
//! [`crate::context`] and [`crate::inputs`].

use std::fmt;
use std::future::Future;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::context::StageContext;
use crate::error::StageError;
use crate::output::StageOutput;

/// One unit of work in a pipeline.
///
/// A stage reads the immutable [`ContextSnapshot`](crate::ContextSnapshot) and the outputs of the
/// stages it declared as dependencies (through [`StageContext::inputs`]) and returns a
/// [`StageOutput`]. Returning `Err(error)` is the same as returning
/// `Ok(StageOutput::fail(error))`: the stage failed, and the error's
/// [`retryable`](StageError::retryable) flag tells the retry interceptor whether to try again.
///
/// A stage runs inside the run's task, concurrently with its independent siblings. It must not
/// block the thread: wrap CPU-heavy or blocking work in `tokio::task::spawn_blocking`. Long waits
/// should observe [`StageContext::cancellation`] so that a cancelled or failed run stops promptly.
///
/// ```
/// use stageflow::{async_trait, Stage, StageContext, StageError, StageOutput};
///
/// struct Uppercase;
///
/// #[async_trait]
/// impl Stage for Uppercase {
///     async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
///         let text = ctx.snapshot().input_text.as_deref().unwrap_or_default();
///         Ok(StageOutput::ok().with("text", text.to_uppercase()))
///     }
/// }
/// ```
#[async_trait]
pub trait Stage: Send + Sync {
    /// Runs the stage once.
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError>;
}

/// What a stage does, as a category. Used in events, logs and metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    /// Changes the form of the data or generates new data (LLM, speech-to-text, text-to-speech).
    Transform,
    /// Adds context without transforming the core data (profile, memory, documents).
    Enrich,
    /// Decides which path to take.
    Route,
    /// Validates or blocks (guardrails, policy checks).
    Guard,
    /// Performs side effects (persistence, notifications).
    Work,
    /// The main interactor of an agentic pipeline.
    Agent,
}

impl StageKind {
    /// The lowercase name used in events and metrics (`"transform"`, `"enrich"`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Transform => "transform",
            Self::Enrich => "enrich",
            Self::Route => "route",
            Self::Guard => "guard",
            Self::Work => "work",
            Self::Agent => "agent",
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// The outcome of a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StageStatus {
    /// The stage completed successfully.
    Ok,
    /// The stage chose not to run (counts as finished; dependents still run unless they are
    /// conditional).
    Skip,
    /// The stage stopped the pipeline on purpose (not an error): the run ends with
    /// [`PipelineError::Cancelled`](crate::PipelineError::Cancelled).
    Cancel,
    /// The stage failed: the run ends with
    /// [`PipelineError::StageFailed`](crate::PipelineError::StageFailed).
    Fail,
    /// The stage failed but may succeed if tried again: the retry interceptor retries it; if it
    /// still asks for a retry when attempts are exhausted, the run fails.
    Retry,
}

impl StageStatus {
    /// The lowercase name used in events and metrics (`"ok"`, `"skip"`, ...).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Skip => "skip",
            Self::Cancel => "cancel",
            Self::Fail => "fail",
            Self::Retry => "retry",
        }
    }

    /// Whether this status lets dependent stages start (`Ok` and `Skip`).
    #[must_use]
    pub const fn is_finished(self) -> bool {
        matches!(self, Self::Ok | Self::Skip)
    }

    /// Whether this status is a failure (`Fail` or `Retry`).
    #[must_use]
    pub const fn is_failure(self) -> bool {
        matches!(self, Self::Fail | Self::Retry)
    }
}

impl fmt::Display for StageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A stage made from an async closure that receives the [`StageContext`] by value.
///
/// Handy for small stages, tests and benchmarks. The context is cheap to clone (a few reference
/// counts).
///
/// ```
/// use stageflow::{FnStage, StageOutput};
///
/// let echo = FnStage::new(|ctx| async move {
///     let text = ctx.snapshot().input_text.clone().unwrap_or_default();
///     Ok(StageOutput::ok().with("text", text))
/// });
/// # let _ = echo;
/// ```
pub struct FnStage<F> {
    f: F,
}

impl<F, Fut> FnStage<F>
where
    F: Fn(StageContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<StageOutput, StageError>> + Send,
{
    /// Wraps `f` as a stage.
    pub const fn new(f: F) -> Self {
        Self { f }
    }
}

impl<F> fmt::Debug for FnStage<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnStage").finish_non_exhaustive()
    }
}

#[async_trait]
impl<F, Fut> Stage for FnStage<F>
where
    F: Fn(StageContext) -> Fut + Send + Sync,
    Fut: Future<Output = Result<StageOutput, StageError>> + Send,
{
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        (self.f)(ctx.clone()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_match_the_python_vocabulary() {
        let names: Vec<_> = [
            StageStatus::Ok,
            StageStatus::Skip,
            StageStatus::Cancel,
            StageStatus::Fail,
            StageStatus::Retry,
        ]
        .iter()
        .map(|s| s.as_str())
        .collect();
        assert_eq!(names, ["ok", "skip", "cancel", "fail", "retry"]);
        assert_eq!(
            serde_json::to_value(StageKind::Transform).ok(),
            Some(serde_json::json!("transform"))
        );
    }

    #[test]
    fn finished_and_failure_partition_statuses() {
        assert!(StageStatus::Ok.is_finished() && StageStatus::Skip.is_finished());
        assert!(StageStatus::Fail.is_failure() && StageStatus::Retry.is_failure());
        assert!(!StageStatus::Cancel.is_finished() && !StageStatus::Cancel.is_failure());
    }
}
