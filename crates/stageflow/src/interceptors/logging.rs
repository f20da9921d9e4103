//! [`LoggingInterceptor`]: one log line per stage outcome and per run, through `tracing`.
//!
//! Levels: `DEBUG` for a stage starting, completing or skipping, `INFO` for a cancelled stage
//! and for a finished run, `WARN` for a failed stage or run.

use tracing::{debug, info, warn};

use super::{Interceptor, RunEnd, RunStart};
use crate::context::StageContext;
use crate::error::StageError;
use crate::results::{RunStatus, StageResult};
use crate::stage::StageStatus;

/// Logs stage and run outcomes.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoggingInterceptor;

impl LoggingInterceptor {
    /// Its priority: outside the retries, so it logs the final outcome of a stage.
    pub const PRIORITY: i32 = 30;

    /// The interceptor.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

impl Interceptor for LoggingInterceptor {
    fn name(&self) -> &str {
        "logging"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn before(&self, ctx: &StageContext) -> Result<(), StageError> {
        debug!(
            pipeline = ctx.pipeline_name(),
            stage = ctx.stage_name(),
            "stage started"
        );
        Ok(())
    }

    fn on_stage_end(&self, ctx: &StageContext, result: &StageResult) {
        let (pipeline, stage) = (ctx.pipeline_name(), result.name.as_ref());
        match (result.status, &result.error) {
            (StageStatus::Fail | StageStatus::Retry, Some(error)) => warn!(
                pipeline,
                stage,
                duration_ms = result.duration.as_millis(),
                error_code = error.code(),
                error = error.message(),
                retryable = error.retryable(),
                "stage failed"
            ),
            (StageStatus::Cancel, _) => info!(
                pipeline,
                stage,
                duration_ms = result.duration.as_millis(),
                reason = result.reason(),
                "stage cancelled"
            ),
            (StageStatus::Skip, _) => debug!(
                pipeline,
                stage,
                duration_ms = result.duration.as_millis(),
                reason = result.reason(),
                "stage skipped"
            ),
            _ => debug!(
                pipeline,
                stage,
                duration_ms = result.duration.as_millis(),
                "stage completed"
            ),
        }
    }

    fn on_pipeline_start(&self, run: &RunStart<'_>) {
        debug!(
            pipeline = run.pipeline,
            pipeline_run_id = %run.snapshot.pipeline_run_id,
            "pipeline started"
        );
    }

    fn on_pipeline_end(&self, run: &RunEnd<'_>) {
        let duration_ms = run.duration.as_millis();
        let pipeline_run_id = run.snapshot.pipeline_run_id;
        match run.status {
            RunStatus::Completed => info!(
                pipeline = run.pipeline,
                %pipeline_run_id,
                duration_ms,
                "pipeline completed"
            ),
            RunStatus::Cancelled => info!(
                pipeline = run.pipeline,
                %pipeline_run_id,
                duration_ms,
                stage = run.stage,
                "pipeline cancelled"
            ),
            RunStatus::Failed => warn!(
                pipeline = run.pipeline,
                %pipeline_run_id,
                duration_ms,
                stage = run.stage,
                error_code = run.error.map(StageError::code),
                error = run.error.map(StageError::message),
                "pipeline failed"
            ),
        }
    }
}
