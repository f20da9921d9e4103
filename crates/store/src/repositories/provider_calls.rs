//! [`ProviderCalls`]: the store of [`ProviderCallRecord`]s, one `provider_calls` row per
//! attempt at a provider, written by the recording wrapper of `hellosales-providers`.
//!
//! Writes only: a record carries its own organization (or none, for calls made outside any
//! tenant). Reading calls back (Pulse) will take an organization, like every tenant query.
//! `cost_cents` is derived from the exact `cost_usd_micros`, rounded to the nearest cent;
//! counts too large for the `INTEGER` columns are stored saturated.

use crate::entities::provider_calls::{ActiveModel, Entity};
use crate::error::db_error;
use crate::repositories::now;
use async_trait::async_trait;
use chrono::SubsecRound;
use hellosales_domain::AppResult;
use hellosales_domain::ports::{ProviderCallRecord, ProviderCallStore};
use sea_orm::ActiveValue::Set;
use sea_orm::{DatabaseConnection, EntityTrait};

/// The `provider_calls` table. Cheap to clone.
#[derive(Clone, Debug)]
pub struct ProviderCalls {
    db: DatabaseConnection,
}

impl ProviderCalls {
    /// The provider calls on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ProviderCallStore for ProviderCalls {
    async fn record(&self, call: &ProviderCallRecord) -> AppResult<()> {
        Entity::insert(row(call))
            .exec_without_returning(&self.db)
            .await
            .map_err(db_error)?;
        Ok(())
    }
}

/// The row of a record. Timestamps are kept to the microsecond, as both backends store them.
fn row(call: &ProviderCallRecord) -> ActiveModel {
    ActiveModel {
        id: Set(call.id),
        service: Set(call.service.as_str().to_owned()),
        operation: Set(call.operation.clone()),
        provider: Set(call.provider.clone()),
        model_id: Set(call.model_id.clone()),
        request_id: Set(call.request_id.clone()),
        pipeline_run_id: Set(call.pipeline_run_id),
        session_id: Set(call.session_id),
        interaction_id: Set(call.interaction_id),
        user_id: Set(call.user_id.map(|id| id.as_uuid())),
        org_id: Set(call.org_id.map(|id| id.as_uuid())),
        prompt_messages: Set(call.prompt_messages.clone()),
        prompt_text: Set(None),
        output_content: Set(call.output_content.clone()),
        output_parsed: Set(None),
        latency_ms: Set(Some(saturating_i32(call.latency_ms))),
        ttft_ms: Set(call.ttft_ms.map(saturating_i32)),
        tokens_in: Set(call.tokens_in.map(saturating_i32)),
        tokens_out: Set(call.tokens_out.map(saturating_i32)),
        tokens_estimated: Set(call.tokens_estimated),
        audio_duration_ms: Set(call.audio_duration_ms.map(saturating_i32)),
        cost_cents: Set(call
            .cost_cents()
            .map(|cents| i32::try_from(cents).unwrap_or(i32::MAX))),
        cost_usd_micros: Set(call.cost_usd_micros),
        priced: Set(call.priced),
        success: Set(call.success),
        error: Set(call.error.clone()),
        error_code: Set(call.error_code.clone()),
        finish_reason: Set(call.finish_reason.clone()),
        response_model: Set(call.response_model.clone()),
        started_at: Set(call.started_at.trunc_subsecs(6)),
        completed_at: Set(Some(call.completed_at.trunc_subsecs(6))),
        created_at: Set(now()),
    }
}

fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
