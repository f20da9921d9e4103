//! [`RunLogger`]: the `pipeline_runs` record of every pipeline run.
//!
//! A service calls [`RunLogger::start`] *before* it runs a pipeline (the run's events refer to
//! the run row, so it must exist first), runs it, then calls [`RunLogger::finish`] with the
//! pipeline's result and the [`RunTotals`] its stages measured. `finish` derives the status, the
//! error and its code, the per-stage breakdown (from the results, or from the partial results a
//! failed or cancelled run carries) and the latency, and writes them.
//!
//! Recording is best effort: a failure to write the outcome is logged at `warn` and never turns
//! into a failed user request. (`start` returns its error so that the caller can log it and go
//! on; the run's events are then lost to the missing row, which the event sink counts.)

use chrono::Utc;
use hellosales_domain::ports::{
    PipelineRunOutcome, PipelineRunStart, PipelineRunStatus, PipelineRunStore,
};
use hellosales_domain::{AppResult, OrgId, UserId};
use serde_json::{Map, Value};
use stageflow::{ContextSnapshot, PipelineError, PipelineResults};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The error code of a cancelled run.
pub const PIPELINE_CANCELLED: &str = "PIPELINE_CANCELLED";

/// The snapshot metadata key read as the run's quality mode (`fast`, `balanced`, `quality`).
pub const QUALITY_MODE_KEY: &str = "quality_mode";

/// What the stages of one run measured, for its record. Everything is optional: a run without
/// an LLM call has no tokens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunTotals {
    /// Time to the first content token of the LLM, from the start of the run.
    pub ttft_ms: Option<u64>,
    /// Input tokens of the run's LLM calls.
    pub tokens_in: Option<u64>,
    /// Output tokens of the run's LLM calls.
    pub tokens_out: Option<u64>,
    /// How long the LLM spent generating the output tokens (for tokens per second).
    pub generation_ms: Option<u64>,
    /// Exact cost of the run's provider calls, in micro-USD.
    pub cost_usd_micros: Option<i64>,
    /// The LLM provider call.
    pub llm_provider_call_id: Option<Uuid>,
    /// The speech-to-text provider call.
    pub stt_provider_call_id: Option<Uuid>,
    /// The text-to-speech provider call.
    pub tts_provider_call_id: Option<Uuid>,
    /// Time to the first audio sent to the client, from the start of the run.
    pub ttfa_ms: Option<u64>,
    /// Time to the first synthesized chunk, from the first text-to-speech request.
    pub ttfc_ms: Option<u64>,
    /// Duration of the speech heard.
    pub input_audio_duration_ms: Option<u64>,
    /// Duration of the speech answered.
    pub output_audio_duration_ms: Option<u64>,
}

impl RunTotals {
    /// Output tokens per second of generation, when both the tokens and a non-zero generation
    /// time are known.
    #[must_use]
    pub fn tokens_per_second(&self) -> Option<f64> {
        let tokens = self.tokens_out?;
        let millis = self.generation_ms.filter(|&ms| ms > 0)?;
        Some(tokens as f64 * 1_000.0 / millis as f64)
    }
}

/// Writes the `pipeline_runs` record of each run through the [`PipelineRunStore`] port.
#[derive(Clone)]
pub struct RunLogger {
    store: Arc<dyn PipelineRunStore>,
}

impl fmt::Debug for RunLogger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunLogger").finish_non_exhaustive()
    }
}

impl RunLogger {
    /// A logger writing to `store`.
    #[must_use]
    pub fn new(store: Arc<dyn PipelineRunStore>) -> Self {
        Self { store }
    }

    /// Records that the run of `snapshot` starts now (status `running`). Call it before running
    /// the pipeline. `metadata` is stored as the run's metadata (`null` stores `{}`).
    ///
    /// # Errors
    /// Whatever the store answers; callers log it and run the pipeline anyway.
    pub async fn start(
        &self,
        snapshot: &ContextSnapshot,
        pipeline_name: &str,
        service: &str,
        metadata: Value,
    ) -> AppResult<()> {
        self.store
            .start(&run_start(snapshot, pipeline_name, service, metadata))
            .await
    }

    /// Records how the run of `snapshot` ended. Never fails: a record that cannot be written is
    /// logged at `warn`.
    pub async fn finish(
        &self,
        snapshot: &ContextSnapshot,
        result: &Result<PipelineResults, PipelineError>,
        totals: RunTotals,
    ) {
        let id = snapshot.pipeline_run_id;
        let outcome = run_outcome(result, &totals);
        match self.store.finish(id, &outcome).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                pipeline_run_id = %id,
                status = outcome.status.as_str(),
                "the pipeline run was not recorded as running; its outcome was not stored"
            ),
            Err(error) => tracing::warn!(
                pipeline_run_id = %id,
                status = outcome.status.as_str(),
                error = %error,
                code = error.code(),
                "could not record the outcome of a pipeline run"
            ),
        }
    }
}

/// The start record of the run of `snapshot`.
fn run_start(
    snapshot: &ContextSnapshot,
    pipeline_name: &str,
    service: &str,
    metadata: Value,
) -> PipelineRunStart {
    let quality_mode = snapshot
        .metadata
        .get(QUALITY_MODE_KEY)
        .and_then(Value::as_str)
        .map(str::to_owned);
    PipelineRunStart {
        id: snapshot.pipeline_run_id,
        service: service.to_owned(),
        pipeline_name: pipeline_name.to_owned(),
        topology: snapshot.topology.clone(),
        behavior: snapshot.execution_mode.clone(),
        quality_mode,
        request_id: snapshot.request_id.clone(),
        session_id: snapshot.session_id,
        interaction_id: snapshot.interaction_id,
        user_id: snapshot.user_id.map(UserId),
        org_id: snapshot.org_id.map(OrgId),
        run_metadata: match metadata {
            Value::Null => Value::Object(Map::new()),
            other => other,
        },
        // A snapshot is plain data: serializing it cannot fail, but a failure must not lose the run.
        context_snapshot: serde_json::to_value(snapshot).unwrap_or(Value::Null),
        started_at: Utc::now(),
    }
}

/// The outcome record of a run that ended with `result`.
fn run_outcome(
    result: &Result<PipelineResults, PipelineError>,
    totals: &RunTotals,
) -> PipelineRunOutcome {
    let (status, error, error_code, results) = match result {
        Ok(results) => (PipelineRunStatus::Completed, None, None, results),
        Err(PipelineError::StageFailed {
            stage,
            error,
            partial_results,
            ..
        }) => (
            PipelineRunStatus::Failed,
            Some(format!("stage `{stage}` failed: {}", error.message())),
            Some(error.code().to_owned()),
            partial_results,
        ),
        Err(PipelineError::Cancelled(cancelled)) => {
            let by = cancelled
                .stage
                .as_deref()
                .map_or_else(String::new, |stage| format!(" by stage `{stage}`"));
            (
                PipelineRunStatus::Cancelled,
                Some(format!("cancelled{by}: {}", cancelled.reason)),
                Some(PIPELINE_CANCELLED.to_owned()),
                &cancelled.partial_results,
            )
        }
        // `PipelineError` is non-exhaustive: a future way of failing is still a failure.
        Err(other) => (
            PipelineRunStatus::Failed,
            Some(other.to_string()),
            None,
            other.partial_results(),
        ),
    };
    PipelineRunOutcome {
        status,
        success: status == PipelineRunStatus::Completed,
        error,
        error_code,
        stages: stages(results),
        total_latency_ms: Some(millis(results.duration())),
        ttft_ms: totals.ttft_ms,
        tokens_in: totals.tokens_in,
        tokens_out: totals.tokens_out,
        tokens_per_second: totals.tokens_per_second(),
        total_cost_usd_micros: totals.cost_usd_micros,
        stt_provider_call_id: totals.stt_provider_call_id,
        llm_provider_call_id: totals.llm_provider_call_id,
        tts_provider_call_id: totals.tts_provider_call_id,
        ttfa_ms: totals.ttfa_ms,
        ttfc_ms: totals.ttfc_ms,
        input_audio_duration_ms: totals.input_audio_duration_ms,
        output_audio_duration_ms: totals.output_audio_duration_ms,
        completed_at: Utc::now(),
    }
}

/// `{name: {status, duration_ms, error}}` for every finished stage.
fn stages(results: &PipelineResults) -> Value {
    let stages = results
        .iter()
        .map(|stage| {
            let mut entry = Map::new();
            entry.insert("status".to_owned(), Value::from(stage.status.as_str()));
            entry.insert(
                "duration_ms".to_owned(),
                Value::from(millis(stage.duration)),
            );
            entry.insert(
                "error".to_owned(),
                stage
                    .error
                    .as_ref()
                    .map_or(Value::Null, |error| Value::from(error.message())),
            );
            (stage.name.to_string(), Value::Object(entry))
        })
        .collect();
    Value::Object(stages)
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
#[path = "run_logger_tests.rs"]
mod tests;
