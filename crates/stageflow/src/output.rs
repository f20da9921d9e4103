//! [`StageOutput`], what a stage returns, with its constructors (`ok`, `skip`, `cancel`, `fail`,
//! `retry`), and [`StageArtifact`].
//!
//! What the engine keeps of an output after the stage finished is a
//! [`StageResult`](crate::StageResult) (see [`crate::results`]).

use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::StageError;
use crate::events::Event;
use crate::stage::StageStatus;

/// The data a stage produces: a JSON object. Dependents read it through
/// [`StageInputs`](crate::StageInputs).
pub type StageData = serde_json::Map<String, Value>;

/// The key under which [`StageOutput::skip`] stores its reason.
pub const SKIP_REASON_KEY: &str = "reason";
/// The key under which [`StageOutput::cancel`] stores its reason.
pub const CANCEL_REASON_KEY: &str = "cancel_reason";

/// A piece of output that is not plain data (audio, a transcript, a document...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageArtifact {
    /// What the artifact is, for example `"audio"` or `"transcript"`.
    #[serde(rename = "type")]
    pub artifact_type: String,
    /// The artifact itself, or a reference to it.
    pub payload: Value,
    /// When the artifact was produced.
    pub timestamp: DateTime<Utc>,
}

impl StageArtifact {
    /// An artifact produced now.
    pub fn new(artifact_type: impl Into<String>, payload: Value) -> Self {
        Self {
            artifact_type: artifact_type.into(),
            payload,
            timestamp: Utc::now(),
        }
    }
}

/// What a stage returns: a [`StageStatus`], data for its dependents, artifacts, events to emit,
/// an error when it failed, and (filled in by the engine) how long it took.
///
/// ```
/// use stageflow::{StageOutput, StageStatus};
///
/// let output = StageOutput::ok().with("response", "Hello!").with("filtered", false);
/// assert_eq!(output.status, StageStatus::Ok);
/// assert_eq!(output.data["response"], "Hello!");
///
/// let blocked = StageOutput::cancel("input blocked").with("blocked", true);
/// assert_eq!(blocked.reason(), Some("input blocked"));
/// ```
#[derive(Debug, Clone)]
pub struct StageOutput {
    /// The outcome.
    pub status: StageStatus,
    /// Data for dependent stages and for the caller.
    pub data: StageData,
    /// Artifacts produced by the stage.
    pub artifacts: Vec<StageArtifact>,
    /// Events the engine emits (with the run's correlation ids) when the stage finishes,
    /// including those of earlier, failed attempts.
    pub events: Vec<Event>,
    /// The failure, for `Fail` and `Retry`.
    pub error: Option<StageError>,
    /// How long it took to produce this output. Set by the engine (whatever the stage put
    /// here) as the output leaves each interceptor layer, before that layer's
    /// [`on_error`](crate::interceptors::Interceptor::on_error) and
    /// [`after`](crate::interceptors::Interceptor::after): an interceptor inside the retry
    /// interceptor sees the duration of the current attempt; the retry interceptor, those
    /// outside it and the final output see the whole stage, every attempt and backoff included,
    /// as does [`StageResult::duration`](crate::StageResult::duration).
    pub duration: Duration,
}

impl StageOutput {
    fn with_status(status: StageStatus) -> Self {
        Self {
            status,
            data: StageData::new(),
            artifacts: Vec::new(),
            events: Vec::new(),
            error: None,
            duration: Duration::ZERO,
        }
    }

    /// A successful output with no data yet (add data with [`with`](Self::with)).
    #[must_use]
    pub fn ok() -> Self {
        Self::with_status(StageStatus::Ok)
    }

    /// The stage chose not to run; `reason` is stored under `"reason"`.
    pub fn skip(reason: impl Into<String>) -> Self {
        Self::with_status(StageStatus::Skip).with(SKIP_REASON_KEY, reason.into())
    }

    /// Stop the whole pipeline without an error; `reason` is stored under `"cancel_reason"`.
    pub fn cancel(reason: impl Into<String>) -> Self {
        Self::with_status(StageStatus::Cancel).with(CANCEL_REASON_KEY, reason.into())
    }

    /// The stage failed. A string becomes a permanent error with code `STAGE_FAILED`.
    pub fn fail(error: impl Into<StageError>) -> Self {
        let mut output = Self::with_status(StageStatus::Fail);
        output.error = Some(error.into());
        output
    }

    /// The stage failed but may succeed if tried again (the error is marked retryable).
    pub fn retry(error: impl Into<StageError>) -> Self {
        let mut output = Self::with_status(StageStatus::Retry);
        output.error = Some(error.into().with_retryable(true));
        output
    }

    /// Adds one data entry.
    #[must_use]
    pub fn with(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }

    /// Adds one data entry from any serializable value.
    ///
    /// # Errors
    /// Fails with code `INPUT_INVALID` when `value` cannot be represented as JSON (for example a
    /// map whose keys are not strings).
    pub fn with_serialized<T: Serialize + ?Sized>(
        self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<Self, StageError> {
        let key = key.into();
        let value = serde_json::to_value(value).map_err(|error| {
            StageError::new(
                crate::error::codes::INPUT_INVALID,
                format!("output `{key}` cannot be serialized: {error}"),
            )
        })?;
        Ok(self.with(key, value))
    }

    /// Adds every entry of `data` (replacing entries with the same key).
    #[must_use]
    pub fn with_data(mut self, data: StageData) -> Self {
        self.data.extend(data);
        self
    }

    /// Adds an artifact.
    #[must_use]
    pub fn with_artifact(mut self, artifact: StageArtifact) -> Self {
        self.artifacts.push(artifact);
        self
    }

    /// Adds an event that the engine emits when the stage finishes. To emit an event right away
    /// use [`StageContext::emit_event`](crate::StageContext::emit_event).
    ///
    /// The events of an attempt that failed are kept when the stage is retried (or an
    /// interceptor falls back): they are emitted with the final output's, before them.
    #[must_use]
    pub fn with_event(mut self, event_type: &str, data: Value) -> Self {
        self.events
            .push(Event::new(event_type, value_to_data(data)));
        self
    }

    /// Gives a failure without an error a generic one, and marks the error of a `Retry`
    /// retryable.
    pub(crate) fn normalized(mut self) -> Self {
        if self.status.is_failure() {
            let error = self.error.take().unwrap_or_else(|| {
                StageError::new(
                    crate::error::codes::STAGE_FAILED,
                    format!("stage returned `{}` without an error", self.status),
                )
            });
            let retryable = self.status == StageStatus::Retry && !error.retryable();
            self.error = Some(if retryable {
                error.with_retryable(true)
            } else {
                error
            });
        }
        self
    }

    /// The error of a failed output.
    pub(crate) fn failure(&self) -> Option<&StageError> {
        if self.status.is_failure() {
            self.error.as_ref()
        } else {
            None
        }
    }

    /// The reason given to [`skip`](Self::skip) or [`cancel`](Self::cancel).
    #[must_use]
    pub fn reason(&self) -> Option<&str> {
        let key = match self.status {
            StageStatus::Skip => SKIP_REASON_KEY,
            StageStatus::Cancel => CANCEL_REASON_KEY,
            _ => return None,
        };
        self.data.get(key).and_then(Value::as_str)
    }
}

impl From<StageError> for StageOutput {
    fn from(error: StageError) -> Self {
        Self::fail(error)
    }
}

/// An empty data object, for a run without config values.
pub(crate) fn empty_data() -> &'static StageData {
    static EMPTY: LazyLock<StageData> = LazyLock::new(StageData::new);
    &EMPTY
}

/// Turns a JSON value into event or output data: an object is used as is, `null` becomes an
/// empty object and any other value is stored under `"value"`.
pub(crate) fn value_to_data(value: Value) -> StageData {
    match value {
        Value::Object(map) => map,
        Value::Null => StageData::new(),
        other => {
            let mut data = StageData::new();
            data.insert("value".to_owned(), other);
            data
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn constructors_set_status_reason_and_error() {
        assert_eq!(StageOutput::skip("no user").reason(), Some("no user"));
        assert_eq!(
            StageOutput::cancel("blocked").data[CANCEL_REASON_KEY],
            "blocked"
        );
        let failed = StageOutput::fail("boom");
        assert_eq!(failed.status, StageStatus::Fail);
        assert_eq!(
            failed.error.as_ref().map(StageError::code),
            Some("STAGE_FAILED")
        );
        let retry = StageOutput::retry("try again");
        assert_eq!(retry.error.as_ref().map(StageError::retryable), Some(true));
        assert_eq!(StageOutput::ok().reason(), None);
    }

    #[test]
    fn serialized_values_become_data() -> Result<(), StageError> {
        #[derive(Serialize)]
        struct Profile {
            name: &'static str,
        }
        let output = StageOutput::ok().with_serialized("profile", &Profile { name: "Ada" })?;
        assert_eq!(output.data["profile"], json!({"name": "Ada"}));
        Ok(())
    }

    #[test]
    fn non_object_values_are_wrapped() {
        assert_eq!(value_to_data(json!(3))["value"], 3);
        assert!(value_to_data(Value::Null).is_empty());
        assert_eq!(value_to_data(json!({"a": 1}))["a"], 1);
    }
}
