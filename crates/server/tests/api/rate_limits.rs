//! Per-user rate limits: the REST budget and its headers, one user's budget leaving others
//! alone, chat and generation budgets over WebSocket and HTTP (nothing stored or started over
//! them), buckets shared through Redis by two instances, and an unreachable Redis.

use crate::chat_ws::chat_app;
use crate::helpers::{Reply, TestApp, assert_error, backends, unique};
use crate::ws_client::{WsClient, frame, kinds};
use hellosales_fake_providers::{FakeProviderServer, Reply as LlmReply};
use hellosales_store::entities::{interactions, pipeline_runs, sales_scripts};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

/// A closed port: nothing listens on 127.0.0.1:1.
const UNREACHABLE_REDIS: &str = "redis://127.0.0.1:1";

/// The rate-limit headers of a reply: limit, remaining, reset, policy.
fn rate_headers(reply: &Reply) -> (Option<&str>, Option<&str>, Option<&str>, Option<&str>) {
    (
        reply.header("ratelimit-limit"),
        reply.header("ratelimit-remaining"),
        reply.header("ratelimit-reset"),
        reply.header("ratelimit-policy"),
    )
}

/// `Retry-After`, as seconds.
fn retry_after(reply: &Reply) -> u64 {
    reply
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no Retry-After in {:?}", reply.headers))
}

#[tokio::test]
async fn a_spent_rest_budget_answers_429_with_retry_after_and_ratelimit_headers() {
    for backend in backends() {
        let app = TestApp::spawn_with(&backend, &[("RATE_LIMIT_REQUESTS_PER_MINUTE", "3")]).await;
        let tenant = app.tenant("rl-rest");
        for remaining in ["2", "1", "0"] {
            let reply = app.get_ok("/api/v1/products", &tenant.member).await;
            let (limit, left, reset, policy) = rate_headers(&reply);
            assert_eq!(limit, Some("3"), "{backend:?}");
            assert_eq!(left, Some(remaining), "{backend:?}");
            assert!(
                reset
                    .and_then(|r| r.parse::<u64>().ok())
                    .is_some_and(|r| r <= 60)
            );
            assert_eq!(policy, Some("3;w=60;name=\"requests\""));
            assert!(reply.header("retry-after").is_none());
        }

        let refused = app.get_as("/api/v1/products", &tenant.member).await;
        let headers = refused.headers().clone();
        let body = assert_error(refused, 429, "RATE_LIMITED").await;
        assert_eq!(body["retryable"], true, "{body}");
        let reply = Reply {
            status: 429,
            headers,
            body,
        };
        // One request every 20 s; the wait is rounded up to whole seconds.
        let wait = retry_after(&reply);
        assert!((1..=20).contains(&wait), "Retry-After {wait}");
        assert_eq!(reply.body["details"]["retry_after_seconds"], wait);
        let (limit, left, reset, policy) = rate_headers(&reply);
        assert_eq!((limit, left), (Some("3"), Some("0")));
        assert!(
            reset
                .and_then(|r| r.parse::<u64>().ok())
                .is_some_and(|r| r > 40 && r <= 60)
        );
        assert_eq!(policy, Some("3;w=60;name=\"requests\""));
        // Refused before the handler: a write over the budget creates nothing.
        let create = Reply::read(
            app.post_json(
                "/api/v1/products",
                &tenant.member,
                &json!({ "name": "Nope" }),
            )
            .await,
        )
        .await;
        assert_eq!(create.status, 429);

        // Another user of the organization, and a user of another organization: untouched.
        let other = app.tenant("rl-rest-other");
        for token in [&tenant.admin, &other.member] {
            let reply = app.get_ok("/api/v1/products", token).await;
            assert_eq!(
                reply.header("ratelimit-remaining"),
                Some("2"),
                "{backend:?}"
            );
        }
        let listed = app.get_ok("/api/v1/products", &tenant.admin).await;
        assert_eq!(
            listed.body["items"],
            json!([]),
            "the refused create stored nothing"
        );

        // Unauthenticated requests are not counted, and not refused for the user's budget.
        for path in ["/health", "/openapi.json"] {
            let reply = Reply::read(app.get(path, None).await).await.expect(200);
            assert!(reply.header("ratelimit-limit").is_none(), "{path}");
        }
        assert_error(app.get("/api/v1/products", None).await, 401, "UNAUTHORIZED").await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_budget_of_zero_is_not_limited() {
    let backend = &backends()[0];
    let app = TestApp::spawn_with(backend, &[("RATE_LIMIT_REQUESTS_PER_MINUTE", "0")]).await;
    let tenant = app.tenant("rl-off");
    for _ in 0..5 {
        let reply = app.get_ok("/api/v1/products", &tenant.member).await;
        assert!(reply.header("ratelimit-limit").is_none());
    }
    app.cleanup().await;
}

async fn session_interactions(app: &TestApp, session: Uuid) -> Vec<interactions::Model> {
    interactions::Entity::find()
        .filter(interactions::Column::SessionId.eq(session))
        .all(app.state.store().connection())
        .await
        .unwrap()
}

async fn runs_of_session(app: &TestApp, session: Uuid) -> u64 {
    pipeline_runs::Entity::find()
        .filter(pipeline_runs::Column::SessionId.eq(session))
        .count(app.state.store().connection())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_chat_over_budget_answers_an_error_frame_and_stores_nothing() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(LlmReply::text(["Ask ", "about ", "budgets."]));
        let app = chat_app(&backend, &fake, &[("RATE_LIMIT_CHAT_PER_MINUTE", "1")]).await;
        let tenant = app.tenant("rl-chat");
        let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;

        let frames = ws.chat("How do I open?", "m-1").await;
        assert_eq!(
            kinds(&frames).last().map(String::as_str),
            Some("chat.complete")
        );
        let session: Uuid = frame(&frames, "chat.ack")["payload"]["session_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("session id");
        assert_eq!(session_interactions(&app, session).await.len(), 2);

        let frames = ws.chat("And then?", "m-2").await;
        assert_eq!(kinds(&frames), ["error"], "{backend:?}: {frames:?}");
        let error = &frames[0]["payload"];
        assert_eq!(error["code"], "RATE_LIMITED", "{error}");
        assert_eq!(error["retryable"], true);
        assert_eq!(error["message_id"], "m-2");
        let wait = error["retry_after"].as_u64().expect("retry_after");
        assert!((1..=60).contains(&wait), "{error}");
        assert_eq!(error["details"]["retry_after_seconds"], wait);

        // The socket stays open.
        ws.send("ping", json!({ "n": 1 })).await;
        assert_eq!(ws.recv().await["type"], "pong");

        // Over HTTP the same budget is spent: 429 before the stream, nothing stored.
        let refused = Reply::read(
            app.post_json(
                &format!("/api/v1/sessions/{session}/messages"),
                &tenant.member,
                &json!({ "content": "Over HTTP?", "message_id": "m-3" }),
            )
            .await,
        )
        .await;
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert_eq!(refused.body["code"], "RATE_LIMITED");
        assert!(retry_after(&refused) >= 1);
        assert_eq!(
            refused.header("ratelimit-policy"),
            Some("1;w=60;name=\"chat\"")
        );

        let stored = session_interactions(&app, session).await;
        assert_eq!(
            stored.len(),
            2,
            "{backend:?}: only the first turn is stored"
        );
        assert_eq!(runs_of_session(&app, session).await, 1, "no run started");
        app.cleanup().await;
    }
}

/// A script answer as the model writes it.
fn script_answer() -> LlmReply {
    LlmReply::text([json!({
        "content": "Hi {{first_name}}, a quick call about LedgerFlow.",
        "key_talking_points": ["Cuts reporting time"],
        "objection_handlers": [],
        "discovery_questions": ["How do you report today?"],
        "closing_techniques": ["Propose a pilot"],
    })
    .to_string()])
}

async fn scripts_of(app: &TestApp, product: &str) -> u64 {
    let product: Uuid = product.parse().expect("product id");
    sales_scripts::Entity::find()
        .filter(sales_scripts::Column::ProductId.eq(product))
        .count(app.state.store().connection())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_generation_over_budget_answers_429_and_generates_nothing() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(script_answer());
        let app = chat_app(
            &backend,
            &fake,
            &[("RATE_LIMIT_GENERATIONS_PER_MINUTE", "1")],
        )
        .await;
        let tenant = app.tenant("rl-gen");
        let product = app
            .create(
                "/api/v1/products",
                &tenant.member,
                &json!({ "name": "LedgerFlow" }),
            )
            .await
            .id();
        let brief = json!({ "product_id": product, "script_type": "cold_call" });
        Reply::read(
            app.post_json("/api/v1/scripts/generate", &tenant.member, &brief)
                .await,
        )
        .await
        .expect(201);

        for path in ["/api/v1/scripts/generate", "/api/v1/emails/generate"] {
            let response = app.post_json(path, &tenant.member, &brief).await;
            let headers = response.headers().clone();
            let body = assert_error(response, 429, "RATE_LIMITED").await;
            let reply = Reply {
                status: 429,
                headers,
                body,
            };
            let wait = retry_after(&reply);
            assert!((1..=60).contains(&wait), "{path}: Retry-After {wait}");
            assert_eq!(
                reply.header("ratelimit-policy"),
                Some("1;w=60;name=\"generations\""),
                "{path}"
            );
            assert_eq!(reply.header("ratelimit-remaining"), Some("0"));
        }

        // Over WebSocket too, and the socket stays open.
        let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
        let mut frame_payload = brief.clone();
        frame_payload["message_id"] = Value::from("g-2");
        ws.send("generate.script", frame_payload).await;
        let error = ws.recv().await;
        assert_eq!(error["type"], "error", "{error}");
        assert_eq!(error["payload"]["code"], "RATE_LIMITED");
        assert_eq!(error["payload"]["message_id"], "g-2");
        assert!(
            error["payload"]["retry_after"]
                .as_u64()
                .is_some_and(|s| s >= 1)
        );
        ws.send("ping", json!({})).await;
        assert_eq!(ws.recv().await["type"], "pong");

        assert_eq!(scripts_of(&app, &product).await, 1, "{backend:?}");
        // Another user of the organization still has their generation.
        fake.push(script_answer());
        Reply::read(
            app.post_json("/api/v1/scripts/generate", &tenant.admin, &brief)
                .await,
        )
        .await
        .expect(201);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn redis_buckets_are_shared_by_instances() {
    // The test command sets TEST_REDIS_URL; without Redis this test fails rather than skips.
    let redis_url = std::env::var("TEST_REDIS_URL")
        .expect("TEST_REDIS_URL: the shared rate limit test needs Redis");
    for backend in backends() {
        let prefix = format!("{}:", unique("hs-test-rl"));
        let first = TestApp::spawn_with(
            &backend,
            &[
                ("REDIS_URL", &redis_url),
                ("RATE_LIMIT_REDIS_PREFIX", &prefix),
                ("RATE_LIMIT_REQUESTS_PER_MINUTE", "3"),
            ],
        )
        .await;
        let second = first.sibling().await;
        let tenant = first.tenant("rl-redis");

        let spent = first.get_ok("/api/v1/products", &tenant.member).await;
        assert_eq!(spent.header("ratelimit-remaining"), Some("2"));
        let spent = first.get_ok("/api/v1/products", &tenant.member).await;
        assert_eq!(spent.header("ratelimit-remaining"), Some("1"));
        // The second instance sees the first one's spending.
        let seen = second.get_ok("/api/v1/products", &tenant.member).await;
        assert_eq!(seen.header("ratelimit-remaining"), Some("0"), "{backend:?}");
        let refused = Reply::read(second.get_as("/api/v1/products", &tenant.member).await).await;
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert_eq!(refused.body["code"], "RATE_LIMITED");
        assert!(retry_after(&refused) >= 1);
        let refused = Reply::read(first.get_as("/api/v1/products", &tenant.member).await).await;
        assert_eq!(refused.status, 429, "and the first sees the second's");

        // The bucket lives under the prefix, with a TTL of at most a minute and a second.
        let client = redis::Client::open(redis_url.as_str()).unwrap();
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{prefix}*"))
            .query_async(&mut connection)
            .await
            .unwrap();
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(
            keys[0].starts_with(&format!("{prefix}requests:")),
            "{keys:?}"
        );
        let ttl: i64 = redis::cmd("PTTL")
            .arg(&keys[0])
            .query_async(&mut connection)
            .await
            .unwrap();
        assert!(ttl > 0 && ttl <= 61_000, "PTTL {ttl}");
        let _: i64 = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut connection)
            .await
            .unwrap();

        second.cleanup().await;
        first.cleanup().await;
    }
}

#[tokio::test]
async fn an_unreachable_redis_still_serves_requests() {
    let backend = &backends()[0];
    let app = TestApp::spawn_with(
        backend,
        &[
            ("REDIS_URL", UNREACHABLE_REDIS),
            ("RATE_LIMIT_REQUESTS_PER_MINUTE", "3"),
        ],
    )
    .await;
    let tenant = app.tenant("rl-down");
    // Served, and still limited, by this instance's own buckets.
    for remaining in ["2", "1", "0"] {
        let reply = app.get_ok("/api/v1/products", &tenant.member).await;
        assert_eq!(reply.header("ratelimit-remaining"), Some(remaining));
    }
    let refused = Reply::read(app.get_as("/api/v1/products", &tenant.member).await).await;
    assert_eq!(refused.status, 429, "{}", refused.body);

    let metrics_addr = app.metrics_addr.expect("metrics are enabled by default");
    let scrape = app
        .client
        .get(format!("http://{metrics_addr}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let errors = scrape
        .lines()
        .find(|line| line.starts_with(r#"rate_limit_backend_errors_total{backend="redis"}"#))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no rate_limit_backend_errors_total in:\n{scrape}"));
    assert!(errors >= 1.0, "{errors}");
    app.cleanup().await;
}
