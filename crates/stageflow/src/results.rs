//! What a run hands back: a [`StageResult`] per finished stage, gathered in [`PipelineResults`]
//! (on success, and inside both [`PipelineError`](crate::PipelineError) variants).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use uuid::Uuid;

use crate::error::StageError;
use crate::inputs::InputError;
use crate::output::{CANCEL_REASON_KEY, SKIP_REASON_KEY, StageArtifact, StageData};
use crate::stage::{StageKind, StageStatus};

/// The outcome of one finished stage.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct StageResult {
    /// The stage name.
    #[serde(rename = "stage")]
    pub name: Arc<str>,
    /// The stage kind.
    pub kind: StageKind,
    /// How it finished. A stage still running when the run stopped is `Cancel`.
    pub status: StageStatus,
    /// The data it produced.
    pub data: StageData,
    /// The artifacts it produced.
    pub artifacts: Vec<StageArtifact>,
    /// Its error, when it failed.
    pub error: Option<StageError>,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub ended_at: DateTime<Utc>,
    /// How long it took, retries included.
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
}

impl StageResult {
    /// A result recorded now with no duration, for contexts built outside a run.
    pub(crate) fn recorded(name: Arc<str>, status: StageStatus, data: StageData) -> Self {
        let now = Utc::now();
        Self {
            name,
            kind: StageKind::Transform,
            status,
            data,
            artifacts: Vec::new(),
            error: None,
            started_at: now,
            ended_at: now,
            duration: Duration::ZERO,
        }
    }

    /// One data value, deserialized.
    ///
    /// # Errors
    /// [`InputError::MissingFrom`] or [`InputError::Mistyped`].
    pub fn get<'a, T: Deserialize<'a>>(&'a self, key: &str) -> Result<T, InputError> {
        let value = self.data.get(key).ok_or_else(|| InputError::MissingFrom {
            stage: self.name.to_string(),
            key: key.to_owned(),
        })?;
        T::deserialize(value).map_err(|error| InputError::Mistyped {
            stage: self.name.to_string(),
            key: key.to_owned(),
            message: error.to_string(),
        })
    }

    /// The skip or cancel reason.
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

/// The results of the finished stages of one run, in the order they finished.
///
/// ```
/// # fn show(results: &stageflow::PipelineResults) -> Result<(), stageflow::InputError> {
/// if let Some(guard) = results.get("output_guard") {
///     let response: &str = guard.get("response")?;
///     # let _ = response;
/// }
/// for stage in results {
///     let _line = format!("{} {} {:?}", stage.name, stage.status, stage.duration);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct PipelineResults {
    pipeline_run_id: Uuid,
    stages: Vec<Arc<StageResult>>,
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    duration: Duration,
}

impl PipelineResults {
    pub(crate) fn new(
        pipeline_run_id: Uuid,
        stages: Vec<Arc<StageResult>>,
        duration: Duration,
    ) -> Self {
        Self {
            pipeline_run_id,
            stages,
            duration,
        }
    }

    /// The run these results belong to.
    #[must_use]
    pub fn pipeline_run_id(&self) -> Uuid {
        self.pipeline_run_id
    }

    /// The result of one stage, if it finished.
    #[must_use]
    pub fn get(&self, stage: &str) -> Option<&StageResult> {
        self.stages
            .iter()
            .find(|result| result.name.as_ref() == stage)
            .map(AsRef::as_ref)
    }

    /// Whether `stage` finished.
    #[must_use]
    pub fn contains(&self, stage: &str) -> bool {
        self.get(stage).is_some()
    }

    /// The finished stages, in the order they finished.
    pub fn iter(&self) -> ResultsIter<'_> {
        ResultsIter(self.stages.iter())
    }

    /// The names of the finished stages, in the order they finished.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.stages.iter().map(|result| result.name.as_ref())
    }

    /// How many stages finished.
    #[must_use]
    pub fn len(&self) -> usize {
        self.stages.len()
    }

    /// Whether no stage finished.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// How long the run took.
    #[must_use]
    pub fn duration(&self) -> Duration {
        self.duration
    }

    /// The stage results, in the order they finished (shared with the run's events).
    #[must_use]
    pub fn into_stages(self) -> Vec<Arc<StageResult>> {
        self.stages
    }
}

/// An iterator over the [`StageResult`]s of a [`PipelineResults`], in the order the stages
/// finished.
#[derive(Debug, Clone)]
pub struct ResultsIter<'a>(std::slice::Iter<'a, Arc<StageResult>>);

impl<'a> Iterator for ResultsIter<'a> {
    type Item = &'a StageResult;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(AsRef::as_ref)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for ResultsIter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(AsRef::as_ref)
    }
}

impl ExactSizeIterator for ResultsIter<'_> {}

impl<'a> IntoIterator for &'a PipelineResults {
    type Item = &'a StageResult;
    type IntoIter = ResultsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

fn as_millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Every stage finished.
    Completed,
    /// A stage failed.
    Failed,
    /// A stage or the caller cancelled the run.
    Cancelled,
}

impl RunStatus {
    /// The lowercase name used in events and metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

impl std::fmt::Display for RunStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}
