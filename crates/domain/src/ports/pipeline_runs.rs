//! The pipeline-run port: one record per run of a pipeline, written when the run starts and
//! completed when it ends (specification §3.3, `pipeline_runs`).
//!
//! The record is written *before* the pipeline runs, with status `running`, so that the run's
//! events (stored with a reference to it) always find their run. [`PipelineRunStore::finish`]
//! then records the outcome. A run whose process died in between stays `running` until
//! [`PipelineRunStore::fail_abandoned`] marks it failed.
//!
//! These types speak plain data (ids, strings, JSON): the engine's own types stay in the
//! application layer, which translates them.

use crate::error::AppResult;
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

/// The error code given to runs marked failed by [`PipelineRunStore::fail_abandoned`].
pub const RUN_ABANDONED: &str = "RUN_ABANDONED";

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PipelineRunStatus {
    /// Every stage finished.
    Completed,
    /// A stage failed (or the run was abandoned).
    Failed,
    /// A stage or the caller cancelled the run (a guard that blocks an input, a client that
    /// went away).
    Cancelled,
}

impl PipelineRunStatus {
    /// The value of the `status` column.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What is known of a run when it starts.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineRunStart {
    /// The run id: the `pipeline_run_id` of the run's context snapshot, carried by its events.
    pub id: Uuid,
    /// The service (`chat`, `script`, `email`, …).
    pub service: String,
    /// The registered pipeline name.
    pub pipeline_name: String,
    /// The pipeline configuration name.
    pub topology: Option<String>,
    /// The execution behaviour (the snapshot's execution mode).
    pub behavior: Option<String>,
    /// `fast`, `balanced` or `quality`.
    pub quality_mode: Option<String>,
    /// The request that started the run.
    pub request_id: Option<String>,
    /// The chat session.
    pub session_id: Option<Uuid>,
    /// The interaction (message) the run answers or produces.
    pub interaction_id: Option<Uuid>,
    /// The user who asked.
    pub user_id: Option<UserId>,
    /// The user's organization.
    pub org_id: Option<OrgId>,
    /// Free-form metadata (a JSON object).
    pub run_metadata: Value,
    /// The context snapshot the run started from (JSON), so that it can be replayed.
    pub context_snapshot: Value,
    /// When the run started.
    pub started_at: DateTime<Utc>,
}

/// How a run ended and what it measured.
#[derive(Clone, Debug, PartialEq)]
pub struct PipelineRunOutcome {
    /// How it ended.
    pub status: PipelineRunStatus,
    /// Whether it succeeded (a completed run; a cancelled one is not a success).
    pub success: bool,
    /// What went wrong (the failing stage's message, or the cancellation reason).
    pub error: Option<String>,
    /// The machine code of the failure.
    pub error_code: Option<String>,
    /// Per-stage breakdown: `{name: {status, duration_ms, error}}`.
    pub stages: Value,
    /// Wall-clock duration of the run.
    pub total_latency_ms: Option<u64>,
    /// Time to the first token of the LLM.
    pub ttft_ms: Option<u64>,
    /// Input tokens of the run's LLM calls.
    pub tokens_in: Option<u64>,
    /// Output tokens of the run's LLM calls.
    pub tokens_out: Option<u64>,
    /// Output tokens per second of generation.
    pub tokens_per_second: Option<f64>,
    /// Exact total cost, in micro-USD.
    pub total_cost_usd_micros: Option<i64>,
    /// The speech-to-text provider call.
    pub stt_provider_call_id: Option<Uuid>,
    /// The LLM provider call.
    pub llm_provider_call_id: Option<Uuid>,
    /// The text-to-speech provider call (the first, when a voice answer took several).
    pub tts_provider_call_id: Option<Uuid>,
    /// Time to the first audio of a voice answer sent to the client, from the start of the run.
    pub ttfa_ms: Option<u64>,
    /// Time to the first synthesized chunk, from the first text-to-speech request.
    pub ttfc_ms: Option<u64>,
    /// Duration of the speech heard.
    pub input_audio_duration_ms: Option<u64>,
    /// Duration of the speech answered.
    pub output_audio_duration_ms: Option<u64>,
    /// When the run ended.
    pub completed_at: DateTime<Utc>,
}

impl PipelineRunOutcome {
    /// The legacy `total_cost_cents` value, derived from the exact cost (rounded to the nearest
    /// cent; the exact value stays in `total_cost_usd_micros`).
    #[must_use]
    pub fn total_cost_cents(&self) -> Option<i64> {
        self.total_cost_usd_micros
            .map(|micros| micros.saturating_add(5_000).div_euclid(10_000))
    }
}

/// Storage of pipeline runs.
#[async_trait]
pub trait PipelineRunStore: Send + Sync + 'static {
    /// Records a run that starts now, with status `running`.
    ///
    /// # Errors
    /// `Conflict` when a run with this id exists or a referenced row (user, session, …) does not.
    async fn start(&self, run: &PipelineRunStart) -> AppResult<()>;

    /// Records how the run `id` ended. Only a `running` run is updated: finishing a run that
    /// already ended (or does not exist) changes nothing and answers `false`.
    ///
    /// # Errors
    /// Database errors.
    async fn finish(&self, id: Uuid, outcome: &PipelineRunOutcome) -> AppResult<bool>;

    /// Marks every run still `running` that started before `started_before` as failed, with
    /// error code [`RUN_ABANDONED`]; returns how many.
    ///
    /// Several server instances share one database, so a live instance may have runs in flight
    /// at any moment: the caller must pass a cut-off older than any run can last (for example
    /// start-up time minus the longest pipeline timeout, with a margin), so that only runs of a
    /// process that died are touched.
    ///
    /// # Errors
    /// Database errors.
    async fn fail_abandoned(&self, started_before: DateTime<Utc>) -> AppResult<u64>;
}
