//! `/api/v1/scripts`: version 1 on create, every `PATCH` a new version pointing at its parent,
//! the lineage from any version, `latest_only` and the other filters, soft delete.

use crate::helpers::{Reply, TestApp, assert_error, backends, ids, items};
use serde_json::{Value, json};

const SCRIPTS: &str = "/api/v1/scripts";

fn versions_of(body: &Value) -> Vec<i64> {
    items(body)
        .iter()
        .map(|item| item["version"].as_i64().expect("version"))
        .collect()
}

#[tokio::test]
async fn edits_make_new_versions_and_leave_old_ones_alone() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_scripts");
        let product = app
            .create(
                "/api/v1/products",
                &acme.member,
                &json!({"name": "Acme CRM"}),
            )
            .await
            .id();
        let client = app
            .create("/api/v1/clients", &acme.member, &json!({"name": "Dana"}))
            .await
            .id();

        let v1 = app
            .create(
                SCRIPTS,
                &acme.member,
                &json!({
                    "name": "Globex cold call",
                    "content": "Hi Dana, this is Sam from Acme",
                    "product_id": product,
                    "client_id": client,
                    "key_talking_points": ["saves 5 h a week"],
                    "objection_handlers": {"too expensive": "It pays for itself."}
                }),
            )
            .await;
        let v1_id = v1.id();
        let script = &v1.body;
        assert_eq!(script["version"], 1);
        assert!(script["parent_script_id"].is_null(), "{script}");
        assert_eq!(script["script_type"], "general", "the default type");
        assert_eq!(script["is_active"], true);
        assert_eq!(script["product_id"], product.as_str());
        assert_eq!(script["client_id"], client.as_str());
        assert_eq!(
            script["objection_handlers"]["too expensive"],
            "It pays for itself."
        );

        let read = app.get_ok(&format!("{SCRIPTS}/{v1_id}"), &acme.admin).await;
        assert_eq!(read.body, v1.body);
        assert_eq!(read.etag(), v1.etag());

        let v2 = Reply::read(
            app.patch_json(
                &format!("{SCRIPTS}/{v1_id}"),
                &acme.member,
                &json!({"content": "Hi Dana, second try"}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        let v2_id = v2.id();
        assert_ne!(v2_id, v1_id, "a new row");
        assert_eq!(v2.body["version"], 2);
        assert_eq!(v2.body["parent_script_id"], v1_id.as_str());
        assert_eq!(v2.body["content"], "Hi Dana, second try");
        assert_eq!(
            v2.body["name"], "Globex cold call",
            "unmentioned fields are kept"
        );
        assert_eq!(v2.body["key_talking_points"], json!(["saves 5 h a week"]));
        assert_eq!(v2.body["product_id"], product.as_str());

        let v3 = Reply::read(
            app.patch_json(
                &format!("{SCRIPTS}/{v2_id}"),
                &acme.member,
                &json!({"script_type": "demo", "key_talking_points": null, "product_id": null}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        let v3_id = v3.id();
        assert_eq!(v3.body["version"], 3);
        assert_eq!(v3.body["parent_script_id"], v2_id.as_str());
        assert_eq!(v3.body["script_type"], "demo");
        assert_eq!(v3.body["key_talking_points"], json!([]));
        assert!(v3.body["product_id"].is_null(), "null detaches the product");
        assert_eq!(v3.body["client_id"], client.as_str());
        assert_eq!(v3.body["content"], "Hi Dana, second try");

        // The old versions are exactly as they were.
        let old = app
            .get_ok(&format!("{SCRIPTS}/{v1_id}"), &acme.member)
            .await;
        assert_eq!(old.body, v1.body);
        assert_eq!(old.etag(), v1.etag());
        let old = app
            .get_ok(&format!("{SCRIPTS}/{v2_id}"), &acme.member)
            .await;
        assert_eq!(old.body, v2.body);

        // The lineage, oldest first, is the same whichever version asks.
        let from_v1 = app
            .get_ok(&format!("{SCRIPTS}/{v1_id}/versions"), &acme.member)
            .await;
        let from_v2 = app
            .get_ok(&format!("{SCRIPTS}/{v2_id}/versions"), &acme.member)
            .await;
        let from_v3 = app
            .get_ok(&format!("{SCRIPTS}/{v3_id}/versions"), &acme.member)
            .await;
        assert_eq!(
            ids(&from_v1.body),
            [v1_id.clone(), v2_id.clone(), v3_id.clone()]
        );
        assert_eq!(versions_of(&from_v1.body), [1, 2, 3]);
        assert_eq!(from_v1.body, from_v3.body);
        assert_eq!(from_v2.body, from_v3.body);
        assert_eq!(items(&from_v1.body)[0], v1.body);
        assert_eq!(items(&from_v1.body)[2], v3.body);

        // Only the latest version can be edited.
        for old in [&v1_id, &v2_id] {
            assert_error(
                app.patch_json(
                    &format!("{SCRIPTS}/{old}"),
                    &acme.member,
                    &json!({"content": "fork"}),
                    None,
                )
                .await,
                409,
                "INVALID_STATE",
            )
            .await;
        }
        assert_eq!(
            app.total(SCRIPTS, &acme.member).await,
            3,
            "no fork was stored"
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn lists_filter_by_latest_product_client_type_and_activity() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_scripts_list");
        let token = &acme.member;
        let product = app
            .create("/api/v1/products", token, &json!({"name": "P"}))
            .await
            .id();
        let client = app
            .create("/api/v1/clients", token, &json!({"name": "C"}))
            .await
            .id();
        let first = app
            .create(
                SCRIPTS,
                token,
                &json!({"name": "Alpha", "content": "a", "product_id": product,
                        "script_type": "cold_call"}),
            )
            .await
            .id();
        let second = Reply::read(
            app.patch_json(
                &format!("{SCRIPTS}/{first}"),
                token,
                &json!({"content": "a2"}),
                None,
            )
            .await,
        )
        .await
        .expect(201)
        .id();
        let other = app
            .create(
                SCRIPTS,
                token,
                &json!({"name": "Bravo", "content": "b", "client_id": client,
                        "script_type": "closing"}),
            )
            .await
            .id();

        let all = app.get_ok(&format!("{SCRIPTS}?sort=version"), token).await;
        assert_eq!(all.body["total"], 3);
        let latest = app
            .get_ok(&format!("{SCRIPTS}?latest_only=true&sort=name"), token)
            .await;
        assert_eq!(ids(&latest.body), [second.clone(), other.clone()]);
        assert_eq!(latest.body["total"], 2);
        let everything = app
            .get_ok(&format!("{SCRIPTS}?latest_only=false"), token)
            .await;
        assert_eq!(everything.body["total"], 3);

        let for_product = app
            .get_ok(
                &format!("{SCRIPTS}?product_id={product}&sort=version"),
                token,
            )
            .await;
        assert_eq!(ids(&for_product.body), [first.clone(), second.clone()]);
        let for_client = app
            .get_ok(&format!("{SCRIPTS}?client_id={client}"), token)
            .await;
        assert_eq!(ids(&for_client.body), [other.as_str()]);
        let cold = app
            .get_ok(
                &format!("{SCRIPTS}?script_type=cold_call&sort=-version"),
                token,
            )
            .await;
        assert_eq!(ids(&cold.body), [second.clone(), first.clone()]);
        let demo = app
            .get_ok(&format!("{SCRIPTS}?script_type=demo"), token)
            .await;
        assert_eq!(demo.body["total"], 0);
        let latest_cold = app
            .get_ok(
                &format!("{SCRIPTS}?script_type=cold_call&latest_only=true"),
                token,
            )
            .await;
        assert_eq!(ids(&latest_cold.body), [second.as_str()]);

        // Soft delete: readable, inactive, filtered.
        Reply::read(app.delete_as(&format!("{SCRIPTS}/{other}"), token).await)
            .await
            .expect(204);
        let deleted = app.get_ok(&format!("{SCRIPTS}/{other}"), token).await;
        assert_eq!(deleted.body["is_active"], false);
        assert_eq!(deleted.body["name"], "Bravo");
        let inactive = app
            .get_ok(&format!("{SCRIPTS}?is_active=false"), token)
            .await;
        assert_eq!(ids(&inactive.body), [other]);
        let active = app
            .get_ok(&format!("{SCRIPTS}?is_active=true&sort=version"), token)
            .await;
        assert_eq!(ids(&active.body), [first, second]);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn if_match_guards_edits_and_unknown_ids_are_not_found() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_scripts_guard");
        let token = &acme.member;
        let v1 = app
            .create(SCRIPTS, token, &json!({"name": "S", "content": "c"}))
            .await;
        let path = format!("{SCRIPTS}/{}", v1.id());
        assert_error(
            app.patch_json(&path, token, &json!({"content": "x"}), Some("\"bogus\""))
                .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        let v2 = Reply::read(
            app.patch_json(&path, token, &json!({"content": "c2"}), Some(&v1.etag()))
                .await,
        )
        .await
        .expect(201);
        assert_eq!(v2.body["version"], 2);
        // v1 is unchanged, so its tag still matches, but it already has a next version.
        assert_error(
            app.patch_json(&path, token, &json!({"content": "c3"}), Some(&v1.etag()))
                .await,
            409,
            "INVALID_STATE",
        )
        .await;
        // Deleting v2 moves its tag: an edit with the old one is stale.
        let v2_path = format!("{SCRIPTS}/{}", v2.id());
        Reply::read(app.delete_as(&v2_path, token).await)
            .await
            .expect(204);
        let deleted = app.get_ok(&v2_path, token).await;
        assert_ne!(deleted.etag(), v2.etag());
        assert_error(
            app.patch_json(&v2_path, token, &json!({"content": "c3"}), Some(&v2.etag()))
                .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        assert_eq!(app.total(SCRIPTS, token).await, 2);

        let missing = format!("{SCRIPTS}/{}", uuid::Uuid::now_v7());
        assert_error(app.get_as(&missing, token).await, 404, "SCRIPT_NOT_FOUND").await;
        assert_error(
            app.get_as(&format!("{missing}/versions"), token).await,
            404,
            "SCRIPT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.patch_json(&missing, token, &json!({"content": "x"}), None)
                .await,
            404,
            "SCRIPT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.delete_as(&missing, token).await,
            404,
            "SCRIPT_NOT_FOUND",
        )
        .await;
        let bad = format!("{SCRIPTS}/nope");
        assert_error(app.get_as(&bad, token).await, 400, "BAD_REQUEST").await;
        assert_error(
            app.get_as(&format!("{bad}/versions"), token).await,
            400,
            "BAD_REQUEST",
        )
        .await;
        assert_error(
            app.patch_json(&bad, token, &json!({"content": "x"}), None)
                .await,
            400,
            "BAD_REQUEST",
        )
        .await;
        assert_error(app.delete_as(&bad, token).await, 400, "BAD_REQUEST").await;
        app.cleanup().await;
    }
}
