//! Test support for the recording wrapper: a scripted in-process LLM, in-memory and
//! misbehaving record stores, a span/event capturing tracing layer and a metrics recorder.

use async_trait::async_trait;
use futures::stream;
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use hellosales_domain::ports::{
    ChatEvent, ChatRequest, ChatStream, LlmProvider, ProviderCallRecord, ProviderCallStore,
};
use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// `Done`, as a provider that names the answering model says it.
pub fn done(finish_reason: Option<&str>) -> ChatEvent {
    ChatEvent::Done {
        finish_reason: finish_reason.map(str::to_owned),
        model: Some(RESPONSE_MODEL.to_owned()),
    }
}

/// The model the scripted provider says answered.
pub const RESPONSE_MODEL: &str = "llama-3.1-8b-instant-0724";

pub fn delta(text: &str) -> ChatEvent {
    ChatEvent::Delta(text.to_owned())
}

pub fn usage(prompt_tokens: u32, completion_tokens: u32) -> ChatEvent {
    ChatEvent::Usage {
        prompt_tokens,
        completion_tokens,
    }
}

pub fn provider_error(failure: ProviderFailure, message: &str) -> AppError {
    AppError::Provider {
        provider: "groq".to_owned(),
        operation: "llm".to_owned(),
        failure,
        message: message.to_owned(),
    }
}

/// One step of a scripted stream.
pub enum Step {
    /// Wait (on tokio's clock).
    Sleep(Duration),
    /// Yield this event.
    Event(ChatEvent),
    /// Yield this error (the stream then ends).
    Fail(AppError),
    /// Never yield again.
    Hang,
}

/// What the fake answers to one `chat_stream` call.
pub enum Script {
    /// A stream of these steps.
    Stream(Vec<Step>),
    /// The request is refused with this error.
    Refuse(AppError),
}

/// An LLM that plays one script per call and logs a line from inside its stream.
pub struct FakeLlm {
    name: &'static str,
    scripts: Mutex<VecDeque<Script>>,
}

impl FakeLlm {
    pub fn new(name: &'static str, scripts: Vec<Script>) -> Arc<Self> {
        Arc::new(Self {
            name,
            scripts: Mutex::new(scripts.into()),
        })
    }
}

#[async_trait]
impl LlmProvider for FakeLlm {
    fn name(&self) -> &str {
        self.name
    }

    async fn chat_stream(&self, _request: ChatRequest) -> AppResult<ChatStream> {
        let script = self.scripts.lock().unwrap().pop_front();
        let steps = match script.expect("a script for every call") {
            Script::Refuse(err) => return Err(err),
            Script::Stream(steps) => steps,
        };
        Ok(Box::pin(stream::unfold(
            steps.into_iter(),
            |mut steps| async move {
                loop {
                    match steps.next()? {
                        Step::Sleep(duration) => tokio::time::sleep(duration).await,
                        Step::Event(event) => {
                            tracing::info!(fake.event = ?event, "fake provider yields");
                            return Some((Ok(event), steps));
                        }
                        Step::Fail(err) => return Some((Err(err), steps)),
                        Step::Hang => futures::future::pending::<()>().await,
                    }
                }
            },
        )))
    }
}

/// Keeps records in memory. With a gate, each write first waits for a permit.
#[derive(Default)]
pub struct MemoryStore {
    records: Mutex<Vec<ProviderCallRecord>>,
    gate: Option<Semaphore>,
}

impl MemoryStore {
    /// A store whose writes wait until [`open`](Self::open).
    pub fn gated() -> Self {
        Self {
            records: Mutex::default(),
            gate: Some(Semaphore::new(0)),
        }
    }

    pub fn open(&self) {
        if let Some(gate) = &self.gate {
            gate.add_permits(1_000);
        }
    }

    pub fn records(&self) -> Vec<ProviderCallRecord> {
        self.records.lock().unwrap().clone()
    }

    /// The one record written; fails when there are more or none.
    pub fn only(&self) -> ProviderCallRecord {
        let records = self.records();
        assert_eq!(
            records.len(),
            1,
            "exactly one record per attempt: {records:#?}"
        );
        records.into_iter().next().unwrap()
    }
}

#[async_trait]
impl ProviderCallStore for MemoryStore {
    async fn record(&self, call: &ProviderCallRecord) -> AppResult<()> {
        if let Some(gate) = &self.gate {
            drop(gate.acquire().await.unwrap());
        }
        self.records.lock().unwrap().push(call.clone());
        Ok(())
    }
}

/// A store whose database is always down.
pub struct FailingStore;

#[async_trait]
impl ProviderCallStore for FailingStore {
    async fn record(&self, _call: &ProviderCallRecord) -> AppResult<()> {
        Err(AppError::ServiceUnavailable {
            message: "the database is unavailable; retry later".to_owned(),
        })
    }
}

/// A span or event as captured: its name (the message for events) and fields as text.
#[derive(Clone, Debug, Default)]
pub struct Captured {
    pub name: String,
    pub fields: BTreeMap<String, String>,
    /// For events: the name of the span they happened in.
    pub parent: Option<String>,
}

impl Captured {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

impl Visit for Captured {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.fields
            .insert(field.name().to_owned(), format!("{value:?}"));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.fields
            .insert(field.name().to_owned(), value.to_owned());
    }
}

/// Captures closed spans and events.
#[derive(Clone, Default)]
pub struct Capture {
    open: Arc<Mutex<HashMap<u64, Captured>>>,
    pub closed: Arc<Mutex<Vec<Captured>>>,
    pub events: Arc<Mutex<Vec<Captured>>>,
}

impl Capture {
    pub fn closed_span(&self, name: &str) -> Captured {
        let closed = self.closed.lock().unwrap();
        let spans: Vec<&Captured> = closed.iter().filter(|s| s.name == name).collect();
        assert_eq!(spans.len(), 1, "one closed {name} span: {closed:#?}");
        spans[0].clone()
    }

    pub fn events(&self) -> Vec<Captured> {
        self.events.lock().unwrap().clone()
    }
}

impl<S> tracing_subscriber::Layer<S> for Capture
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _ctx: Context<'_, S>) {
        let mut span = Captured {
            name: attrs.metadata().name().to_owned(),
            ..Captured::default()
        };
        attrs.record(&mut span);
        self.open.lock().unwrap().insert(id.into_u64(), span);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(span) = self.open.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(span);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut captured = Captured {
            parent: ctx.event_span(event).map(|s| s.name().to_owned()),
            ..Captured::default()
        };
        event.record(&mut captured);
        captured.name = captured.fields.remove("message").unwrap_or_default();
        self.events.lock().unwrap().push(captured);
    }

    fn on_close(&self, id: Id, _ctx: Context<'_, S>) {
        if let Some(span) = self.open.lock().unwrap().remove(&id.into_u64()) {
            self.closed.lock().unwrap().push(span);
        }
    }
}

/// Records every metric update as `kind name{labels} value`.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Mutex<Vec<String>>>);

impl Metrics {
    pub fn lines(&self) -> Vec<String> {
        let mut lines = self.0.lock().unwrap().clone();
        lines.sort();
        lines
    }

    fn handle(&self, kind: &str, key: &Key) -> Arc<MetricHandle> {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        Arc::new(MetricHandle {
            lines: Arc::clone(&self.0),
            prefix: format!("{kind} {}{{{}}}", key.name(), labels.join(",")),
        })
    }
}

struct MetricHandle {
    lines: Arc<Mutex<Vec<String>>>,
    prefix: String,
}

impl CounterFn for MetricHandle {
    fn increment(&self, value: u64) {
        let line = format!("{} {value}", self.prefix);
        self.lines.lock().unwrap().push(line);
    }

    fn absolute(&self, value: u64) {
        self.increment(value);
    }
}

impl HistogramFn for MetricHandle {
    fn record(&self, value: f64) {
        let line = format!("{} {value}", self.prefix);
        self.lines.lock().unwrap().push(line);
    }
}

impl Recorder for Metrics {
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
