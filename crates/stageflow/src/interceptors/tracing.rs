//! [`TracingInterceptor`]: a `stage` span around each stage.
//!
//! The `pipeline` span around the whole run is opened by the scheduler itself (it must enclose
//! every stage, which no per-stage interceptor can do), so it exists with or without this
//! interceptor. Stage spans are its children. Both carry the run's ids, and the
//! `otel.name` / `otel.status_code` fields that OpenTelemetry layers read (`pipeline {name}`,
//! `stage {name}`).

use tracing::Instrument;
use tracing::field::{Empty, display};

use super::{Around, Interceptor, Next};
use crate::context::StageContext;
use crate::stage::StageStatus;

/// Opens an `INFO` span named `stage` around each stage (retries included), with the fields
/// `stage`, `kind`, `pipeline`, `pipeline_run_id`, `request_id` and, once finished, `status`;
/// OpenTelemetry exports it as `stage {name}` (status `ERROR` when the stage failed).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingInterceptor;

impl TracingInterceptor {
    /// Its priority: the outermost default interceptor, so the span covers every attempt.
    pub const PRIORITY: i32 = 10;

    /// The interceptor.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }
}

impl Interceptor for TracingInterceptor {
    fn name(&self) -> &str {
        "tracing"
    }

    fn priority(&self) -> i32 {
        Self::PRIORITY
    }

    fn around<'a>(&'a self, ctx: &'a StageContext, next: Next<'a>) -> Around<'a> {
        let snapshot = ctx.snapshot();
        let span = tracing::info_span!(
            "stage",
            otel.name = %format_args!("stage {}", ctx.stage_name()),
            otel.status_code = Empty,
            stage = ctx.stage_name(),
            kind = ctx.stage_kind().as_str(),
            pipeline = ctx.pipeline_name(),
            pipeline_run_id = %snapshot.pipeline_run_id,
            request_id = snapshot.request_id.as_deref(),
            status = Empty,
        );
        if span.is_disabled() {
            return Around::Continue(next);
        }
        Around::Wrap(Box::pin(async move {
            let output = next.run().instrument(span.clone()).await;
            span.record("status", display(output.status));
            if output.status == StageStatus::Fail {
                span.record("otel.status_code", "ERROR");
            }
            output
        }))
    }
}
