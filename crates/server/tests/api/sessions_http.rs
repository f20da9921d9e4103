//! `/api/v1/sessions` over HTTP: start, list, read, interactions, end, and a chat turn as
//! Server-Sent Events.

use crate::chat_ws::chat_app;
use crate::helpers::{Backend, Reply as HttpReply, TestApp, assert_error, backends, items};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use reqwest::Method;
use serde_json::{Value, json};

/// The events of a `text/event-stream` body: `(event, data)` pairs.
fn events(body: &str) -> Vec<(String, Value)> {
    body.split("\n\n")
        .filter_map(|block| {
            let mut event = None;
            let mut data = String::new();
            for line in block.lines() {
                if let Some(name) = line.strip_prefix("event:") {
                    event = Some(name.trim().to_owned());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data.push_str(value.trim_start());
                }
            }
            Some((event?, serde_json::from_str(&data).ok()?))
        })
        .collect()
}

async fn start_session(app: &TestApp, token: &str, body: &Value) -> Value {
    HttpReply::read(app.post_json("/api/v1/sessions", token, body).await)
        .await
        .expect(201)
        .body
}

async fn send_message(
    app: &TestApp,
    token: &str,
    session: &str,
    body: &Value,
) -> reqwest::Response {
    app.post_json(&format!("/api/v1/sessions/{session}/messages"), token, body)
        .await
}

#[tokio::test]
async fn sessions_are_started_listed_read_and_ended() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        let app = chat_app(&backend, &fake, &[]).await;
        let tenant = app.tenant("sessions");
        let first = start_session(&app, &tenant.member, &json!({})).await;
        assert_eq!(first["state"], "active");
        assert_eq!(first["session_type"], "chat");
        assert_eq!(first["interaction_count"], 0);
        assert_eq!(first["metadata"], json!({}));
        let second = start_session(
            &app,
            &tenant.member,
            &json!({ "session_type": "script_generation", "metadata": { "deal": "Acme" } }),
        )
        .await;
        assert_eq!(second["metadata"]["deal"], "Acme");

        let list = app
            .get_ok("/api/v1/sessions?limit=1", &tenant.member)
            .await
            .body;
        assert_eq!(list["total"], 2, "{backend:?}");
        assert_eq!(items(&list)[0]["id"], second["id"], "newest first");
        let past = app
            .get_ok("/api/v1/sessions?offset=5", &tenant.member)
            .await
            .body;
        assert!(items(&past).is_empty());
        assert_error(
            app.get_as("/api/v1/sessions?limit=101", &tenant.member)
                .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_error(
            app.post_json(
                "/api/v1/sessions",
                &tenant.member,
                &json!({ "metadata": [1] }),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;

        let id = first["id"].as_str().unwrap();
        let path = format!("/api/v1/sessions/{id}");
        assert_eq!(
            app.get_ok(&path, &tenant.member).await.body["id"],
            first["id"]
        );
        let ended = HttpReply::read(
            app.send(
                Method::POST,
                &format!("{path}/end"),
                &tenant.member,
                None,
                Default::default(),
            )
            .await,
        )
        .await
        .expect(200)
        .body;
        assert_eq!(ended["state"], "ended");
        assert!(ended["ended_at"].is_string() && ended["duration_ms"].is_number());
        let again = HttpReply::read(
            app.send(
                Method::POST,
                &format!("{path}/end"),
                &tenant.member,
                None,
                Default::default(),
            )
            .await,
        )
        .await
        .expect(200)
        .body;
        assert_eq!(
            again["ended_at"], ended["ended_at"],
            "ending twice changes nothing"
        );
        assert_error(
            send_message(&app, &tenant.member, id, &json!({ "content": "hi" })).await,
            409,
            "INVALID_STATE",
        )
        .await;

        // Another organization, and another member of this one, find nothing.
        let other = app.tenant("other");
        for token in [&other.admin, &tenant.admin] {
            assert_error(app.get_as(&path, token).await, 404, "SESSION_NOT_FOUND").await;
            assert_error(
                app.get_as(&format!("{path}/interactions"), token).await,
                404,
                "SESSION_NOT_FOUND",
            )
            .await;
            assert_error(
                app.send(
                    Method::POST,
                    &format!("{path}/end"),
                    token,
                    None,
                    Default::default(),
                )
                .await,
                404,
                "SESSION_NOT_FOUND",
            )
            .await;
            assert_error(
                send_message(&app, token, id, &json!({ "content": "hi" })).await,
                404,
                "SESSION_NOT_FOUND",
            )
            .await;
        }
        let list = app.get_ok("/api/v1/sessions", &other.admin).await.body;
        assert_eq!(list["total"], 0);
        assert!(fake.requests().is_empty());
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_message_over_server_sent_events_streams_the_same_updates() {
    for backend in backends() {
        let fake = FakeProviderServer::start().await.unwrap();
        fake.push(Reply::text(["Lead ", "with ", "value."]));
        let app = chat_app(&backend, &fake, &[]).await;
        let tenant = app.tenant("sse");
        let session = start_session(&app, &tenant.member, &json!({})).await;
        let id = session["id"].as_str().unwrap();

        let response = send_message(
            &app,
            &tenant.member,
            id,
            &json!({ "content": "How do I pitch?", "message_id": "m-1" }),
        )
        .await;
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        let stream = events(&response.text().await.unwrap());
        let names: Vec<&str> = stream.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(
            names,
            [
                "chat.ack",
                "chat.token",
                "chat.token",
                "chat.token",
                "chat.complete"
            ],
            "{backend:?}"
        );
        assert_eq!(stream[0].1["session_id"], session["id"]);
        assert_eq!(stream[1].1["delta"], "Lead ");
        let complete = &stream[4].1;
        assert_eq!(complete["content"], "Lead with value.");
        assert!(complete["pipeline_run_id"].is_string());

        let page = app
            .get_ok(
                &format!("/api/v1/sessions/{id}/interactions?limit=1&offset=1"),
                &tenant.member,
            )
            .await
            .body;
        assert_eq!(page["total"], 2);
        assert_eq!(items(&page)[0]["role"], "assistant");
        assert_eq!(items(&page)[0]["sequence_number"], 2);
        assert_eq!(items(&page)[0]["content"], "Lead with value.");
        let read = app
            .get_ok(&format!("/api/v1/sessions/{id}"), &tenant.member)
            .await
            .body;
        assert_eq!(read["interaction_count"], 2);

        // A failing model ends the stream with an `error` event carrying the envelope.
        fake.push(Reply::unauthorized());
        let response = send_message(&app, &tenant.member, id, &json!({ "content": "again" })).await;
        let stream = events(&response.text().await.unwrap());
        let names: Vec<&str> = stream.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["chat.ack", "error"]);
        assert_eq!(stream[1].1["code"], "PROVIDER_AUTHENTICATION_FAILED");
        assert!(stream[1].1["request_id"].is_string());
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_bad_message_id_is_refused_before_the_stream() {
    let fake = FakeProviderServer::start().await.unwrap();
    let app = chat_app(&Backend::Sqlite, &fake, &[]).await;
    let tenant = app.tenant("sse-bad");
    let session = start_session(&app, &tenant.member, &json!({})).await;
    let id = session["id"].as_str().unwrap();
    assert_error(
        send_message(
            &app,
            &tenant.member,
            id,
            &json!({ "content": "x", "message_id": " " }),
        )
        .await,
        422,
        "VALIDATION_ERROR",
    )
    .await;
    assert_error(
        send_message(&app, &tenant.member, id, &json!({ "message_id": "m" })).await,
        422,
        "VALIDATION_ERROR",
    )
    .await;
    app.cleanup().await;
}
