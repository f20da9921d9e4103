//! Observability of the use cases: what the application records about each pipeline run
//! ([`RunLogger`]). Metrics, spans and provider-call recording live with what they measure
//! (`stageflow`'s interceptors, `hellosales-providers`); the event sink lives in the store.

pub mod run_logger;

pub use run_logger::{PIPELINE_CANCELLED, QUALITY_MODE_KEY, RunLogger, RunTotals};
