//! [`Pulse`]: the read side of `pipeline_runs`, `pipeline_events` and `provider_calls`, through
//! the [`PulseStore`] port.
//!
//! Every statement filters on the organization (`org_id` of the run or call). Events are read
//! through their run: the run is looked up in the organization first, so another
//! organization's run answers `PIPELINE_RUN_NOT_FOUND` and none of its events. The aggregates
//! live in [`super::pulse_metrics`].

use crate::entities::{pipeline_events, pipeline_runs, provider_calls};
use crate::error::db_error;
use crate::repositories::paging::newest_first;
use async_trait::async_trait;
use hellosales_domain::content::{Page, PageQuery};
use hellosales_domain::error::Resource;
use hellosales_domain::ports::{MAX_RUN_EVENTS, PulseStore};
use hellosales_domain::pulse::{
    PipelineEvent, PipelineRun, PipelineRunFilter, ProviderCall, ProviderCallFilter, cents_of,
};
use hellosales_domain::pulse_metrics::{MetricsWindow, PulseMetrics, PulseStats, StatsWindow};
use hellosales_domain::{AppError, AppResult, OrgId};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

/// Observability records, of any organization (every method takes the organization). Cheap to
/// clone.
#[derive(Clone, Debug)]
pub struct Pulse {
    db: DatabaseConnection,
}

impl Pulse {
    /// The records on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    async fn run_row(&self, org: OrgId, id: Uuid) -> AppResult<pipeline_runs::Model> {
        pipeline_runs::Entity::find_by_id(id)
            .filter(pipeline_runs::Column::OrgId.eq(org.as_uuid()))
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(Resource::PipelineRun, id))
    }
}

fn wide(value: Option<i32>) -> Option<i64> {
    value.map(i64::from)
}

fn to_run(org: OrgId, row: pipeline_runs::Model) -> PipelineRun {
    PipelineRun {
        id: row.id,
        service: row.service,
        pipeline_name: row.pipeline_name,
        topology: row.topology,
        behavior: row.behavior,
        quality_mode: row.quality_mode,
        request_id: row.request_id,
        session_id: row.session_id.map(Into::into),
        interaction_id: row.interaction_id.map(Into::into),
        user_id: row.user_id.map(Into::into),
        org_id: org,
        status: row.status,
        stages: row.stages,
        total_latency_ms: wide(row.total_latency_ms),
        ttft_ms: wide(row.ttft_ms),
        ttfa_ms: wide(row.ttfa_ms),
        ttfc_ms: wide(row.ttfc_ms),
        input_audio_duration_ms: wide(row.input_audio_duration_ms),
        output_audio_duration_ms: wide(row.output_audio_duration_ms),
        tokens_in: wide(row.tokens_in),
        tokens_out: wide(row.tokens_out),
        tokens_per_second: row.tokens_per_second,
        total_cost_usd_micros: row.total_cost_usd_micros,
        total_cost_cents: cents_of(row.total_cost_usd_micros),
        success: row.success,
        error: row.error,
        error_code: row.error_code,
        stt_provider_call_id: row.stt_provider_call_id,
        llm_provider_call_id: row.llm_provider_call_id,
        tts_provider_call_id: row.tts_provider_call_id,
        started_at: row.started_at,
        completed_at: row.completed_at,
    }
}

fn to_event(row: pipeline_events::Model) -> PipelineEvent {
    PipelineEvent::new(
        row.id,
        row.pipeline_run_id,
        row.event_type,
        row.event_data,
        row.occurred_at,
    )
}

fn to_call(org: OrgId, row: provider_calls::Model) -> ProviderCall {
    ProviderCall {
        id: row.id,
        service: row.service,
        operation: row.operation,
        provider: row.provider,
        model_id: row.model_id,
        request_id: row.request_id,
        pipeline_run_id: row.pipeline_run_id,
        session_id: row.session_id.map(Into::into),
        interaction_id: row.interaction_id.map(Into::into),
        user_id: row.user_id.map(Into::into),
        org_id: org,
        prompt_messages: row.prompt_messages,
        prompt_text: row.prompt_text,
        output_content: row.output_content,
        output_parsed: row.output_parsed,
        latency_ms: wide(row.latency_ms),
        ttft_ms: wide(row.ttft_ms),
        tokens_in: wide(row.tokens_in),
        tokens_out: wide(row.tokens_out),
        tokens_estimated: row.tokens_estimated,
        audio_duration_ms: wide(row.audio_duration_ms),
        cost_usd_micros: row.cost_usd_micros,
        cost_cents: cents_of(row.cost_usd_micros),
        priced: row.priced,
        success: row.success,
        error: row.error,
        error_code: row.error_code,
        finish_reason: row.finish_reason,
        response_model: row.response_model,
        started_at: row.started_at,
        completed_at: row.completed_at,
        created_at: row.created_at,
    }
}

fn run_select(org: OrgId, filter: &PipelineRunFilter) -> Select<pipeline_runs::Entity> {
    use pipeline_runs::Column;
    let mut select = pipeline_runs::Entity::find().filter(Column::OrgId.eq(org.as_uuid()));
    if let Some(service) = &filter.service {
        select = select.filter(Column::Service.eq(service.as_str()));
    }
    if let Some(topology) = &filter.topology {
        select = select.filter(Column::Topology.eq(topology.as_str()));
    }
    if let Some(success) = filter.success {
        select = select.filter(Column::Success.eq(success));
    }
    if let Some(start) = filter.start_time {
        select = select.filter(Column::StartedAt.gte(start));
    }
    if let Some(end) = filter.end_time {
        select = select.filter(Column::StartedAt.lte(end));
    }
    if let Some(session) = filter.session_id {
        select = select.filter(Column::SessionId.eq(session));
    }
    if let Some(user) = filter.user_id {
        select = select.filter(Column::UserId.eq(user));
    }
    select
}

fn call_select(org: OrgId, filter: &ProviderCallFilter) -> Select<provider_calls::Entity> {
    use provider_calls::Column;
    let mut select = provider_calls::Entity::find().filter(Column::OrgId.eq(org.as_uuid()));
    if let Some(provider) = &filter.provider {
        select = select.filter(Column::Provider.eq(provider.as_str()));
    }
    if let Some(operation) = &filter.operation {
        select = select.filter(Column::Operation.eq(operation.as_str()));
    }
    if let Some(model) = &filter.model {
        select = select.filter(Column::ModelId.eq(model.as_str()));
    }
    if let Some(success) = filter.success {
        select = select.filter(Column::Success.eq(success));
    }
    if let Some(start) = filter.start_time {
        select = select.filter(Column::StartedAt.gte(start));
    }
    if let Some(end) = filter.end_time {
        select = select.filter(Column::StartedAt.lte(end));
    }
    if let Some(request) = &filter.request_id {
        select = select.filter(Column::RequestId.eq(request.as_str()));
    }
    select
}

#[async_trait]
impl PulseStore for Pulse {
    async fn pipeline_runs(
        &self,
        org: OrgId,
        filter: &PipelineRunFilter,
        page: PageQuery,
    ) -> AppResult<Page<PipelineRun>> {
        let order = [pipeline_runs::Column::StartedAt, pipeline_runs::Column::Id];
        let (rows, total) = newest_first(&self.db, run_select(org, filter), order, page).await?;
        Ok(Page {
            items: rows.into_iter().map(|row| to_run(org, row)).collect(),
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn pipeline_run(&self, org: OrgId, id: Uuid) -> AppResult<PipelineRun> {
        Ok(to_run(org, self.run_row(org, id).await?))
    }

    async fn run_events(&self, org: OrgId, id: Uuid) -> AppResult<Vec<PipelineEvent>> {
        use pipeline_events::Column;
        let run = self.run_row(org, id).await?;
        let rows = pipeline_events::Entity::find()
            .filter(Column::PipelineRunId.eq(run.id))
            .order_by_asc(Column::OccurredAt)
            .order_by_asc(Column::Id)
            .limit(MAX_RUN_EVENTS)
            .all(&self.db)
            .await
            .map_err(db_error)?;
        Ok(rows.into_iter().map(to_event).collect())
    }

    async fn provider_calls(
        &self,
        org: OrgId,
        filter: &ProviderCallFilter,
        page: PageQuery,
    ) -> AppResult<Page<ProviderCall>> {
        let order = [
            provider_calls::Column::StartedAt,
            provider_calls::Column::Id,
        ];
        let (rows, total) = newest_first(&self.db, call_select(org, filter), order, page).await?;
        Ok(Page {
            items: rows.into_iter().map(|row| to_call(org, row)).collect(),
            total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    async fn metrics(&self, org: OrgId, window: &MetricsWindow) -> AppResult<PulseMetrics> {
        super::pulse_metrics::metrics(&self.db, org, window).await
    }

    async fn stats(&self, org: OrgId, window: &StatsWindow) -> AppResult<PulseStats> {
        super::pulse_metrics::stats(&self.db, org, window).await
    }
}
