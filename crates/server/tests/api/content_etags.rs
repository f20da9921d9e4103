//! Entity tags: every write gives a record a new `ETag`, reads return the current one,
//! `If-None-Match` with the current tag answers 304 without a body, and deleting an already
//! deleted record is a no-op that keeps its tag.

use crate::helpers::{Headers, Reply, TestApp, backends};
use reqwest::Method;
use serde_json::json;
use std::collections::HashSet;

/// `GET path` with `If-None-Match: tag`.
async fn get_if_none_match(app: &TestApp, path: &str, token: &str, tag: &str) -> Reply {
    Reply::read(
        app.send(Method::GET, path, token, None, Headers::if_none_match(tag))
            .await,
    )
    .await
}

#[tokio::test]
async fn product_and_client_tags_move_on_every_write() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_etags");
        let token = &acme.member;
        for (collection, body) in [
            ("/api/v1/products", json!({"name": "Tagged"})),
            ("/api/v1/clients", json!({"name": "Tagged"})),
        ] {
            let created = app.create(collection, token, &body).await;
            let path = format!("{collection}/{}", created.id());
            let mut seen = HashSet::new();
            let mut tag = created.etag();
            seen.insert(tag.clone());

            let cached = get_if_none_match(&app, &path, token, &tag)
                .await
                .expect(304);
            assert!(cached.body.is_null(), "304 has no body");
            assert_eq!(cached.etag(), tag, "304 repeats the ETag");

            // Quick successive writes each get a tag never seen before.
            for n in 0..5 {
                let patched = Reply::read(
                    app.patch_json(&path, token, &json!({"name": format!("Tagged {n}")}), None)
                        .await,
                )
                .await
                .expect(200);
                let new_tag = patched.etag();
                assert!(seen.insert(new_tag.clone()), "{new_tag} is new");
                let read = app.get_ok(&path, token).await;
                assert_eq!(read.etag(), new_tag, "GET shows the tag of the last write");
                let fresh = get_if_none_match(&app, &path, token, &tag)
                    .await
                    .expect(200);
                assert_eq!(fresh.body, patched.body, "an old tag gets the full record");
                assert_eq!(fresh.etag(), new_tag);
                get_if_none_match(&app, &path, token, &new_tag)
                    .await
                    .expect(304);
                tag = new_tag;
            }

            // A soft delete is a write too.
            Reply::read(app.delete_as(&path, token).await)
                .await
                .expect(204);
            let archived = app.get_ok(&path, token).await;
            assert!(seen.insert(archived.etag()), "archiving moves the tag");
            let after = get_if_none_match(&app, &path, token, &tag)
                .await
                .expect(200);
            assert_eq!(after.body["is_active"], false);
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn script_versions_and_the_profile_carry_their_own_tags() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_etags_versions");
        let token = &acme.member;
        let v1 = app
            .create(
                "/api/v1/scripts",
                token,
                &json!({"name": "S", "content": "c"}),
            )
            .await;
        let v1_path = format!("/api/v1/scripts/{}", v1.id());
        assert_eq!(app.get_ok(&v1_path, token).await.etag(), v1.etag());
        get_if_none_match(&app, &v1_path, token, &v1.etag())
            .await
            .expect(304);

        let v2 = Reply::read(
            app.patch_json(&v1_path, token, &json!({"content": "c2"}), None)
                .await,
        )
        .await
        .expect(201);
        let v2_path = format!("/api/v1/scripts/{}", v2.id());
        let location = v2.header("location").expect("Location of the new version");
        assert!(location.ends_with(&v2_path), "{location}");
        assert_ne!(v2.etag(), v1.etag());
        assert_eq!(app.get_ok(&v2_path, token).await.etag(), v2.etag());
        assert_eq!(
            app.get_ok(&v1_path, token).await.etag(),
            v1.etag(),
            "editing v1 into v2 does not touch v1"
        );

        Reply::read(app.delete_as(&v2_path, token).await)
            .await
            .expect(204);
        let deleted = app.get_ok(&v2_path, token).await;
        assert_ne!(deleted.etag(), v2.etag(), "deleting moves the tag");

        let profile = "/api/v1/company-profile";
        let first = Reply::read(
            app.put_json(profile, &acme.admin, &json!({"industry": "a"}), None)
                .await,
        )
        .await
        .expect(201);
        let second = Reply::read(
            app.put_json(profile, &acme.admin, &json!({"industry": "a"}), None)
                .await,
        )
        .await
        .expect(200);
        assert_ne!(first.etag(), second.etag(), "every PUT is a write");
        assert_eq!(app.get_ok(profile, token).await.etag(), second.etag());
        app.cleanup().await;
    }
}

#[tokio::test]
async fn deleting_a_deleted_record_again_changes_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_etags_redelete");
        let token = &acme.member;
        for (collection, body) in [
            ("/api/v1/products", json!({"name": "P"})),
            ("/api/v1/clients", json!({"name": "C"})),
            ("/api/v1/scripts", json!({"name": "S", "content": "c"})),
            (
                "/api/v1/emails",
                json!({"name": "E", "subject": "s", "body": "b"}),
            ),
        ] {
            let path = format!(
                "{collection}/{}",
                app.create(collection, token, &body).await.id()
            );
            Reply::read(app.delete_as(&path, token).await)
                .await
                .expect(204);
            let deleted = app.get_ok(&path, token).await;
            assert_eq!(deleted.body["is_active"], false);
            Reply::read(app.delete_as(&path, token).await)
                .await
                .expect(204);
            let again = app.get_ok(&path, token).await;
            assert_eq!(
                again.body, deleted.body,
                "{collection}: a second delete must not rewrite the record"
            );
            assert_eq!(again.etag(), deleted.etag(), "{collection}: same tag");
        }
        app.cleanup().await;
    }
}
