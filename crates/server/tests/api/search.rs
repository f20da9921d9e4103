//! Semantic search and memory end to end, with embeddings from the fake provider's
//! bag-of-words hashing mode over real HTTP (texts sharing words are closer): every kind is
//! indexed and the expected item comes first; `kind`, `session_id` and `limit` filter; a PATCH
//! re-embeds; archived, superseded and deleted content drops out; another organization sees
//! nothing and its session is 404; bad parameters are 422 per field; `none` answers 503;
//! embedding calls are `provider_calls` rows; a failed pass is retried; the background indexer
//! runs on its own; a chat recalls an early matching message beyond the summary cutoff, and a
//! failed lookup does not fail the turn.

use crate::helpers::{
    Backend, Reply as HttpReply, Tenant, TestApp, assert_error, assert_fields, backends, items,
};
use crate::ws_client::{WsClient, frame};
use hellosales_app::semantic::IndexReport;
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_store::entities::{pipeline_events, pipeline_runs, provider_calls};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

const EMBEDDING_KEY: &str = "sk-embed-test-key-never-stored";
const LLM_KEY: &str = "gsk_search_test_key";
const MODEL: &str = "fake-embed";

/// A server whose embeddings come from `embeddings` (hashed mode) and whose LLM is Groq on
/// `llm`; the background indexer waits an hour unless `extra` says otherwise, so that tests
/// index when they choose to.
struct SearchApp {
    app: TestApp,
    embeddings: FakeProviderServer,
    llm: FakeProviderServer,
}

impl SearchApp {
    async fn start(backend: &Backend, extra: &[(&str, &str)]) -> Self {
        let embeddings = FakeProviderServer::start().await.unwrap();
        embeddings.set_default(Reply::hashed_embeddings(256));
        let llm = FakeProviderServer::start().await.unwrap();
        let (embedding_url, llm_url) = (embeddings.openai_base_url(), llm.openai_base_url());
        let mut env: Vec<(&str, &str)> = extra.to_vec();
        env.extend([
            ("EMBEDDING_PROVIDER", "openai"),
            ("EMBEDDING_BASE_URL", embedding_url.as_str()),
            ("EMBEDDING_API_KEY", EMBEDDING_KEY),
            ("EMBEDDING_MODEL", MODEL),
            ("EMBEDDING_INDEX_INTERVAL_MS", "3600000"),
            ("LLM_PROVIDER", "groq"),
            ("GROQ_API_KEY", LLM_KEY),
            ("GROQ_BASE_URL", llm_url.as_str()),
        ]);
        let app = TestApp::spawn_with(backend, &env).await;
        Self {
            app,
            embeddings,
            llm,
        }
    }

    /// Indexes everything waiting; nothing may fail.
    async fn index(&self) -> IndexReport {
        let report = self.try_index().await;
        assert_eq!(report.failed, 0, "{report:?}");
        report
    }

    async fn try_index(&self) -> IndexReport {
        self.app
            .state
            .semantic()
            .expect("semantic search is on")
            .indexer
            .index_pending()
            .await
    }

    /// `GET /api/v1/search?{query}`, expecting 200.
    async fn search(&self, token: &str, query: &str) -> Value {
        self.app
            .get_ok(&format!("/api/v1/search?{query}"), token)
            .await
            .body
    }

    async fn create(&self, path: &str, token: &str, body: Value) -> String {
        self.app.create(path, token, &body).await.id()
    }
}

/// `q` (and the rest) URL-encoded enough for the tests' texts.
fn q(text: &str) -> String {
    format!("q={}", text.replace(' ', "%20"))
}

fn first(body: &Value) -> &Value {
    items(body)
        .first()
        .unwrap_or_else(|| panic!("no results in {body}"))
}

fn result_ids(body: &Value) -> Vec<String> {
    items(body)
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Two products, two clients, two scripts, two emails of `tenant`; their ids by name.
async fn catalogue(
    s: &SearchApp,
    tenant: &Tenant,
) -> std::collections::HashMap<&'static str, String> {
    let token = &tenant.member;
    let mut ids = std::collections::HashMap::new();
    ids.insert(
        "zephyr",
        s.create(
            "/api/v1/products",
            token,
            json!({"name": "Zephyr Analytics", "category": "software",
                   "description": "Revenue forecasting dashboards for finance teams.",
                   "key_features": ["pipeline forecasts", "alerts"]}),
        )
        .await,
    );
    ids.insert(
        "nimbus",
        s.create(
            "/api/v1/products",
            token,
            json!({"name": "Nimbus Vault", "description": "Encrypted cloud backups for hospitals."}),
        )
        .await,
    );
    ids.insert(
        "ada",
        s.create(
            "/api/v1/clients",
            token,
            json!({"name": "Ada Lovelace", "company": "Acme Bakery", "industry": "food",
                   "pain_points": ["flour prices", "delivery delays"]}),
        )
        .await,
    );
    ids.insert(
        "grace",
        s.create(
            "/api/v1/clients",
            token,
            json!({"name": "Grace Hopper", "company": "Navy Logistics",
                   "pain_points": ["fleet maintenance"]}),
        )
        .await,
    );
    ids.insert(
        "cfo",
        s.create(
            "/api/v1/scripts",
            token,
            json!({"name": "Opening for CFOs",
                   "content": "Ask the CFO about the quarterly budget approval cycle."}),
        )
        .await,
    );
    ids.insert(
        "demo",
        s.create(
            "/api/v1/scripts",
            token,
            json!({"name": "Demo walkthrough", "content": "Show the mobile onboarding flow."}),
        )
        .await,
    );
    ids.insert(
        "renewal",
        s.create(
            "/api/v1/emails",
            token,
            json!({"name": "Renewal reminder", "subject": "Your subscription renewal",
                   "body": "The renewal invoice is attached; reply with questions."}),
        )
        .await,
    );
    ids.insert(
        "lisbon",
        s.create(
            "/api/v1/emails",
            token,
            json!({"name": "Conference invite", "subject": "Meet us in Lisbon",
                   "body": "Join our booth at the summit."}),
        )
        .await,
    );
    ids
}

/// One chat turn over the WebSocket; answers the session id.
async fn chat(s: &SearchApp, ws: &mut WsClient, text: &str, answer: &str, id: &str) -> String {
    s.llm.push(Reply::text([answer]));
    let frames = ws.chat(text, id).await;
    frame(&frames, "chat.complete")["payload"]["session_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no chat.complete in {frames:?}"))
        .to_owned()
}

#[tokio::test]
async fn every_kind_is_indexed_and_the_expected_item_comes_first() {
    for backend in backends() {
        let s = SearchApp::start(&backend, &[]).await;
        let tenant = s.app.tenant("search");
        let ids = catalogue(&s, &tenant).await;
        let (mut ws, _) = WsClient::authenticated(&s.app, &tenant.member).await;
        let session = chat(
            &s,
            &mut ws,
            "Remind me about the Zurich warehouse expansion",
            "Will do.",
            "m-1",
        )
        .await;

        let report = s.index().await;
        assert_eq!(report.embedded, 10, "8 items and 2 messages: {report:?}");
        assert_eq!(s.index().await.embedded, 0, "nothing left to embed");

        for (query, kind, expected) in [
            ("encrypted cloud backups", "product", &ids["nimbus"]),
            ("flour prices at the bakery", "client", &ids["ada"]),
            ("quarterly budget approval", "script", &ids["cfo"]),
            ("renewal invoice", "email", &ids["renewal"]),
        ] {
            let body = s.search(&tenant.admin, &q(query)).await;
            let best = first(&body);
            assert_eq!(best["id"], expected.as_str(), "{backend:?} {query}: {body}");
            assert_eq!(best["kind"], kind);
            assert!(best.get("session_id").is_none(), "{best}");
            assert_eq!(body["model_id"], MODEL);
            let scores: Vec<f64> = items(&body)
                .iter()
                .map(|i| i["score"].as_f64().unwrap())
                .collect();
            assert!(
                scores.windows(2).all(|w| w[0] >= w[1]),
                "best first: {scores:?}"
            );
            assert!(scores[0] > 0.3 && scores[0] <= 1.0, "{scores:?}");
            assert!(best["created_at"].as_str().is_some());
        }
        let body = s.search(&tenant.admin, &q("flour prices")).await;
        let ada = first(&body);
        assert_eq!(ada["title"], "Ada Lovelace");
        assert_eq!(
            ada["snippet"],
            "Company: Acme Bakery Industry: food Pain points: flour prices; delivery delays"
        );

        // The chat message is the member's: found by them, with its session.
        let body = s.search(&tenant.member, &q("Zurich warehouse")).await;
        let message = first(&body);
        assert_eq!(message["kind"], "interaction");
        assert_eq!(message["session_id"], session.as_str());
        assert_eq!(message["title"], "user message #1");
        assert_eq!(
            message["snippet"],
            "Remind me about the Zurich warehouse expansion"
        );
        let admins = s.search(&tenant.admin, &q("Zurich warehouse")).await;
        assert!(
            items(&admins).iter().all(|i| i["kind"] != "interaction"),
            "sessions are private to their user: {admins}"
        );

        // Filters.
        let emails = s
            .search(
                &tenant.member,
                &format!("{}&kind=email", q("cloud backups")),
            )
            .await;
        assert_eq!(items(&emails).len(), 2);
        assert!(
            items(&emails).iter().all(|i| i["kind"] == "email"),
            "{emails}"
        );
        let in_session = s
            .search(
                &tenant.member,
                &format!("{}&session_id={session}&kind=interaction", q("expansion")),
            )
            .await;
        assert_eq!(items(&in_session).len(), 2, "the question and the answer");
        assert!(
            items(&in_session)
                .iter()
                .all(|i| i["session_id"] == session.as_str())
        );
        let one = s
            .search(&tenant.member, &format!("{}&limit=1", q("backups")))
            .await;
        assert_eq!(items(&one).len(), 1);
        let all = s
            .search(&tenant.member, &format!("{}&limit=50", q("backups")))
            .await;
        assert_eq!(items(&all).len(), 10, "every item of the organization");

        s.app.cleanup().await;
    }
}

#[tokio::test]
async fn changes_are_re_embedded_and_removed_content_drops_out() {
    for backend in backends() {
        let s = SearchApp::start(&backend, &[]).await;
        let tenant = s.app.tenant("reembed");
        let token = &tenant.admin;
        let zephyr = s
            .create(
                "/api/v1/products",
                token,
                json!({"name": "Zephyr", "description": "Dashboards."}),
            )
            .await;
        let nimbus = s
            .create(
                "/api/v1/products",
                token,
                json!({"name": "Nimbus", "description": "Backups."}),
            )
            .await;
        s.index().await;
        let telescopes = q("quantum telescopes for observatories");
        let before = s.search(token, &telescopes).await;
        assert!(first(&before)["score"].as_f64().unwrap() < 0.1, "{before}");

        let path = format!("/api/v1/products/{nimbus}");
        HttpReply::read(
            s.app
                .patch_json(
                    &path,
                    token,
                    &json!({"description": "Quantum telescopes for observatories."}),
                    None,
                )
                .await,
        )
        .await
        .expect(200);
        let report = s.index().await;
        assert_eq!((report.embedded, report.confirmed), (1, 0), "{report:?}");
        let after = s.search(token, &telescopes).await;
        assert_eq!(first(&after)["id"], nimbus.as_str(), "{after}");
        assert!(first(&after)["score"].as_f64().unwrap() > 0.5, "{after}");

        // A change of what is not embedded (the price) confirms the vector without a call.
        let calls = s.embeddings.requests().len();
        HttpReply::read(
            s.app
                .patch_json(&path, token, &json!({"pricing_info": {"seat": 900}}), None)
                .await,
        )
        .await
        .expect(200);
        let report = s.index().await;
        assert_eq!((report.embedded, report.confirmed), (0, 1), "{report:?}");
        assert_eq!(s.embeddings.requests().len(), calls, "no embedding call");

        // A script's edit is its next version: only the latest is found.
        let v1 = s
            .create(
                "/api/v1/scripts",
                token,
                json!({"name": "Opener", "content": "Talk about llamas."}),
            )
            .await;
        s.index().await;
        let v2 = HttpReply::read(
            s.app
                .patch_json(
                    &format!("/api/v1/scripts/{v1}"),
                    token,
                    &json!({"content": "Talk about alpacas."}),
                    None,
                )
                .await,
        )
        .await
        .expect(201)
        .id();
        let report = s.index().await;
        assert_eq!((report.embedded, report.purged), (1, 1), "{report:?}");
        let scripts = s
            .search(token, &format!("{}&kind=script", q("llamas alpacas")))
            .await;
        assert_eq!(result_ids(&scripts), std::slice::from_ref(&v2));

        // Archived and deleted content is no longer found.
        HttpReply::read(
            s.app
                .delete_as(&format!("/api/v1/products/{zephyr}"), token)
                .await,
        )
        .await
        .expect(204);
        HttpReply::read(s.app.delete_as(&format!("{path}?hard=true"), token).await)
            .await
            .expect(204);
        HttpReply::read(
            s.app
                .delete_as(&format!("/api/v1/scripts/{v2}"), token)
                .await,
        )
        .await
        .expect(204);
        let gone = s.search(token, &q("dashboards telescopes alpacas")).await;
        assert!(items(&gone).is_empty(), "before the purge already: {gone}");
        assert_eq!(s.index().await.purged, 3);
        s.app.cleanup().await;
    }
}

#[tokio::test]
async fn another_organization_never_sees_the_items_or_the_sessions() {
    for backend in backends() {
        let s = SearchApp::start(&backend, &[]).await;
        let acme = s.app.tenant("acme");
        let globex = s.app.tenant("globex");
        let secret = s
            .create(
                "/api/v1/products",
                &acme.admin,
                json!({"name": "Zephyr secret roadmap"}),
            )
            .await;
        let theirs = s
            .create(
                "/api/v1/clients",
                &globex.admin,
                json!({"name": "Globex buyer"}),
            )
            .await;
        let (mut ws, _) = WsClient::authenticated(&s.app, &acme.member).await;
        let session = chat(&s, &mut ws, "Zephyr roadmap questions", "Sure.", "m-1").await;
        s.index().await;

        let body = s
            .search(
                &globex.admin,
                &format!("{}&limit=50", q("Zephyr secret roadmap")),
            )
            .await;
        assert_eq!(
            result_ids(&body),
            std::slice::from_ref(&theirs),
            "only their own: {body}"
        );
        let body = s
            .search(&acme.member, &format!("{}&limit=50", q("Globex buyer")))
            .await;
        assert!(!result_ids(&body).contains(&theirs), "{body}");
        assert!(result_ids(&body).contains(&secret));

        let path = format!("/api/v1/search?q=roadmap&session_id={session}");
        assert_error(
            s.app.get_as(&path, &globex.admin).await,
            404,
            "SESSION_NOT_FOUND",
        )
        .await;
        assert_error(
            s.app.get_as(&path, &acme.admin).await,
            404,
            "SESSION_NOT_FOUND",
        )
        .await;
        let missing = format!("/api/v1/search?q=roadmap&session_id={}", Uuid::now_v7());
        assert_error(
            s.app.get_as(&missing, &acme.member).await,
            404,
            "SESSION_NOT_FOUND",
        )
        .await;
        s.app.get_ok(&path, &acme.member).await;
        s.app.cleanup().await;
    }
}

#[tokio::test]
async fn bad_parameters_answer_validation_errors_per_field() {
    let s = SearchApp::start(&Backend::Sqlite, &[]).await;
    let tenant = s.app.tenant("validation");
    let token = &tenant.member;
    let long = "x".repeat(501);
    let session = Uuid::now_v7();
    for (query, expected) in [
        ("", vec![("q", "required")]),
        ("q=%20%20", vec![("q", "required")]),
        (&format!("q={long}") as &str, vec![("q", "too_long")]),
        ("q=x&kind=document", vec![("kind", "unknown_variant")]),
        ("q=x&session_id=nope", vec![("session_id", "invalid_uuid")]),
        ("q=x&limit=0", vec![("limit", "out_of_range")]),
        ("q=x&limit=51", vec![("limit", "out_of_range")]),
        (
            &format!("q=x&kind=product&session_id={session}"),
            vec![("session_id", "not_applicable")],
        ),
        (
            "kind=nope&limit=99",
            vec![
                ("q", "required"),
                ("kind", "unknown_variant"),
                ("limit", "out_of_range"),
            ],
        ),
    ] {
        let response = s
            .app
            .get_as(&format!("/api/v1/search?{query}"), token)
            .await;
        assert_fields(response, &expected).await;
    }
    assert_error(
        s.app.get_as("/api/v1/search?q=x&limit=many", token).await,
        400,
        "BAD_REQUEST",
    )
    .await;
    assert_error(
        s.app.get("/api/v1/search?q=x", None).await,
        401,
        "UNAUTHORIZED",
    )
    .await;
    let ok = s.search(token, "q=x&limit=50&kind=interaction").await;
    assert!(items(&ok).is_empty());
    assert!(
        s.embeddings.requests().is_empty(),
        "nothing to rank: no embedding call"
    );
    s.app.cleanup().await;
}

#[tokio::test]
async fn without_embeddings_search_answers_embeddings_not_configured() {
    let app = TestApp::spawn(&Backend::Sqlite).await;
    assert!(app.state.semantic().is_none());
    let tenant = app.tenant("off");
    let body = assert_error(
        app.get_as("/api/v1/search?q=pricing", &tenant.member).await,
        503,
        "EMBEDDINGS_NOT_CONFIGURED",
    )
    .await;
    assert_eq!(body["retryable"], false);

    let spec: Value = app.get("/openapi.json", None).await.json().await.unwrap();
    let operation = &spec["paths"]["/api/v1/search"]["get"];
    assert_eq!(operation["tags"], json!(["search"]), "{operation}");
    let params: Vec<&str> = operation["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["q", "kind", "session_id", "limit"]);
    for status in ["200", "404", "422", "503"] {
        assert!(
            operation["responses"][status].is_object(),
            "{status}: {operation}"
        );
    }
    let schemas = &spec["components"]["schemas"];
    assert!(
        schemas["SearchResults"]["properties"]["model_id"].is_object(),
        "{schemas}"
    );
    assert!(schemas["SearchHit"]["properties"]["snippet"].is_object());
    assert!(schemas["SearchKind"]["enum"].as_array().unwrap().len() == 5);
    app.cleanup().await;
}

/// The embedding calls recorded so far, oldest first.
async fn embedding_calls(app: &TestApp) -> Vec<provider_calls::Model> {
    app.state.ai().shutdown().await;
    provider_calls::Entity::find()
        .filter(provider_calls::Column::Operation.eq("embedding"))
        .order_by_asc(provider_calls::Column::StartedAt)
        .all(app.state.store().connection())
        .await
        .unwrap()
}

#[tokio::test]
async fn embedding_calls_are_recorded_and_a_failed_pass_is_retried() {
    for backend in backends() {
        let s = SearchApp::start(&backend, &[]).await;
        let tenant = s.app.tenant("calls");
        s.create("/api/v1/products", &tenant.admin, json!({"name": "Zephyr"}))
            .await;
        s.create("/api/v1/clients", &tenant.admin, json!({"name": "Ada"}))
            .await;

        s.embeddings.push(Reply::server_error());
        let failed = s.try_index().await;
        assert_eq!((failed.embedded, failed.failed), (1, 1), "{failed:?}");
        assert_eq!(s.index().await.embedded, 1, "retried at the next pass");
        let body = s.search(&tenant.admin, "q=Zephyr").await;
        assert_eq!(first(&body)["title"], "Zephyr");

        let sent = s.embeddings.requests();
        assert!(sent.iter().all(|r| r.path == "/v1/embeddings"));
        assert_eq!(
            sent[0].header("authorization"),
            Some(format!("Bearer {EMBEDDING_KEY}").as_str())
        );
        assert_eq!(sent.last().unwrap().body["input"], json!(["Zephyr"]));

        let calls = embedding_calls(&s.app).await;
        assert_eq!(
            calls.len(),
            4,
            "two passes of two kinds (one failed), and the search"
        );
        let org = calls[0].org_id;
        assert!(org.is_some());
        for call in &calls {
            assert_eq!(call.provider, "openai");
            assert_eq!(call.model_id.as_deref(), Some(MODEL));
            assert_eq!(call.service, "embedding");
            assert_eq!(call.org_id, org, "the organization pays its calls");
            assert!(!format!("{call:?}").contains(EMBEDDING_KEY));
        }
        assert_eq!(calls.iter().filter(|c| !c.success).count(), 1);
        assert_eq!(
            calls
                .iter()
                .find(|c| !c.success)
                .unwrap()
                .error_code
                .as_deref(),
            Some("PROVIDER_SERVER_ERROR")
        );
        let search = calls.last().unwrap();
        assert!(
            search.user_id.is_some() && search.request_id.is_some(),
            "{search:?}"
        );
        assert_eq!(search.prompt_messages, Some(json!(["Zephyr"])));
        s.app.cleanup().await;
    }
}

#[tokio::test]
async fn the_background_indexer_embeds_new_items_on_its_own() {
    let s = SearchApp::start(&Backend::Sqlite, &[("EMBEDDING_INDEX_INTERVAL_MS", "50")]).await;
    let tenant = s.app.tenant("background");
    let id = s
        .create(
            "/api/v1/products",
            &tenant.admin,
            json!({"name": "Zephyr dashboards"}),
        )
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let body = s.search(&tenant.admin, "q=dashboards").await;
        if result_ids(&body) == [id.clone()] {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never indexed: {body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    s.app.cleanup().await;
}

/// Settings of the memory tests: a summary after three turns, keeping the last two messages,
/// so that the fourth prompt starts at message 5.
const MEMORY_SETTINGS: &[(&str, &str)] =
    &[("SUMMARY_THRESHOLD", "3"), ("SUMMARY_KEEP_LAST_N", "2")];

/// Three turns, the summary of the first four messages, and the index brought up to date;
/// answers the session id.
async fn conversation_with_summary(s: &SearchApp, ws: &mut WsClient) -> String {
    chat(
        s,
        ws,
        "Remember: the Zephyr enterprise plan costs 900 euros per seat.",
        "Noted.",
        "m-1",
    )
    .await;
    chat(
        s,
        ws,
        "The bakery downstairs sells croissants.",
        "Nice.",
        "m-2",
    )
    .await;
    s.llm.push(Reply::text(["Okay."]));
    s.llm.push(Reply::text(["SUMMARY: small talk."]));
    let frames = ws.chat("Let us talk about something else.", "m-3").await;
    let session = frame(&frames, "chat.complete")["payload"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    s.app.state.chat().summaries().idle().await;
    assert_eq!(s.index().await.embedded, 6);
    session
}

/// The system prompt and the messages of the LLM request `index`.
fn prompt(s: &SearchApp, index: usize) -> (String, Vec<String>) {
    let sent = s.llm.requests();
    let messages = sent[index].body["messages"].as_array().unwrap();
    let system = messages[0]["content"].as_str().unwrap().to_owned();
    let rest = messages[1..]
        .iter()
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    (system, rest)
}

async fn run_events(
    app: &TestApp,
    session: &str,
) -> (pipeline_runs::Model, Vec<pipeline_events::Model>) {
    app.state.ai().events().flush().await;
    let db = app.state.store().connection();
    let run = pipeline_runs::Entity::find()
        .filter(pipeline_runs::Column::SessionId.eq(session.parse::<Uuid>().unwrap()))
        .order_by_desc(pipeline_runs::Column::StartedAt)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let events = pipeline_events::Entity::find()
        .filter(pipeline_events::Column::PipelineRunId.eq(run.id))
        .all(db)
        .await
        .unwrap();
    (run, events)
}

#[tokio::test]
async fn a_chat_recalls_an_early_matching_message_beyond_the_summary_cutoff() {
    for backend in backends() {
        let s = SearchApp::start(&backend, MEMORY_SETTINGS).await;
        let tenant = s.app.tenant("memory");
        let (mut ws, _) = WsClient::authenticated(&s.app, &tenant.member).await;
        let session = conversation_with_summary(&s, &mut ws).await;

        chat(
            &s,
            &mut ws,
            "How much is the Zephyr enterprise plan per seat?",
            "900 euros.",
            "m-4",
        )
        .await;
        let (system, dialogue) = prompt(&s, 4);
        assert!(system.contains("SUMMARY: small talk."), "{system}");
        assert!(system.contains("Relevant earlier messages"), "{system}");
        assert!(
            system.contains(
                "- [message 1] Rep: Remember: the Zephyr enterprise plan costs 900 euros per seat."
            ),
            "{system}"
        );
        assert!(
            !system.contains("croissants"),
            "an unrelated message is not recalled: {system}"
        );
        assert!(!system.contains("Noted."), "{system}");
        assert_eq!(
            dialogue,
            [
                "Let us talk about something else.",
                "Okay.",
                "How much is the Zephyr enterprise plan per seat?"
            ],
            "the history after the cutoff, then the message"
        );

        let (run, events) = run_events(&s.app, &session).await;
        assert_eq!(run.status, "completed");
        let recalled: Vec<&pipeline_events::Model> = events
            .iter()
            .filter(|e| e.event_type == "memory.recalled")
            .collect();
        assert_eq!(recalled.len(), 1, "{backend:?}");
        assert_eq!(
            recalled[0].event_data.as_ref().unwrap()["sequence_numbers"],
            json!([1])
        );
        // The new message's embedding is a call of the chat run.
        let calls = embedding_calls(&s.app).await;
        let of_run: Vec<_> = calls
            .iter()
            .filter(|c| c.pipeline_run_id == Some(run.id))
            .collect();
        assert_eq!(of_run.len(), 1);
        assert_eq!(of_run[0].service, "chat");
        assert_eq!(
            of_run[0].session_id.map(|id| id.to_string()),
            Some(session.clone())
        );

        // The first turns had nothing before them: no recall, no embedding call.
        let (first_system, _) = prompt(&s, 0);
        assert!(!first_system.contains("Relevant earlier messages"));
        s.app.cleanup().await;
    }
}

#[tokio::test]
async fn a_failed_memory_lookup_does_not_fail_the_turn() {
    for backend in backends() {
        let s = SearchApp::start(&backend, MEMORY_SETTINGS).await;
        let tenant = s.app.tenant("forgetful");
        let (mut ws, _) = WsClient::authenticated(&s.app, &tenant.member).await;
        let session = conversation_with_summary(&s, &mut ws).await;

        s.embeddings.push(Reply::server_error());
        chat(
            &s,
            &mut ws,
            "How much is the Zephyr enterprise plan per seat?",
            "I do not recall.",
            "m-4",
        )
        .await;
        let (system, _) = prompt(&s, 4);
        assert!(!system.contains("Relevant earlier messages"), "{system}");
        assert!(system.contains("SUMMARY: small talk."));

        let (run, events) = run_events(&s.app, &session).await;
        assert_eq!(run.status, "completed", "{backend:?}");
        let failed: Vec<&pipeline_events::Model> = events
            .iter()
            .filter(|e| e.event_type == "memory.lookup_failed")
            .collect();
        assert_eq!(failed.len(), 1, "{events:?}");
        assert_eq!(
            failed[0].event_data.as_ref().unwrap()["code"],
            "PROVIDER_SERVER_ERROR"
        );
        assert!(events.iter().all(|e| e.event_type != "memory.recalled"));
        s.app.cleanup().await;
    }
}
