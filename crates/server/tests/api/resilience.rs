//! Resilience of the LLM routes as the server wires them, against the fake provider server:
//! retryable refusals are retried (each attempt its own `provider_calls` row) with backoff and
//! at least the provider's `Retry-After`; a breaker per provider and model opens after
//! `CIRCUIT_BREAKER_FAILURE_THRESHOLD` failures, fails fast or goes to the fallback, half-opens
//! after `CIRCUIT_BREAKER_OPEN_SECONDS`, closes on a good probe, and its state is a Prometheus
//! gauge; a chat run records its retries and the breaker's opening as events.

use crate::chat_ws::chat_app;
use crate::helpers::{Backend, TestApp};
use crate::ws_client::{WsClient, frame};
use hellosales_domain::ports::{AiService, CallContext, ChatMessage, ChatRequest};
use hellosales_domain::{AppError, ExternalIdentity, Role};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_providers::{RouteNotice, RouteObserver};
use hellosales_store::entities::{pipeline_events, pipeline_runs, provider_calls};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use std::sync::Mutex;
use std::time::Duration;
use uuid::Uuid;

const GROQ_KEY: &str = "gsk_test_resilience_SECRET";
const GEMINI_KEY: &str = "AIzaTest_resilience_SECRET";

/// The notices of the router, in order, as owned values.
#[derive(Debug, Clone, PartialEq)]
enum Noticed {
    Retry {
        attempt: u32,
        delay: Duration,
        code: String,
    },
    FellBack {
        from: String,
        to: String,
        code: String,
    },
    Opened {
        key: String,
        failures: usize,
    },
    Closed {
        key: String,
    },
    Rejected {
        key: String,
    },
}

#[derive(Default)]
struct Notices(Mutex<Vec<Noticed>>);

impl Notices {
    fn take(&self) -> Vec<Noticed> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

impl RouteObserver for Notices {
    fn notice(&self, notice: RouteNotice<'_>) {
        let owned = match notice {
            RouteNotice::RetryScheduled {
                attempt,
                delay,
                error_code,
                ..
            } => Noticed::Retry {
                attempt,
                delay,
                code: error_code.to_owned(),
            },
            RouteNotice::FellBack {
                from_provider,
                to_provider,
                error_code,
                ..
            } => Noticed::FellBack {
                from: from_provider.to_owned(),
                to: to_provider.to_owned(),
                code: error_code.to_owned(),
            },
            RouteNotice::CircuitOpened { key, failures, .. } => Noticed::Opened {
                key: key.to_owned(),
                failures,
            },
            RouteNotice::CircuitClosed { key } => Noticed::Closed {
                key: key.to_owned(),
            },
            RouteNotice::CircuitRejected { key, .. } => Noticed::Rejected {
                key: key.to_owned(),
            },
        };
        self.0.lock().unwrap().push(owned);
    }
}

/// An app on groq at the fake (and gemini as its fallback when `fallback`), with a model of
/// its own so that its breaker and gauge are its own.
async fn app(fake: &FakeProviderServer, fallback: bool, extra: &[(&str, &str)]) -> TestApp {
    let openai = fake.openai_base_url();
    let gemini = fake.gemini_base_url();
    let model = format!("model-{}", Uuid::new_v4().simple());
    let mut env = vec![
        ("LLM_PROVIDER", "groq"),
        ("LLM_MODEL", model.as_str()),
        ("GROQ_API_KEY", GROQ_KEY),
        ("GROQ_BASE_URL", openai.as_str()),
        ("LLM_RETRY_BASE_DELAY_MS", "1"),
    ];
    if fallback {
        env.extend([
            ("LLM_FALLBACK_PROVIDER", "gemini"),
            ("GEMINI_API_KEY", GEMINI_KEY),
            ("GEMINI_BASE_URL", gemini.as_str()),
        ]);
    }
    env.extend_from_slice(extra);
    TestApp::spawn_with(&Backend::Sqlite, &env).await
}

/// The breaker key of `app`'s primary route.
fn primary_key(app: &TestApp) -> String {
    format!("groq:{}", app.state.ai().llm().primary().model)
}

async fn context(app: &TestApp) -> CallContext {
    let resolved = app
        .state
        .identities()
        .resolve(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", Uuid::new_v4().simple()),
            email: None,
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap();
    CallContext::new(AiService::Chat).for_tenant(resolved.org_id, resolved.user_id)
}

fn request() -> ChatRequest {
    ChatRequest::new(String::new(), vec![ChatMessage::user("Say hello.")])
}

/// Asks `app`'s routes once, to the end of the answer.
async fn ask(app: &TestApp, notices: &Notices) -> Result<String, AppError> {
    let context = context(app).await;
    let stream = app
        .state
        .ai()
        .llm()
        .chat_stream_observed(&context, request(), notices)
        .await?;
    Ok(stream.into_completion().await?.content)
}

async fn recorded_calls(app: &TestApp) -> Vec<(String, bool, Option<String>)> {
    app.state.ai().llm().flush().await;
    provider_calls::Entity::find()
        .order_by_asc(provider_calls::Column::StartedAt)
        .all(app.state.store().connection())
        .await
        .unwrap()
        .into_iter()
        .map(|call| (call.provider, call.success, call.error_code))
        .collect()
}

async fn gauge(app: &TestApp, key: &str) -> Option<String> {
    let addr = app.metrics_addr.expect("metrics are enabled by default");
    let body = app
        .client
        .get(format!("http://{addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let series = format!("circuit_breaker_state{{key=\"{key}\"}} ");
    body.lines()
        .find_map(|line| line.strip_prefix(&series).map(str::to_owned))
}

#[tokio::test]
async fn a_retryable_refusal_is_retried_and_each_attempt_is_a_row() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::server_error());
    fake.push(Reply::text(["Second ", "try."]));
    let app = app(&fake, false, &[]).await;
    let notices = Notices::default();

    assert_eq!(ask(&app, &notices).await.unwrap(), "Second try.");
    let retries = notices.take();
    assert!(
        matches!(
            retries.as_slice(),
            [Noticed::Retry { attempt: 1, code, .. }] if code == "PROVIDER_SERVER_ERROR"
        ),
        "{retries:?}"
    );
    assert_eq!(
        recorded_calls(&app).await,
        [
            (
                "groq".to_owned(),
                false,
                Some("PROVIDER_SERVER_ERROR".to_owned())
            ),
            ("groq".to_owned(), true, None),
        ]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_refusal_is_retried_up_to_the_attempt_limit_only() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.set_default(Reply::server_error());
    let app = app(&fake, false, &[("LLM_RETRY_MAX_ATTEMPTS", "2")]).await;
    let notices = Notices::default();
    let error = ask(&app, &notices).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_SERVER_ERROR");
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(notices.take().len(), 1, "one retry between two attempts");
    app.cleanup().await;
}

#[tokio::test]
async fn a_request_the_provider_refuses_as_bad_is_not_retried() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::error(400, "no such model"));
    let app = app(&fake, false, &[]).await;
    let error = ask(&app, &Notices::default()).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_BAD_REQUEST");
    assert_eq!(fake.requests().len(), 1);
    app.cleanup().await;
}

#[tokio::test]
async fn a_rate_limit_waits_at_least_its_retry_after() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::rate_limited(1));
    fake.push(Reply::text(["Later."]));
    let app = app(&fake, false, &[]).await;
    let notices = Notices::default();
    assert_eq!(ask(&app, &notices).await.unwrap(), "Later.");
    match notices.take().as_slice() {
        [Noticed::Retry { delay, code, .. }] => {
            assert_eq!(code, "PROVIDER_RATE_LIMITED");
            assert!(*delay >= Duration::from_secs(1), "waited {delay:?}");
        }
        other => panic!("{other:?}"),
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_retry_after_beyond_the_largest_delay_goes_straight_to_the_fallback() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::rate_limited(30));
    fake.push(Reply::text(["From Gemini."]));
    let app = app(&fake, true, &[("LLM_RETRY_MAX_DELAY_MS", "500")]).await;
    let notices = Notices::default();
    assert_eq!(ask(&app, &notices).await.unwrap(), "From Gemini.");
    assert_eq!(
        notices.take(),
        [Noticed::FellBack {
            from: "groq".to_owned(),
            to: "gemini".to_owned(),
            code: "PROVIDER_RATE_LIMITED".to_owned(),
        }]
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].header("x-goog-api-key"), Some(GEMINI_KEY));
    app.cleanup().await;
}

#[tokio::test]
async fn the_breaker_opens_fails_fast_half_opens_and_closes() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.set_default(Reply::server_error());
    let app = app(
        &fake,
        false,
        &[
            ("LLM_RETRY_MAX_ATTEMPTS", "1"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "3"),
            ("CIRCUIT_BREAKER_OPEN_SECONDS", "1"),
        ],
    )
    .await;
    let key = primary_key(&app);
    let notices = Notices::default();
    for _ in 0..3 {
        let error = ask(&app, &notices).await.unwrap_err();
        assert_eq!(error.code(), "PROVIDER_SERVER_ERROR");
    }
    assert_eq!(
        notices.take(),
        [Noticed::Opened {
            key: key.clone(),
            failures: 3
        }]
    );
    assert_eq!(gauge(&app, &key).await.as_deref(), Some("1"), "open");

    // Open: refused at once, without asking the provider.
    let error = ask(&app, &notices).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_CIRCUIT_OPEN");
    assert!(error.retryable());
    assert_eq!(fake.requests().len(), 3);
    assert_eq!(notices.take(), [Noticed::Rejected { key: key.clone() }]);

    // After the open time, one probe goes through; it succeeds and the breaker closes.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    fake.set_default(Reply::text(["Back."]));
    assert_eq!(ask(&app, &notices).await.unwrap(), "Back.");
    assert_eq!(notices.take(), [Noticed::Closed { key: key.clone() }]);
    assert_eq!(gauge(&app, &key).await.as_deref(), Some("0"), "closed");
    assert_eq!(ask(&app, &notices).await.unwrap(), "Back.");
    assert_eq!(fake.requests().len(), 5);
    app.cleanup().await;
}

#[tokio::test]
async fn a_failed_probe_opens_the_breaker_again() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.set_default(Reply::server_error());
    let app = app(
        &fake,
        false,
        &[
            ("LLM_RETRY_MAX_ATTEMPTS", "1"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1"),
            ("CIRCUIT_BREAKER_OPEN_SECONDS", "1"),
        ],
    )
    .await;
    let key = primary_key(&app);
    let notices = Notices::default();
    assert!(ask(&app, &notices).await.is_err());
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let error = ask(&app, &notices).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_SERVER_ERROR", "the probe asked");
    let error = ask(&app, &notices).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_CIRCUIT_OPEN", "open again");
    assert_eq!(fake.requests().len(), 2);
    assert_eq!(
        notices.take(),
        [
            Noticed::Opened {
                key: key.clone(),
                failures: 1
            },
            Noticed::Opened {
                key: key.clone(),
                failures: 1
            },
            Noticed::Rejected { key },
        ]
    );
    app.cleanup().await;
}

#[tokio::test]
async fn an_open_breaker_sends_calls_to_the_fallback() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.push(Reply::server_error());
    fake.push(Reply::text(["Gemini one."]));
    fake.push(Reply::text(["Gemini two."]));
    let app = app(
        &fake,
        true,
        &[
            ("LLM_RETRY_MAX_ATTEMPTS", "1"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "1"),
        ],
    )
    .await;
    let key = primary_key(&app);
    let notices = Notices::default();
    assert_eq!(ask(&app, &notices).await.unwrap(), "Gemini one.");
    assert_eq!(ask(&app, &notices).await.unwrap(), "Gemini two.");
    let fell_back = |code: &str| Noticed::FellBack {
        from: "groq".to_owned(),
        to: "gemini".to_owned(),
        code: code.to_owned(),
    };
    assert_eq!(
        notices.take(),
        [
            Noticed::Opened {
                key: key.clone(),
                failures: 1
            },
            fell_back("PROVIDER_SERVER_ERROR"),
            Noticed::Rejected { key },
            fell_back("PROVIDER_CIRCUIT_OPEN"),
        ]
    );
    let sent = fake.requests();
    assert_eq!(sent.len(), 3, "the open breaker asked groq nothing");
    assert_eq!(sent[2].header("x-goog-api-key"), Some(GEMINI_KEY));
    app.cleanup().await;
}

#[tokio::test]
async fn a_chat_run_records_its_retries_and_the_breaker_opening() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.set_default(Reply::server_error());
    let app = chat_app(
        &Backend::Sqlite,
        &fake,
        &[
            ("LLM_RETRY_BASE_DELAY_MS", "1"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2"),
        ],
    )
    .await;
    let tenant = app.tenant("resilience");
    let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
    let frames = ws.chat("Hello?", "m-1").await;
    let error = &frame(&frames, "error")["payload"];
    assert_eq!(error["code"], "PROVIDER_SERVER_ERROR", "{error}");
    assert_eq!(
        fake.requests().len(),
        2,
        "the breaker opened on the second failure, so there was no third attempt"
    );
    let session: Uuid = frame(&frames, "chat.ack")["payload"]["session_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the session id");
    let run_id = pipeline_runs::Entity::find()
        .filter(pipeline_runs::Column::SessionId.eq(session))
        .one(app.state.store().connection())
        .await
        .unwrap()
        .expect("the run")
        .id;

    app.state.ai().shutdown().await;
    let events = pipeline_events::Entity::find()
        .filter(pipeline_events::Column::PipelineRunId.eq(run_id))
        .order_by_asc(pipeline_events::Column::OccurredAt)
        .all(app.state.store().connection())
        .await
        .unwrap();
    let of = |name: &str| {
        events
            .iter()
            .filter(|event| event.event_type == name)
            .filter_map(|event| event.event_data.clone())
            .collect::<Vec<_>>()
    };
    let retries = of("llm.retry_scheduled");
    assert_eq!(retries.len(), 1, "{events:?}");
    assert_eq!(retries[0]["error_code"], "PROVIDER_SERVER_ERROR");
    assert_eq!(retries[0]["stage"], "llm");
    let opened = of("circuit.opened");
    assert_eq!(opened.len(), 1, "{events:?}");
    assert_eq!(
        opened[0]["key"],
        format!("groq:{}", app.state.ai().llm().primary().model)
    );
    assert_eq!(opened[0]["failures"], 2);
    app.cleanup().await;
}
