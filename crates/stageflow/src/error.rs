//! Error types: [`StageError`] (what a stage reports), [`BuildError`] (an invalid graph) and
//! [`PipelineError`] (how a run ends when it does not succeed).
//!
//! Errors of the smaller parts live next to them: [`InputError`](crate::InputError) in
//! [`crate::inputs`], [`StreamError`](crate::StreamError) in [`crate::streaming`] and
//! [`RegistryError`](crate::RegistryError) in [`crate::registry`]. All of them convert into a
//! [`StageError`] where a stage may meet them, so `?` works inside [`Stage::execute`](crate::Stage).

use std::borrow::Cow;
use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use crate::results::PipelineResults;

/// Machine codes of the errors raised by the engine itself.
///
/// Stages choose their own codes (for example `"PROVIDER_TIMEOUT"`); these are the ones the
/// engine and its built-in interceptors use.
pub mod codes {
    /// A stage failed without giving a code (for example `StageOutput::fail("...")`).
    pub const STAGE_FAILED: &str = "STAGE_FAILED";
    /// A stage ran past its timeout.
    pub const STAGE_TIMEOUT: &str = "STAGE_TIMEOUT";
    /// A stage panicked; the panic was contained.
    pub const STAGE_PANICKED: &str = "STAGE_PANICKED";
    /// An open circuit breaker rejected the call without running the stage.
    pub const CIRCUIT_OPEN: &str = "CIRCUIT_OPEN";
    /// A required input or config value is absent.
    pub const INPUT_MISSING: &str = "INPUT_MISSING";
    /// An input or config value exists but does not have the expected type.
    pub const INPUT_INVALID: &str = "INPUT_INVALID";
    /// The caller dropped the stream receiver.
    pub const STREAM_CLOSED: &str = "STREAM_CLOSED";
    /// The caller did not make room in the stream channel in time.
    pub const STREAM_STALLED: &str = "STREAM_STALLED";
    /// The stage was cancelled while it waited to stream.
    pub const STREAM_CANCELLED: &str = "STREAM_CANCELLED";
}

/// What kind of failure a [`StageError`] describes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StageErrorKind {
    /// Reported by the stage itself; the code is the stage's.
    Stage,
    /// The stage ran past its timeout.
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// An open circuit breaker rejected the call: the stage did not run.
    CircuitOpen(CircuitOpen),
    /// The stage panicked. The panic was caught; the message is in the error.
    Panicked,
    /// An input or config value was missing or had the wrong type.
    Input,
    /// Streaming incremental output failed.
    Stream,
}

/// An open circuit rejected a call (see
/// [`CircuitBreakerInterceptor`](crate::interceptors::CircuitBreakerInterceptor)).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("circuit `{key}` is open; the next probe is allowed in {retry_after:?}")]
pub struct CircuitOpen {
    /// The breaker key (the stage name unless the application supplies its own key).
    pub key: String,
    /// How long until the breaker lets a probe call through.
    pub retry_after: Duration,
}

/// A stage failure: a machine `code`, a human `message`, a `retryable` flag and a [`kind`].
///
/// Cheap to clone (one reference count). Applications map the code to their own error envelope.
///
/// ```
/// use stageflow::StageError;
///
/// let error = StageError::transient("PROVIDER_TIMEOUT", "the model did not answer in time");
/// assert_eq!(error.code(), "PROVIDER_TIMEOUT");
/// assert!(error.retryable());
/// ```
///
/// [`kind`]: StageError::kind
#[derive(Clone)]
pub struct StageError {
    inner: Arc<ErrorInner>,
}

#[derive(Clone)]
struct ErrorInner {
    kind: StageErrorKind,
    code: Cow<'static, str>,
    message: String,
    retryable: bool,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl StageError {
    fn from_parts(
        kind: StageErrorKind,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
        retryable: bool,
    ) -> Self {
        Self {
            inner: Arc::new(ErrorInner {
                kind,
                code: code.into(),
                message: message.into(),
                retryable,
                source: None,
            }),
        }
    }

    /// A permanent failure reported by a stage (not retried).
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::from_parts(StageErrorKind::Stage, code, message, false)
    }

    /// A transient failure reported by a stage: the retry interceptor may try again.
    pub fn transient(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::from_parts(StageErrorKind::Stage, code, message, true)
    }

    /// A permanent failure caused by `source`; the message is the source's `Display`.
    pub fn from_source(
        code: impl Into<Cow<'static, str>>,
        source: impl StdError + Send + Sync + 'static,
    ) -> Self {
        Self::new(code, source.to_string()).with_source(source)
    }

    /// The error of a stage that ran past `after`. Retryable.
    #[must_use]
    pub fn timeout(after: Duration) -> Self {
        Self::from_parts(
            StageErrorKind::Timeout { after },
            codes::STAGE_TIMEOUT,
            format!("stage timed out after {after:?}"),
            true,
        )
    }

    /// The error of a call rejected by an open circuit.
    ///
    /// Marked retryable, because the same request may succeed once the circuit closes; the
    /// retry interceptor never retries it within the same run (the circuit would still be open).
    #[must_use]
    pub fn circuit_open(open: CircuitOpen) -> Self {
        let message = open.to_string();
        Self::from_parts(
            StageErrorKind::CircuitOpen(open),
            codes::CIRCUIT_OPEN,
            message,
            true,
        )
    }

    pub(crate) fn panicked(message: String) -> Self {
        Self::from_parts(
            StageErrorKind::Panicked,
            codes::STAGE_PANICKED,
            format!("stage panicked: {message}"),
            false,
        )
    }

    pub(crate) fn with_kind(
        kind: StageErrorKind,
        code: &'static str,
        message: String,
        retryable: bool,
    ) -> Self {
        Self::from_parts(kind, code, message, retryable)
    }

    /// Sets whether the failure may succeed when tried again.
    #[must_use]
    pub fn with_retryable(mut self, retryable: bool) -> Self {
        Arc::make_mut(&mut self.inner).retryable = retryable;
        self
    }

    /// Attaches the underlying error (kept for `Error::source` and logs).
    #[must_use]
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        Arc::make_mut(&mut self.inner).source = Some(Arc::new(source));
        self
    }

    /// The machine code, for example `"PROVIDER_TIMEOUT"` or [`codes::STAGE_TIMEOUT`].
    #[must_use]
    pub fn code(&self) -> &str {
        &self.inner.code
    }

    /// The human-readable message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Whether the failure may succeed when tried again.
    #[must_use]
    pub fn retryable(&self) -> bool {
        self.inner.retryable
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> &StageErrorKind {
        &self.inner.kind
    }

    /// The open circuit that rejected the call, if that is what happened.
    #[must_use]
    pub fn circuit_open_details(&self) -> Option<&CircuitOpen> {
        match &self.inner.kind {
            StageErrorKind::CircuitOpen(open) => Some(open),
            _ => None,
        }
    }
}

impl fmt::Debug for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StageError")
            .field("kind", &self.inner.kind)
            .field("code", &self.inner.code)
            .field("message", &self.inner.message)
            .field("retryable", &self.inner.retryable)
            .field("source", &self.inner.source)
            .finish()
    }
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.inner.message, self.inner.code)
    }
}

impl StdError for StageError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|source| source as &(dyn StdError + 'static))
    }
}

impl Serialize for StageError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("StageError", 3)?;
        state.serialize_field("code", self.code())?;
        state.serialize_field("message", self.message())?;
        state.serialize_field("retryable", &self.retryable())?;
        state.end()
    }
}

impl From<String> for StageError {
    /// A permanent failure with code [`codes::STAGE_FAILED`].
    fn from(message: String) -> Self {
        Self::new(codes::STAGE_FAILED, message)
    }
}

impl From<&str> for StageError {
    /// A permanent failure with code [`codes::STAGE_FAILED`].
    fn from(message: &str) -> Self {
        Self::new(codes::STAGE_FAILED, message)
    }
}

/// Why [`PipelineBuilder::build`](crate::PipelineBuilder::build) rejected a graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The pipeline has no stage.
    #[error("pipeline `{pipeline}` has no stages")]
    Empty {
        /// The pipeline name.
        pipeline: String,
    },
    /// Two stages share a name.
    #[error("pipeline `{pipeline}` declares stage `{stage}` more than once")]
    DuplicateStage {
        /// The pipeline name.
        pipeline: String,
        /// The repeated stage name.
        stage: String,
    },
    /// A stage depends on a stage that does not exist.
    #[error("stage `{stage}` of pipeline `{pipeline}` depends on unknown stage `{dependency}`")]
    UnknownDependency {
        /// The pipeline name.
        pipeline: String,
        /// The stage that declared the dependency.
        stage: String,
        /// The missing stage.
        dependency: String,
    },
    /// The dependencies form a cycle.
    #[error("pipeline `{pipeline}` has a dependency cycle: {}", cycle.join(" -> "))]
    Cycle {
        /// The pipeline name.
        pipeline: String,
        /// The stages on the cycle, each depending on the next; the first is repeated last.
        /// (Should the validation ever fail to trace one cycle, it lists every stage that could
        /// not be ordered, in declaration order, rather than accept the graph.)
        cycle: Vec<String>,
    },
}

/// A run that a stage (or the caller) cancelled on purpose. Not an error of the stages: a guard
/// that blocks an input cancels the run.
#[derive(Debug, Clone, thiserror::Error)]
#[error("pipeline cancelled{}: {reason}", by_stage(.stage.as_deref()))]
pub struct PipelineCancelled {
    /// The stage that returned [`StageStatus::Cancel`](crate::StageStatus::Cancel), or `None`
    /// when the caller cancelled the run through its cancellation token.
    pub stage: Option<String>,
    /// Why the run was cancelled.
    pub reason: String,
    /// The results of every stage that finished before the run stopped.
    pub partial_results: PipelineResults,
}

fn by_stage(stage: Option<&str>) -> String {
    stage.map_or_else(String::new, |stage| format!(" by stage `{stage}`"))
}

/// How a run ends when it does not succeed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// A stage returned [`StageStatus::Cancel`](crate::StageStatus::Cancel) or the caller
    /// cancelled the run. Running stages were cancelled and awaited.
    #[error(transparent)]
    Cancelled(PipelineCancelled),
    /// A stage failed (returned `Fail`, an error, exhausted its retries, timed out, met an open
    /// circuit or panicked). Running stages were cancelled and awaited.
    #[error("stage `{stage}` failed: {error}")]
    StageFailed {
        /// The failed stage.
        stage: String,
        /// Its error.
        error: StageError,
        /// Whether running the pipeline again may succeed (the error's flag).
        retryable: bool,
        /// The results of every stage that finished, including the failed one.
        partial_results: PipelineResults,
    },
}

impl PipelineError {
    /// The results of the stages that finished before the run stopped.
    #[must_use]
    pub fn partial_results(&self) -> &PipelineResults {
        match self {
            Self::Cancelled(cancelled) => &cancelled.partial_results,
            Self::StageFailed {
                partial_results, ..
            } => partial_results,
        }
    }

    /// The stage that stopped the run, if a stage did.
    #[must_use]
    pub fn stage(&self) -> Option<&str> {
        match self {
            Self::Cancelled(cancelled) => cancelled.stage.as_deref(),
            Self::StageFailed { stage, .. } => Some(stage),
        }
    }

    /// Whether running the pipeline again may succeed (always `false` for a cancellation).
    #[must_use]
    pub fn retryable(&self) -> bool {
        match self {
            Self::Cancelled(_) => false,
            Self::StageFailed { retryable, .. } => *retryable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("connection reset")]
    struct Reset;

    #[test]
    fn builders_keep_code_message_and_source() {
        let error = StageError::from_source("PROVIDER_ERROR", Reset).with_retryable(true);
        assert_eq!(error.code(), "PROVIDER_ERROR");
        assert_eq!(error.message(), "connection reset");
        assert!(error.retryable());
        assert_eq!(error.kind(), &StageErrorKind::Stage);
        assert!(error.source().is_some());
        assert_eq!(error.to_string(), "connection reset (PROVIDER_ERROR)");
    }

    #[test]
    fn circuit_open_is_typed() {
        let error = StageError::circuit_open(CircuitOpen {
            key: "groq:llama".into(),
            retry_after: Duration::from_secs(5),
        });
        assert_eq!(error.code(), codes::CIRCUIT_OPEN);
        assert_eq!(
            error.circuit_open_details().map(|open| open.key.as_str()),
            Some("groq:llama")
        );
    }

    #[test]
    fn serializes_as_code_message_retryable() {
        let value = serde_json::to_value(StageError::from("boom")).ok();
        assert_eq!(
            value,
            Some(
                serde_json::json!({"code": "STAGE_FAILED", "message": "boom", "retryable": false})
            )
        );
    }

    #[test]
    fn cycle_error_names_the_stages() {
        let error = BuildError::Cycle {
            pipeline: "p".into(),
            cycle: vec!["a".into(), "b".into(), "a".into()],
        };
        assert_eq!(
            error.to_string(),
            "pipeline `p` has a dependency cycle: a -> b -> a"
        );
    }
}
