//! Wide events: one `stage.wide` event per finished stage and one `pipeline.wide` event per run,
//! each a self-contained summary (turn them off with [`WideEvents`]).
//!
//! `stage.wide` data:
//!
//! | field | value |
//! | --- | --- |
//! | `pipeline_run_id`, `request_id`, `session_id`, `user_id`, `org_id` | the run's ids (`null` when absent) |
//! | `topology`, `execution_mode`, `service` | from the snapshot (`null` when absent) |
//! | `pipeline` | the pipeline name |
//! | `stage`, `kind`, `status` | the stage, its kind and how it finished (`ok`, `skip`, `cancel`, `fail`, `retry`) |
//! | `started_at`, `ended_at` | RFC 3339 UTC timestamps |
//! | `duration_ms` | an integer |
//! | `error`, `error_code` | the error message and code, or `null` |
//! | `data_keys` | the sorted keys of the stage's data |
//!
//! `pipeline.wide` has the same run fields plus `pipeline_name`, `status` (`completed`, `failed`,
//! `cancelled`), `started_at`, `ended_at`, `duration_ms`, `stage` (the stage that failed or
//! cancelled the run, or `null`), `error`, `error_code`, `stage_counts` (finished stages by
//! status, for example `{"ok": 5, "skip": 1}`) and `stage_details` (the per-stage fields above,
//! from `stage` to `data_keys`, in the order the stages finished).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::error::StageError;
use crate::events::payload::correlation;
use crate::output::StageData;
use crate::results::{RunStatus, StageResult};
use crate::run_scope::RunInfo;

/// Which wide events a run emits. Both by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WideEvents {
    /// Emit `stage.wide` after each stage.
    pub stage: bool,
    /// Emit `pipeline.wide` at the end of the run.
    pub pipeline: bool,
}

impl WideEvents {
    /// Both wide events.
    pub const ALL: Self = Self {
        stage: true,
        pipeline: true,
    };
    /// No wide event.
    pub const NONE: Self = Self {
        stage: false,
        pipeline: false,
    };
}

impl Default for WideEvents {
    fn default() -> Self {
        Self::ALL
    }
}

/// The run fields shared by both wide events and by `pipeline.started`.
pub(crate) fn run_fields(run: &RunInfo) -> StageData {
    let snapshot = &run.snapshot;
    let mut data = correlation(run);
    let text = |text: &Option<String>| text.clone().map_or(Value::Null, Value::String);
    data.insert("topology".to_owned(), text(&snapshot.topology));
    data.insert("execution_mode".to_owned(), text(&snapshot.execution_mode));
    data.insert("service".to_owned(), text(&snapshot.service));
    data.insert(
        "pipeline".to_owned(),
        Value::String(run.pipeline.to_string()),
    );
    data
}

/// The per-stage summary: the `stage_details` entry of `pipeline.wide`.
fn stage_summary(result: &StageResult) -> StageData {
    let mut data = StageData::new();
    data.insert("stage".to_owned(), Value::String(result.name.to_string()));
    data.insert(
        "kind".to_owned(),
        Value::String(result.kind.as_str().to_owned()),
    );
    data.insert(
        "status".to_owned(),
        Value::String(result.status.as_str().to_owned()),
    );
    data.insert("started_at".to_owned(), timestamp(result.started_at));
    data.insert("ended_at".to_owned(), timestamp(result.ended_at));
    data.insert("duration_ms".to_owned(), millis(result.duration));
    insert_error(&mut data, result.error.as_ref());
    let keys = result
        .data
        .keys()
        .map(|key| Value::String(key.clone()))
        .collect();
    data.insert("data_keys".to_owned(), Value::Array(keys));
    data
}

/// The `stage.wide` data: the run fields and the stage summary.
pub(crate) fn stage_wide(run: &RunInfo, result: &StageResult) -> StageData {
    let mut data = run_fields(run);
    data.extend(stage_summary(result));
    data
}

/// How a run ended.
#[derive(Debug)]
pub(crate) struct RunSummary {
    pub(crate) status: RunStatus,
    pub(crate) ended_at: DateTime<Utc>,
    pub(crate) duration: Duration,
    /// The stage that failed or cancelled the run.
    pub(crate) stage: Option<Arc<str>>,
    pub(crate) error: Option<StageError>,
    /// Why the run was cancelled.
    pub(crate) reason: Option<String>,
    /// How many stages finished.
    pub(crate) stage_count: usize,
}

/// The `pipeline.wide` data.
pub(crate) fn pipeline_wide(
    run: &RunInfo,
    summary: &RunSummary,
    results: &[Arc<StageResult>],
) -> StageData {
    let mut data = run_fields(run);
    data.insert(
        "pipeline_name".to_owned(),
        Value::String(run.pipeline.to_string()),
    );
    data.insert(
        "status".to_owned(),
        Value::String(summary.status.as_str().to_owned()),
    );
    data.insert("started_at".to_owned(), timestamp(run.started_at));
    data.insert("ended_at".to_owned(), timestamp(summary.ended_at));
    data.insert("duration_ms".to_owned(), millis(summary.duration));
    data.insert(
        "stage".to_owned(),
        summary
            .stage
            .as_ref()
            .map_or(Value::Null, |stage| Value::String(stage.to_string())),
    );
    insert_error(&mut data, summary.error.as_ref());
    let mut counts = StageData::new();
    for result in results {
        let count = counts
            .entry(result.status.as_str())
            .or_insert(Value::from(0_u64));
        *count = Value::from(count.as_u64().unwrap_or(0) + 1);
    }
    data.insert("stage_counts".to_owned(), Value::Object(counts));
    let details = results
        .iter()
        .map(|result| Value::Object(stage_summary(result)))
        .collect();
    data.insert("stage_details".to_owned(), Value::Array(details));
    data
}

fn insert_error(data: &mut StageData, error: Option<&StageError>) {
    let (message, code) = error.map_or((Value::Null, Value::Null), |error| {
        (
            Value::String(error.message().to_owned()),
            Value::String(error.code().to_owned()),
        )
    });
    data.insert("error".to_owned(), message);
    data.insert("error_code".to_owned(), code);
}

/// A UUID as a string, or `null`.
pub(crate) fn uuid_or_null(id: Option<Uuid>) -> Value {
    id.map_or(Value::Null, |id| Value::String(id.to_string()))
}

/// An RFC 3339 UTC timestamp with microseconds.
fn timestamp(at: DateTime<Utc>) -> Value {
    Value::String(at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// A duration as integer milliseconds.
pub(crate) fn millis(duration: Duration) -> Value {
    Value::from(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}
