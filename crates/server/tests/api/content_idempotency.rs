//! `Idempotency-Key` on POSTs under `/api/v1`: the same key and body replay the first answer
//! (no second row), another body or endpoint with the key is refused, a refused request frees
//! its key, over-long keys are invalid, and keys are per user.

use crate::helpers::{Headers, Reply, TestApp, assert_error, backends};
use futures::future::join_all;
use hellosales_domain::Role;
use serde_json::json;

const PRODUCTS: &str = "/api/v1/products";

#[tokio::test]
async fn a_repeated_post_replays_the_first_answer() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_idem");
        let key = Headers::idempotency_key("create-acme-crm");
        let body = json!({"name": "Acme CRM", "key_features": ["sync"]});

        let first = Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await)
            .await
            .expect(201);
        assert_ne!(first.header("idempotent-replayed"), Some("true"));
        let replay = Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await)
            .await
            .expect(201);
        assert_eq!(replay.body, first.body, "the same record");
        assert_eq!(replay.header("idempotent-replayed"), Some("true"));
        assert_eq!(replay.header("location"), first.header("location"));
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 1, "no second row");

        // The key now belongs to that request: another body or endpoint is refused.
        assert_error(
            app.post_json_with(PRODUCTS, &acme.member, &json!({"name": "Other"}), key)
                .await,
            422,
            "IDEMPOTENCY_KEY_REUSED",
        )
        .await;
        assert_error(
            app.post_json_with(
                "/api/v1/clients",
                &acme.member,
                &json!({"name": "Acme CRM"}),
                key,
            )
            .await,
            422,
            "IDEMPOTENCY_KEY_REUSED",
        )
        .await;
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 1);
        assert_eq!(app.total("/api/v1/clients", &acme.member).await, 0);
        // A third identical request still replays.
        let again = Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await)
            .await
            .expect(201);
        assert_eq!(again.id(), first.id());

        // Keys longer than 255 characters are refused before anything runs.
        let too_long = "k".repeat(256);
        let refused = assert_error(
            app.post_json_with(
                PRODUCTS,
                &acme.member,
                &json!({"name": "Long key"}),
                Headers::idempotency_key(&too_long),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_eq!(refused["details"]["fields"][0]["field"], "Idempotency-Key");
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 1);

        // A refused request does not use up its key: corrected, it goes through.
        let retry = Headers::idempotency_key("fix-and-retry");
        assert_error(
            app.post_json_with(PRODUCTS, &acme.member, &json!({"name": " "}), retry)
                .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        let fixed = Reply::read(
            app.post_json_with(PRODUCTS, &acme.member, &json!({"name": "Fixed"}), retry)
                .await,
        )
        .await
        .expect(201);
        assert_ne!(fixed.header("idempotent-replayed"), Some("true"));
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 2);

        // Without a key, the same body makes a new record each time.
        let a = app.create(PRODUCTS, &acme.member, &body).await.id();
        let b = app.create(PRODUCTS, &acme.member, &body).await.id();
        assert_ne!(a, b);
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 4);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn keys_belong_to_one_user() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_idem_users");
        let globex = app.tenant("org_idem_users_other");
        let long_key = "k".repeat(255);
        let key = Headers::idempotency_key(&long_key);
        let body = json!({"name": "Shared key"});

        let admins = Reply::read(app.post_json_with(PRODUCTS, &acme.admin, &body, key).await)
            .await
            .expect(201);
        // Another user of the same organization: a new request of their own.
        let members = Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await)
            .await
            .expect(201);
        assert_ne!(members.id(), admins.id());
        assert_ne!(members.header("idempotent-replayed"), Some("true"));
        assert_eq!(app.total(PRODUCTS, &acme.admin).await, 2);
        // Each one's replay is their own.
        let replay = Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await)
            .await
            .expect(201);
        assert_eq!(replay.id(), members.id());
        let replay = Reply::read(app.post_json_with(PRODUCTS, &acme.admin, &body, key).await)
            .await
            .expect(201);
        assert_eq!(replay.id(), admins.id());

        // The same person in another organization is another caller too.
        let elsewhere = app.dev_token(
            &globex.org,
            &format!("admin@{}.test", acme.org),
            Role::Admin,
        );
        let theirs = Reply::read(app.post_json_with(PRODUCTS, &elsewhere, &body, key).await)
            .await
            .expect(201);
        assert_ne!(theirs.id(), admins.id());
        assert_ne!(theirs.body["org_id"], admins.body["org_id"]);
        assert_eq!(app.total(PRODUCTS, &globex.member).await, 1);
        assert_eq!(app.total(PRODUCTS, &acme.admin).await, 2);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn script_and_email_creates_replay_too() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_idem_docs");
        let token = &acme.member;
        for (path, key, body) in [
            (
                "/api/v1/scripts",
                "script-1",
                json!({"name": "S", "content": "c"}),
            ),
            (
                "/api/v1/emails",
                "email-1",
                json!({"name": "E", "subject": "s", "body": "b"}),
            ),
        ] {
            let key = Headers::idempotency_key(key);
            let first = Reply::read(app.post_json_with(path, token, &body, key).await)
                .await
                .expect(201);
            let replay = Reply::read(app.post_json_with(path, token, &body, key).await)
                .await
                .expect(201);
            assert_eq!(replay.body, first.body, "{path}");
            assert_eq!(replay.body["version"], 1);
            assert_eq!(replay.header("idempotent-replayed"), Some("true"));
            assert_eq!(app.total(path, token).await, 1, "{path}: one row");
        }
        // A key used for the script is refused on the email endpoint.
        assert_error(
            app.post_json_with(
                "/api/v1/emails",
                token,
                &json!({"name": "E2", "subject": "s", "body": "b"}),
                Headers::idempotency_key("script-1"),
            )
            .await,
            422,
            "IDEMPOTENCY_KEY_REUSED",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_duplicates_make_one_row() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_idem_race");
        let body = json!({"name": "Raced"});
        let key = Headers::idempotency_key("race-1");
        let replies = join_all((0..6).map(|_| async {
            Reply::read(app.post_json_with(PRODUCTS, &acme.member, &body, key).await).await
        }))
        .await;
        let created: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
        assert!(!created.is_empty(), "one of them created the product");
        for reply in &replies {
            assert!(
                reply.status == 201 || reply.status == 409,
                "a duplicate is replayed or refused as in flight: {} {}",
                reply.status,
                reply.body
            );
            if reply.status == 201 {
                assert_eq!(reply.id(), created[0].id(), "every 201 is the same record");
            }
        }
        assert_eq!(app.total(PRODUCTS, &acme.member).await, 1, "one row");
        app.cleanup().await;
    }
}
