//! [`PipelineRuns`]: the `pipeline_runs` rows, through the [`PipelineRunStore`] port.
//!
//! A run is inserted with status `running` when it starts and updated once when it ends; the
//! update applies only to a row still `running`, so a late or repeated finish (or a finish after
//! [`fail_abandoned`](PipelineRunStore::fail_abandoned)) changes nothing.
//!
//! Runs are not tenant-scoped here: they are written by the engine on behalf of a caller whose
//! organization is in the row. Reading them (Pulse) is another repository's job.
//!
//! Text values longer than their column are cut at the column's length (on a character
//! boundary) rather than refused: losing a run row would orphan all its events. Counts above
//! `i32::MAX` are stored as `i32::MAX`.

use crate::entities::pipeline_runs::{ActiveModel, Column, Entity};
use crate::error::db_error;
use crate::repositories::now;
use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use hellosales_domain::AppResult;
use hellosales_domain::ports::{
    PipelineRunOutcome, PipelineRunStart, PipelineRunStatus, PipelineRunStore, RUN_ABANDONED,
};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The status of a run that has not ended.
const RUNNING: &str = "running";

/// The error message of an abandoned run.
const ABANDONED_MESSAGE: &str =
    "the run never finished: the server running it stopped before recording its outcome";

/// Pipeline runs. Cheap to clone.
#[derive(Clone, Debug)]
pub struct PipelineRuns {
    db: DatabaseConnection,
}

impl PipelineRuns {
    /// The runs on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl PipelineRunStore for PipelineRuns {
    async fn start(&self, run: &PipelineRunStart) -> AppResult<()> {
        let row = ActiveModel {
            id: Set(run.id),
            service: Set(clip(&run.service, 50)),
            pipeline_name: Set(Some(clip(&run.pipeline_name, 100))),
            topology: Set(clip_opt(run.topology.as_deref(), 50)),
            behavior: Set(clip_opt(run.behavior.as_deref(), 50)),
            quality_mode: Set(clip_opt(run.quality_mode.as_deref(), 20)),
            request_id: Set(clip_opt(run.request_id.as_deref(), 100)),
            session_id: Set(run.session_id),
            interaction_id: Set(run.interaction_id),
            user_id: Set(run.user_id.map(|id| id.as_uuid())),
            org_id: Set(run.org_id.map(|id| id.as_uuid())),
            status: Set(RUNNING.to_owned()),
            success: Set(false),
            run_metadata: Set(Some(run.run_metadata.clone())),
            context_snapshot: Set(Some(run.context_snapshot.clone())),
            started_at: Set(run.started_at.trunc_subsecs(6)),
            created_at: Set(now()),
            ..ActiveModel::default()
        };
        Entity::insert(row)
            .exec_without_returning(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn finish(&self, id: Uuid, outcome: &PipelineRunOutcome) -> AppResult<bool> {
        let changes = ActiveModel {
            status: Set(outcome.status.as_str().to_owned()),
            success: Set(outcome.success),
            error: Set(outcome.error.clone()),
            error_code: Set(clip_opt(outcome.error_code.as_deref(), 100)),
            stages: Set(Some(outcome.stages.clone())),
            total_latency_ms: Set(outcome.total_latency_ms.map(int)),
            ttft_ms: Set(outcome.ttft_ms.map(int)),
            tokens_in: Set(outcome.tokens_in.map(int)),
            tokens_out: Set(outcome.tokens_out.map(int)),
            tokens_per_second: Set(outcome.tokens_per_second.filter(|tps| tps.is_finite())),
            total_cost_usd_micros: Set(outcome.total_cost_usd_micros),
            total_cost_cents: Set(outcome
                .total_cost_cents()
                .map(|cents| i32::try_from(cents).unwrap_or(i32::MAX))),
            stt_provider_call_id: Set(outcome.stt_provider_call_id),
            llm_provider_call_id: Set(outcome.llm_provider_call_id),
            tts_provider_call_id: Set(outcome.tts_provider_call_id),
            ttfa_ms: Set(outcome.ttfa_ms.map(int)),
            ttfc_ms: Set(outcome.ttfc_ms.map(int)),
            input_audio_duration_ms: Set(outcome.input_audio_duration_ms.map(int)),
            output_audio_duration_ms: Set(outcome.output_audio_duration_ms.map(int)),
            completed_at: Set(Some(outcome.completed_at.trunc_subsecs(6))),
            ..ActiveModel::default()
        };
        let result = Entity::update_many()
            .set(changes)
            .filter(Column::Id.eq(id))
            .filter(Column::Status.eq(RUNNING))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        Ok(result.rows_affected > 0)
    }

    async fn fail_abandoned(&self, started_before: DateTime<Utc>) -> AppResult<u64> {
        let changes = ActiveModel {
            status: Set(PipelineRunStatus::Failed.as_str().to_owned()),
            success: Set(false),
            error: Set(Some(ABANDONED_MESSAGE.to_owned())),
            error_code: Set(Some(RUN_ABANDONED.to_owned())),
            completed_at: Set(Some(now())),
            ..ActiveModel::default()
        };
        let result = Entity::update_many()
            .set(changes)
            .filter(Column::Status.eq(RUNNING))
            .filter(Column::StartedAt.lt(started_before))
            .exec(&self.db)
            .await
            .map_err(db_error)?;
        if result.rows_affected > 0 {
            tracing::warn!(
                runs = result.rows_affected,
                %started_before,
                "pipeline runs left unfinished were marked failed"
            );
        }
        Ok(result.rows_affected)
    }
}

/// A count or a duration as the `INTEGER` columns store it.
fn int(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// `text` cut to at most `max` characters.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

fn clip_opt(text: Option<&str>, max: usize) -> Option<String> {
    text.map(|text| clip(text, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_on_character_boundaries() {
        assert_eq!(clip("abc", 5), "abc");
        assert_eq!(clip("abcdef", 3), "abc");
        assert_eq!(clip("ééé", 2), "éé");
    }

    #[test]
    fn counts_saturate() {
        assert_eq!(int(12), 12);
        assert_eq!(int(u64::MAX), i32::MAX);
    }
}
