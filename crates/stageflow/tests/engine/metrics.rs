//! Metrics through the `metrics` facade, with a thread-local test recorder.

use std::sync::{Arc, Mutex};

use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use stageflow::{
    ContextSnapshot, FnStage, Pipeline, RunOptions, StageKind, StageOutput, StageSpec,
};

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

/// Records every metric update as `kind name{labels} value`.
#[derive(Default)]
struct Updates(Mutex<Vec<String>>);

struct Handle {
    updates: Arc<Updates>,
    line: String,
}

impl CounterFn for Handle {
    fn increment(&self, value: u64) {
        self.updates
            .0
            .lock()
            .unwrap()
            .push(format!("{} {value}", self.line));
    }

    fn absolute(&self, value: u64) {
        self.increment(value);
    }
}

impl HistogramFn for Handle {
    fn record(&self, _value: f64) {
        self.updates.0.lock().unwrap().push(self.line.clone());
    }
}

struct TestRecorder(Arc<Updates>);

impl TestRecorder {
    fn handle(&self, kind: &str, key: &Key) -> Arc<Handle> {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        Arc::new(Handle {
            updates: Arc::clone(&self.0),
            line: format!("{kind} {}{{{}}}", key.name(), labels.join(",")),
        })
    }
}

impl Recorder for TestRecorder {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(self.handle("counter", key))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(self.handle("histogram", key))
    }
}

#[tokio::test]
async fn metrics_count_stages_and_runs_by_status() {
    let updates = Arc::new(Updates::default());
    let recorder = TestRecorder(Arc::clone(&updates));
    let _guard = metrics::set_default_local_recorder(&recorder);
    pipeline().run(snapshot(), RunOptions::new()).await.unwrap();
    let mut lines = updates.0.lock().unwrap().clone();
    lines.sort();
    assert_eq!(
        lines,
        [
            "counter pipeline_runs_total{pipeline=chat,service=chat,status=completed} 1",
            "counter stage_runs_total{pipeline=chat,service=chat,stage=guard,status=ok} 1",
            "counter stage_runs_total{pipeline=chat,service=chat,stage=llm,status=ok} 1",
            "histogram pipeline_duration_ms{pipeline=chat,service=chat,status=completed}",
            "histogram stage_duration_ms{pipeline=chat,service=chat,stage=guard,status=ok}",
            "histogram stage_duration_ms{pipeline=chat,service=chat,stage=llm,status=ok}",
        ]
    );
}
