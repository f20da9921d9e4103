//! Tracing spans. A separate test binary with a single test: tracing caches callsite interest
//! process-wide, so a subscriber must not race with runs on other test threads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use stageflow::{
    ContextSnapshot, FnStage, Pipeline, RunOptions, StageKind, StageOutput, StageSpec,
};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};

fn pipeline() -> Pipeline {
    let noop = || FnStage::new(|_| async { Ok(StageOutput::ok()) });
    Pipeline::builder("chat")
        .stage(StageSpec::new("guard", noop(), StageKind::Guard))
        .stage(StageSpec::new("llm", noop(), StageKind::Transform).depends_on(["guard"]))
        .build()
        .unwrap()
}

fn snapshot() -> ContextSnapshot {
    ContextSnapshot::new()
        .with_request_id("req-7")
        .with_service("chat")
}

/// Records each span as `name(field=value, ...) < parent name`.
#[derive(Default)]
struct Spans {
    next: AtomicU64,
    spans: Mutex<Vec<(String, Option<u64>)>>,
    stack: Mutex<Vec<u64>>,
}

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
}

/// The subscriber side of [`Spans`].
struct SpanRecorder(Arc<Spans>);

impl Subscriber for SpanRecorder {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields(Vec::new());
        attributes.record(&mut fields);
        fields.0.retain(|f| {
            ["pipeline=", "stage=", "request_id="]
                .iter()
                .any(|p| f.starts_with(p))
        });
        let spans = &self.0;
        let parent = attributes
            .parent()
            .map(Id::into_u64)
            .or_else(|| spans.stack.lock().unwrap().last().copied());
        let id = spans.next.fetch_add(1, Ordering::SeqCst);
        let line = format!("{}({})", attributes.metadata().name(), fields.0.join(", "));
        spans.spans.lock().unwrap().push((line, parent));
        Id::from_u64(id + 1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, span: &Id) {
        self.0.stack.lock().unwrap().push(span.into_u64());
    }

    fn exit(&self, _: &Id) {
        self.0.stack.lock().unwrap().pop();
    }
}

impl Spans {
    fn described(&self) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        spans
            .iter()
            .map(|(line, parent)| match parent {
                Some(parent) => format!("{line} < {}", spans[(*parent - 1) as usize].0),
                None => line.clone(),
            })
            .collect()
    }
}

#[tokio::test]
async fn a_span_per_run_and_per_stage_carrying_the_ids() {
    let spans = Arc::new(Spans::default());
    let _guard = tracing::subscriber::set_default(SpanRecorder(Arc::clone(&spans)));
    pipeline().run(snapshot(), RunOptions::new()).await.unwrap();
    let pipeline_span = "pipeline(pipeline=chat, request_id=req-7)";
    assert_eq!(
        spans.described(),
        [
            pipeline_span.to_owned(),
            format!("stage(stage=guard, pipeline=chat, request_id=req-7) < {pipeline_span}"),
            format!("stage(stage=llm, pipeline=chat, request_id=req-7) < {pipeline_span}"),
        ]
    );
}
