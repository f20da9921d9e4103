//! [`PulseService`]: the organization's pipeline runs, their events and its provider calls, for
//! its admins (specification §10.2). Members are refused `INSUFFICIENT_PERMISSIONS`; every read
//! is scoped to the caller's organization. The aggregates (metrics, stats) cover windows ending
//! now unless the caller says otherwise.

use crate::services::content::require_admin;
use hellosales_domain::content::Page;
use hellosales_domain::ports::PulseStore;
use hellosales_domain::pulse::{
    PipelineEventList, PipelineRun, PipelineRunDetail, PipelineRunParams, ProviderCall,
    ProviderCallParams,
};
use hellosales_domain::pulse_metrics::{MetricsParams, PulseMetrics, PulseStats, StatsParams};
use hellosales_domain::{AppResult, OrgContext};
use std::fmt;
use std::sync::Arc;
use uuid::Uuid;

/// Observability browsing for admins. Cheap to clone.
#[derive(Clone)]
pub struct PulseService {
    store: Arc<dyn PulseStore>,
}

impl fmt::Debug for PulseService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PulseService").finish_non_exhaustive()
    }
}

impl PulseService {
    /// Pulse on `store`.
    #[must_use]
    pub fn new(store: Arc<dyn PulseStore>) -> Self {
        Self { store }
    }

    /// One page of the organization's pipeline runs, newest first.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `VALIDATION_ERROR` on bad paging or a reversed
    /// time range.
    pub async fn pipeline_runs(
        &self,
        caller: &OrgContext,
        params: PipelineRunParams,
    ) -> AppResult<Page<PipelineRun>> {
        require_admin(caller)?;
        let (filter, page) = params.validate()?;
        self.store.pipeline_runs(caller.org_id, &filter, page).await
    }

    /// One run with its events, oldest first.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `PIPELINE_RUN_NOT_FOUND`.
    pub async fn pipeline_run(
        &self,
        caller: &OrgContext,
        id: Uuid,
    ) -> AppResult<PipelineRunDetail> {
        require_admin(caller)?;
        let run = self.store.pipeline_run(caller.org_id, id).await?;
        let events = self.store.run_events(caller.org_id, id).await?;
        Ok(PipelineRunDetail { run, events })
    }

    /// A run's events, oldest first.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `PIPELINE_RUN_NOT_FOUND`.
    pub async fn run_events(&self, caller: &OrgContext, id: Uuid) -> AppResult<PipelineEventList> {
        require_admin(caller)?;
        let items = self.store.run_events(caller.org_id, id).await?;
        Ok(PipelineEventList { items })
    }

    /// One page of the organization's provider calls, newest first.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `VALIDATION_ERROR` on bad paging or a reversed
    /// time range.
    pub async fn provider_calls(
        &self,
        caller: &OrgContext,
        params: ProviderCallParams,
    ) -> AppResult<Page<ProviderCall>> {
        require_admin(caller)?;
        let (filter, page) = params.validate()?;
        self.store
            .provider_calls(caller.org_id, &filter, page)
            .await
    }

    /// The organization's aggregates over a window (default: the last 24 hours).
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `VALIDATION_ERROR` on a reversed or too long
    /// window.
    pub async fn metrics(
        &self,
        caller: &OrgContext,
        params: MetricsParams,
    ) -> AppResult<PulseMetrics> {
        require_admin(caller)?;
        let window = params.validate(chrono::Utc::now())?;
        self.store.metrics(caller.org_id, &window).await
    }

    /// The organization's summary of the last `hours` hours (default 24).
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS` for a member; `VALIDATION_ERROR` on `hours` outside 1..=720.
    pub async fn stats(&self, caller: &OrgContext, params: StatsParams) -> AppResult<PulseStats> {
        require_admin(caller)?;
        let window = params.validate(chrono::Utc::now())?;
        self.store.stats(caller.org_id, &window).await
    }
}
