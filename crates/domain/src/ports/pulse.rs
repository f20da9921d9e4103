//! The Pulse port: reading an organization's pipeline runs, their events and its provider
//! calls (specification §10.2).
//!
//! Every method takes the tenant's [`OrgId`] and sees that organization's rows only: a run of
//! another organization is answered `PIPELINE_RUN_NOT_FOUND`, exactly like a missing one.
//! Lists are newest first (`started_at`, then id, descending); events oldest first.
//! Aggregates ([`PulseStore::metrics`], [`PulseStore::stats`]) cover the organization's runs
//! and calls started within the window, bounds included.

use crate::content::{Page, PageQuery};
use crate::error::AppResult;
use crate::ids::OrgId;
use crate::pulse::{
    PipelineEvent, PipelineRun, PipelineRunFilter, ProviderCall, ProviderCallFilter,
};
use crate::pulse_metrics::{MetricsWindow, PulseMetrics, PulseStats, StatsWindow};
use async_trait::async_trait;
use uuid::Uuid;

/// The most events [`PulseStore::run_events`] answers for one run.
pub const MAX_RUN_EVENTS: u64 = 5_000;

/// Read access to the observability records.
#[async_trait]
pub trait PulseStore: Send + Sync + 'static {
    /// One page of the organization's runs matching `filter`, newest first.
    async fn pipeline_runs(
        &self,
        org: OrgId,
        filter: &PipelineRunFilter,
        page: PageQuery,
    ) -> AppResult<Page<PipelineRun>>;

    /// One run.
    ///
    /// # Errors
    /// `PIPELINE_RUN_NOT_FOUND` when it is not the organization's.
    async fn pipeline_run(&self, org: OrgId, id: Uuid) -> AppResult<PipelineRun>;

    /// The run's events, oldest first (at most [`MAX_RUN_EVENTS`]).
    ///
    /// # Errors
    /// `PIPELINE_RUN_NOT_FOUND` when the run is not the organization's.
    async fn run_events(&self, org: OrgId, id: Uuid) -> AppResult<Vec<PipelineEvent>>;

    /// One page of the organization's provider calls matching `filter`, newest first.
    async fn provider_calls(
        &self,
        org: OrgId,
        filter: &ProviderCallFilter,
        page: PageQuery,
    ) -> AppResult<Page<ProviderCall>>;

    /// The organization's aggregates over `window`: totals, percentiles, breakdowns by
    /// service, provider and model, and the window hour by hour.
    async fn metrics(&self, org: OrgId, window: &MetricsWindow) -> AppResult<PulseMetrics>;

    /// The organization's summary over `window`, with its pending dead-letter entries.
    async fn stats(&self, org: OrgId, window: &StatsWindow) -> AppResult<PulseStats>;
}
