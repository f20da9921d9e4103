//! What the engine's events are made of before they are rendered into JSON ([`Payload`]), and
//! the rendering of the lifecycle events. The wide events are rendered in [`crate::wide`].
//!
//! Emitting an event costs a few reference counts; the JSON object is built only when someone
//! reads the event.

use std::sync::Arc;

use serde_json::Value;

use crate::context::StageInfo;
use crate::error::StageError;
use crate::output::StageData;
use crate::results::StageResult;
use crate::run_scope::RunInfo;
use crate::stage::StageStatus;
use crate::wide::{self, RunSummary, millis};

/// The source of an engine event's data.
#[derive(Debug, Clone)]
pub(crate) enum Payload {
    PipelineStarted {
        run: Arc<RunInfo>,
        stage_count: usize,
    },
    PipelineFinished {
        run: Arc<RunInfo>,
        summary: Arc<RunSummary>,
    },
    PipelineWide {
        run: Arc<RunInfo>,
        summary: Arc<RunSummary>,
        results: Vec<Arc<StageResult>>,
    },
    StageStarted {
        run: Arc<RunInfo>,
        stage: Arc<StageInfo>,
    },
    StageFinished {
        run: Arc<RunInfo>,
        result: Arc<StageResult>,
    },
    StageWide {
        run: Arc<RunInfo>,
        result: Arc<StageResult>,
    },
    /// Data given by a stage or an interceptor, to which the run's ids and the stage are added.
    Stamped {
        run: Arc<RunInfo>,
        stage: Arc<str>,
        data: StageData,
    },
}

impl Payload {
    pub(crate) fn render(&self) -> StageData {
        match self {
            Self::PipelineStarted { run, stage_count } => {
                let mut data = wide::run_fields(run);
                let interaction_id = run.snapshot.interaction_id;
                data.insert(
                    "interaction_id".to_owned(),
                    wide::uuid_or_null(interaction_id),
                );
                data.insert("stage_count".to_owned(), Value::from(*stage_count));
                data
            }
            Self::PipelineFinished { run, summary } => pipeline_finished(run, summary),
            Self::PipelineWide {
                run,
                summary,
                results,
            } => wide::pipeline_wide(run, summary, results),
            Self::StageStarted { run, stage } => {
                stage_started(run, &stage.name, stage.kind.as_str())
            }
            Self::StageFinished { run, result } => stage_finished(run, result),
            Self::StageWide { run, result } => wide::stage_wide(run, result),
            Self::Stamped { run, stage, data } => {
                let mut data = data.clone();
                data.extend(correlation(run));
                data.insert("stage".to_owned(), Value::String(stage.to_string()));
                data
            }
        }
    }
}

/// The correlation ids carried by every event: `pipeline_run_id`, `request_id`, `session_id`,
/// `user_id` and `org_id` (`null` when absent).
pub(crate) fn correlation(run: &RunInfo) -> StageData {
    let snapshot = &run.snapshot;
    let mut data = StageData::new();
    data.insert(
        "pipeline_run_id".to_owned(),
        Value::String(snapshot.pipeline_run_id.to_string()),
    );
    data.insert(
        "request_id".to_owned(),
        snapshot
            .request_id
            .clone()
            .map_or(Value::Null, Value::String),
    );
    data.insert(
        "session_id".to_owned(),
        wide::uuid_or_null(snapshot.session_id),
    );
    data.insert("user_id".to_owned(), wide::uuid_or_null(snapshot.user_id));
    data.insert("org_id".to_owned(), wide::uuid_or_null(snapshot.org_id));
    data
}

/// `pipeline.completed|failed|cancelled`.
fn pipeline_finished(run: &RunInfo, summary: &RunSummary) -> StageData {
    let mut data = correlation(run);
    data.insert(
        "pipeline".to_owned(),
        Value::String(run.pipeline.to_string()),
    );
    data.insert(
        "status".to_owned(),
        Value::String(summary.status.as_str().to_owned()),
    );
    data.insert("duration_ms".to_owned(), millis(summary.duration));
    data.insert("stage_count".to_owned(), Value::from(summary.stage_count));
    if let Some(stage) = &summary.stage {
        data.insert("stage".to_owned(), Value::String(stage.to_string()));
    }
    if let Some(reason) = &summary.reason {
        data.insert("reason".to_owned(), Value::String(reason.clone()));
    }
    if let Some(error) = &summary.error {
        insert_error(&mut data, error);
    }
    data
}

/// `stage.{name}.started`.
fn stage_started(run: &RunInfo, stage: &str, kind: &str) -> StageData {
    let mut data = correlation(run);
    data.insert("stage".to_owned(), Value::String(stage.to_owned()));
    data.insert("kind".to_owned(), Value::String(kind.to_owned()));
    data
}

/// `stage.{name}.completed|skipped|failed|cancelled`.
fn stage_finished(run: &RunInfo, result: &StageResult) -> StageData {
    let mut data = stage_started(run, &result.name, result.kind.as_str());
    data.insert(
        "status".to_owned(),
        Value::String(result.status.as_str().to_owned()),
    );
    data.insert("duration_ms".to_owned(), millis(result.duration));
    if matches!(result.status, StageStatus::Skip | StageStatus::Cancel) {
        let reason = result
            .reason()
            .map_or(Value::Null, |reason| Value::String(reason.to_owned()));
        data.insert("reason".to_owned(), reason);
    }
    if let Some(error) = &result.error {
        insert_error(&mut data, error);
    }
    data
}

fn insert_error(data: &mut StageData, error: &StageError) {
    data.insert(
        "error".to_owned(),
        Value::String(error.message().to_owned()),
    );
    data.insert(
        "error_code".to_owned(),
        Value::String(error.code().to_owned()),
    );
    data.insert("retryable".to_owned(), Value::Bool(error.retryable()));
}
