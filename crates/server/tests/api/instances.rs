//! Several instances of one deployment on one PostgreSQL database: a WebSocket client whose
//! instance went away resumes its session on another one, which goes on with the same history
//! and sequence numbers. (Shared rate limits and dead-letter claims have their own tests.)

use crate::chat_ws::chat_app;
use crate::helpers::Backend;
use crate::ws_client::{WsClient, frame};
use hellosales_fake_providers::{FakeProviderServer, Reply};
use serde_json::json;

fn postgres() -> Backend {
    Backend::Postgres(
        std::env::var("TEST_DATABASE_URL")
            .expect("TEST_DATABASE_URL: the instances tests need PostgreSQL"),
    )
}

#[tokio::test]
async fn a_session_started_on_one_instance_resumes_on_another() {
    let fake = FakeProviderServer::start().await.unwrap();
    fake.set_default(Reply::text(["Noted."]));
    let mut first = chat_app(&postgres(), &fake, &[]).await;
    let second = first.sibling().await;
    let tenant = first.tenant("instances");

    let (mut ws, _) = WsClient::authenticated(&first, &tenant.member).await;
    ws.chat("We sell to CFOs.", "m-1").await;
    let frames = ws.chat("Who decides?", "m-2").await;
    let session = frame(&frames, "chat.ack")["payload"]["session_id"].clone();
    drop(ws);
    // The first instance goes away (a redeploy, a crash).
    first.stop().await;

    let (mut ws, _) = WsClient::authenticated(&second, &tenant.member).await;
    ws.send("session.resume", json!({ "sessionId": session }))
        .await;
    let resumed = ws.recv().await;
    assert_eq!(resumed["type"], "session.resumed", "{resumed}");
    let contents: Vec<_> = resumed["payload"]["interactions"]
        .as_array()
        .expect("the interactions")
        .iter()
        .map(|i| i["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        contents,
        ["We sell to CFOs.", "Noted.", "Who decides?", "Noted."]
    );

    let frames = ws.chat("And the budget?", "m-3").await;
    assert_eq!(frame(&frames, "chat.ack")["payload"]["session_id"], session);
    let complete = &frame(&frames, "chat.complete")["payload"];
    assert_eq!(complete["content"], "Noted.");
    // The repeated message id of the first instance is recognised by the second.
    let frames = ws.chat("Who decides?", "m-2").await;
    assert_eq!(frame(&frames, "chat.complete")["payload"]["replayed"], true);

    let listed = second
        .get_ok(
            &format!(
                "/api/v1/sessions/{}/interactions",
                session.as_str().unwrap_or_default()
            ),
            &tenant.member,
        )
        .await
        .body;
    let sequence: Vec<_> = listed["items"]
        .as_array()
        .expect("the items")
        .iter()
        .map(|i| i["sequence_number"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(
        sequence,
        [1, 2, 3, 4, 5, 6],
        "one gap-free sequence across instances"
    );
    // The prompt of the third turn carried the history written by the first instance.
    let last = fake.requests().last().cloned().expect("a request");
    let messages = last.body["messages"].to_string();
    assert!(messages.contains("We sell to CFOs."), "{messages}");

    second.cleanup().await;
    first.cleanup().await;
}
