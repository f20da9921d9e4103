//! [`MetricsInterceptor`]: stage and pipeline durations and counts through the `metrics` facade.
//!
//! Metric names follow the specification: `stage_duration_ms` and `pipeline_duration_ms`
//! (histograms, milliseconds), `stage_runs_total` and `pipeline_runs_total` (counters). Labels:
//! `pipeline`, `service` (the snapshot's, or `"unknown"`), `status` (`ok`, `skip`, `cancel`,
//! `fail`, `retry` for stages; `completed`, `failed`, `cancelled` for runs), and `stage` on stage
//! metrics. Without an installed recorder every call is a no-op.
//!
//! The interceptor registers each label combination once and keeps the handles, as the
//! `metrics` crate recommends. Install the recorder before running pipelines: handles
//! registered while no recorder is installed stay no-ops.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, PoisonError};

use metrics::{Counter, Histogram};

use super::{Interceptor, RunEnd};
use crate::context::StageContext;
use crate::fnv::FnvBuildHasher;
use crate::results::{RunStatus, StageResult};
use crate::stage::StageStatus;

/// Histogram of stage durations, in milliseconds.
pub const STAGE_DURATION_MS: &str = "stage_duration_ms";
/// Counter of finished stages.
pub const STAGE_RUNS_TOTAL: &str = "stage_runs_total";
/// Histogram of run durations, in milliseconds.
pub const PIPELINE_DURATION_MS: &str = "pipeline_duration_ms";
/// Counter of finished runs.
pub const PIPELINE_RUNS_TOTAL: &str = "pipeline_runs_total";

/// The labels of one stage series.
#[derive(Debug, Clone, Eq)]
struct StageSeries {
    pipeline: Arc<str>,
    stage: Arc<str>,
    service: Arc<str>,
    status: StageStatus,
}

impl PartialEq for StageSeries {
    fn eq(&self, other: &Self) -> bool {
        // The names are usually the very same `Arc`s: compare pointers before contents.
        let same = |a: &Arc<str>, b: &Arc<str>| Arc::ptr_eq(a, b) || a == b;
        self.status == other.status
            && same(&self.stage, &other.stage)
            && same(&self.pipeline, &other.pipeline)
            && same(&self.service, &other.service)
    }
}

impl Hash for StageSeries {
    /// Hashes the stage and status only (equal series have equal stages and statuses); the
    /// pipeline and service, rarely different between series of one stage name, are compared
    /// on lookup.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.stage.hash(state);
        self.status.hash(state);
    }
}

/// The labels of one run series.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct RunSeries {
    pipeline: Arc<str>,
    service: Arc<str>,
    status: RunStatus,
}

/// A counter and a histogram of the same series.
#[derive(Debug, Clone)]
struct Handles {
    count: Counter,
    duration: Histogram,
}

/// Records stage and pipeline metrics.
#[derive(Debug, Default)]
pub struct MetricsInterceptor {
    stages: Mutex<HashMap<StageSeries, Handles, FnvBuildHasher>>,
    runs: Mutex<HashMap<RunSeries, Handles, FnvBuildHasher>>,
}

impl MetricsInterceptor {
    /// Its priority: outside the retries, so a stage is measured once, retries included.
    pub const PRIORITY: i32 = 20;

    /// The interceptor.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers the units and descriptions of the metrics with the installed recorder. Call it
    /// once, after installing the recorder.
    pub fn describe() {
        use metrics::Unit;
        metrics::describe_histogram!(
            STAGE_DURATION_MS,
            Unit::Milliseconds,
            "Stage execution duration, retries included"
        );
        metrics::describe_counter!(STAGE_RUNS_TOTAL, "Finished stages by status");
        metrics::describe_histogram!(
            PIPELINE_DURATION_MS,
            Unit::Milliseconds,
            "Pipeline execution duration"
        );
        metrics::describe_counter!(PIPELINE_RUNS_TOTAL, "Pipeline runs by service and status");
    }

    fn stage_handles(&self, series: StageSeries) -> Handles {
        let mut stages = self.stages.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(handles) = stages.get(&series) {
            return handles.clone();
        }
        let handles = Handles {
            count: metrics::counter!(
                STAGE_RUNS_TOTAL,
                "pipeline" => Arc::clone(&series.pipeline),
                "stage" => Arc::clone(&series.stage),
                "service" => Arc::clone(&series.service),
                "status" => series.status.as_str(),
            ),
            duration: metrics::histogram!(
                STAGE_DURATION_MS,
                "pipeline" => Arc::clone(&series.pipeline),
                "stage" => Arc::clone(&series.stage),
                "service" => Arc::clone(&series.service),
                "status" => series.status.as_str(),
            ),
        };
        stages.insert(series, handles.clone());
        handles
    }

    fn run_handles(&self, series: RunSeries) -> Handles {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(handles) = runs.get(&series) {
            return handles.clone();
        }
        let handles = Handles {
            count: metrics::counter!(
                PIPELINE_RUNS_TOTAL,
                "pipeline" => Arc::clone(&series.pipeline),
                "service" => Arc::clone(&series.service),
                "status" => series.status.as_str(),
            ),
            duration: metrics::histogram!(
                PIPELINE_DURATION_MS,
                "pipeline" => Arc::clone(&series.pipeline),
                "service" => Arc::clone(&series.service),
                "status" => series.status.as_str(),
            ),
        };
        runs.insert(series, handles.clone());
        handles
    }
}

impl Interceptor for MetricsInterceptor {
    fn name(&self) -> &str {
        "metrics"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn on_stage_end(&self, ctx: &StageContext, result: &StageResult) {
        let run = ctx.run();
        let handles = self.stage_handles(StageSeries {
            pipeline: Arc::clone(&run.info.pipeline),
            stage: Arc::clone(&result.name),
            service: Arc::clone(&run.service),
            status: result.status,
        });
        handles.count.increment(1);
        handles
            .duration
            .record(result.duration.as_secs_f64() * 1000.0);
    }

    fn on_pipeline_end(&self, run: &RunEnd<'_>) {
        let handles = self.run_handles(RunSeries {
            pipeline: Arc::clone(&run.scope.info.pipeline),
            service: Arc::clone(&run.scope.service),
            status: run.status,
        });
        handles.count.increment(1);
        handles.duration.record(run.duration.as_secs_f64() * 1000.0);
    }
}
