//! The interceptor chain: priority order, hooks, short-circuits and fallbacks.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use stageflow::interceptors::{
    Around, ErrorAction, Interceptor, Next, RetryConfig, RetryInterceptor, RunEnd, RunStart,
};
use stageflow::{Pipeline, RunStatus, StageContext, StageError, StageOutput, StageStatus};

use crate::support::{Log, run, spec, stage};

#[derive(Debug)]
struct Recorder {
    name: &'static str,
    priority: i32,
    log: Log,
}

impl Interceptor for Recorder {
    fn name(&self) -> &str {
        self.name
    }

    fn priority(&self) -> i32 {
        self.priority
    }

    fn before(&self, ctx: &StageContext) -> Result<(), StageError> {
        self.log
            .push(format!("{} before {}", self.name, ctx.stage_name()));
        Ok(())
    }

    fn around<'a>(&'a self, _ctx: &'a StageContext, next: Next<'a>) -> Around<'a> {
        Around::Wrap(Box::pin(async move {
            self.log.push(format!("{} around in", self.name));
            let output = next.run().await;
            self.log.push(format!("{} around out", self.name));
            output
        }))
    }

    fn after(&self, _ctx: &StageContext, output: &mut StageOutput) {
        self.log
            .push(format!("{} after {}", self.name, output.status));
    }

    fn on_pipeline_start(&self, run: &RunStart<'_>) {
        self.log
            .push(format!("{} start {}", self.name, run.pipeline));
    }

    fn on_pipeline_end(&self, run: &RunEnd<'_>) {
        self.log.push(format!("{} end {}", self.name, run.status));
    }
}

#[tokio::test]
async fn interceptors_nest_by_priority_lower_outside() {
    let log = Log::default();
    let recorder = |name, priority| {
        Arc::new(Recorder {
            name,
            priority,
            log: log.clone(),
        }) as Arc<dyn Interceptor>
    };
    let stage_log = log.clone();
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "work",
            stage(move |_| {
                stage_log.push("stage");
                async { Ok(StageOutput::ok()) }
            }),
        ))
        .interceptors(vec![recorder("inner", 20), recorder("outer", 10)])
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    outcome.unwrap();
    assert_eq!(
        log.entries(),
        [
            "outer start p",
            "inner start p",
            "outer before work",
            "outer around in",
            "inner before work",
            "inner around in",
            "stage",
            "inner around out",
            "inner after ok",
            "outer around out",
            "outer after ok",
            "outer end completed",
            "inner end completed",
        ]
    );
}

#[derive(Debug)]
struct Deny;

impl Interceptor for Deny {
    fn name(&self) -> &str {
        "deny"
    }

    fn priority(&self) -> i32 {
        0
    }

    fn before(&self, ctx: &StageContext) -> Result<(), StageError> {
        match ctx.snapshot().user_id {
            Some(_) => Ok(()),
            None => Err(StageError::new("UNAUTHENTICATED", "no user")),
        }
    }
}

#[derive(Debug)]
struct Fallback;

impl Interceptor for Fallback {
    fn name(&self) -> &str {
        "fallback"
    }

    fn priority(&self) -> i32 {
        10
    }

    fn on_error(&self, _ctx: &StageContext, error: &StageError, attempt: u32) -> ErrorAction {
        assert_eq!(attempt, 1);
        ErrorAction::Fallback(StageOutput::ok().with("fallback_for", error.code()))
    }
}

#[tokio::test]
async fn before_short_circuits_and_on_error_can_fall_back() {
    let log = Log::default();
    let denied = Pipeline::builder("p")
        .stage(spec("work", log.stage("work")))
        .interceptors(vec![Arc::new(Deny)])
        .build()
        .unwrap();
    let (outcome, _) = run(&denied).await;
    assert_eq!(outcome.unwrap_err().stage(), Some("work"));
    assert!(log.entries().is_empty(), "the stage never ran");

    let rescued = Pipeline::builder("p")
        .stage(spec(
            "llm",
            stage(|_| async { Err(StageError::new("PROVIDER_DOWN", "down")) }),
        ))
        .interceptors(vec![Arc::new(Fallback)])
        .build()
        .unwrap();
    let (outcome, _) = run(&rescued).await;
    let results = outcome.unwrap();
    let llm = results.get("llm").unwrap();
    assert_eq!(llm.status, StageStatus::Ok);
    assert_eq!(llm.data["fallback_for"], "PROVIDER_DOWN");
}

#[tokio::test]
async fn pipeline_hooks_see_failures() {
    let log = Log::default();
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            stage(|_| async { Err(StageError::new("E", "e")) }),
        ))
        .interceptors(vec![Arc::new(Recorder {
            name: "r",
            priority: 0,
            log: log.clone(),
        })])
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    assert!(outcome.is_err());
    assert_eq!(
        log.entries().last().map(String::as_str),
        Some("r end failed")
    );
    assert_eq!(RunStatus::Failed.as_str(), "failed");
}

/// Records the `duration` of every output its `after` sees.
#[derive(Debug)]
struct Durations {
    priority: i32,
    seen: Arc<std::sync::Mutex<Vec<Duration>>>,
}

impl Durations {
    fn new(priority: i32) -> Self {
        Self {
            priority,
            seen: Arc::default(),
        }
    }

    fn seen(&self) -> Vec<Duration> {
        self.seen.lock().unwrap().clone()
    }
}

impl Interceptor for Durations {
    fn name(&self) -> &str {
        "durations"
    }

    fn priority(&self) -> i32 {
        self.priority
    }

    fn after(&self, _ctx: &StageContext, output: &mut StageOutput) {
        self.seen.lock().unwrap().push(output.duration);
    }
}

#[tokio::test(start_paused = true)]
async fn after_hooks_see_the_duration_of_their_call() {
    let calls = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&calls);
    let (inner, outer) = (Arc::new(Durations::new(45)), Arc::new(Durations::new(10)));
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            stage(move |_| {
                let call = counter.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    // The stage's own figure is ignored: the engine measures.
                    let claimed = Duration::from_secs(99);
                    if call == 1 {
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        let mut output = StageOutput::retry("busy");
                        output.duration = claimed;
                        Ok(output)
                    } else {
                        tokio::time::sleep(Duration::from_secs(3)).await;
                        let mut output = StageOutput::ok();
                        output.duration = claimed;
                        Ok(output)
                    }
                }
            }),
        ))
        .interceptors(vec![
            Arc::new(RetryInterceptor::new(RetryConfig {
                max_attempts: 2,
                base_delay: Duration::from_secs(1),
                jitter: false,
                ..RetryConfig::default()
            })),
            Arc::clone(&inner) as Arc<dyn Interceptor>,
            Arc::clone(&outer) as Arc<dyn Interceptor>,
        ])
        .build()
        .unwrap();
    let (outcome, _) = run(&pipeline).await;
    let results = outcome.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    let secs = Duration::from_secs;
    assert_eq!(
        inner.seen(),
        [secs(2), secs(3)],
        "inside the retries: each attempt"
    );
    assert_eq!(
        outer.seen(),
        [secs(6)],
        "outside: both attempts and the backoff"
    );
    assert_eq!(results.get("llm").unwrap().duration, secs(6));
}

#[tokio::test]
async fn a_fallback_keeps_the_events_of_the_failed_output() {
    let pipeline = Pipeline::builder("p")
        .stage(spec(
            "llm",
            stage(|_| async {
                Ok(StageOutput::fail(StageError::new("PROVIDER_DOWN", "down"))
                    .with_event("llm.attempt", serde_json::json!({ "ok": false })))
            }),
        ))
        .interceptors(vec![Arc::new(Fallback)])
        .build()
        .unwrap();
    let (outcome, sink) = run(&pipeline).await;
    assert_eq!(outcome.unwrap().get("llm").unwrap().status, StageStatus::Ok);
    let attempts = sink.of_type("llm.attempt");
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].data()["stage"], "llm");
}
