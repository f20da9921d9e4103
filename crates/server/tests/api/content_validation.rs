//! Field validation of products, clients, scripts and emails: required and blank fields,
//! lengths (in characters), e-mail format, list items, enumerations, references to another
//! organization's records; every offending field listed at once, and nothing stored.

use crate::helpers::{Reply, TestApp, assert_error, assert_fields, backends};
use serde_json::json;

#[tokio::test]
async fn product_fields_are_validated_together() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_valid_products");
        let token = &acme.member;
        let path = "/api/v1/products";
        assert_fields(
            app.post_json(path, token, &json!({})).await,
            &[("name", "required")],
        )
        .await;
        assert_fields(
            app.post_json(path, token, &json!({"name": "   "})).await,
            &[("name", "required")],
        )
        .await;
        assert_fields(
            app.post_json(path, token, &json!({"name": "x".repeat(256)}))
                .await,
            &[("name", "too_long")],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "ok", "key_features": ["", "fine"]}),
            )
            .await,
            &[("key_features[0]", "required")],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({
                    "name": " ",
                    "category": "c".repeat(101),
                    "key_features": ["fine", " "],
                    "use_cases": [""]
                }),
            )
            .await,
            &[
                ("name", "required"),
                ("category", "too_long"),
                ("key_features[1]", "required"),
                ("use_cases[0]", "required"),
            ],
        )
        .await;
        assert_eq!(app.total(path, token).await, 0, "nothing was stored");

        // The limits are in characters, and hold exactly.
        let edge = app
            .create(
                path,
                token,
                &json!({"name": "é".repeat(255), "category": "ü".repeat(100)}),
            )
            .await;
        assert_eq!(edge.body["name"].as_str().unwrap().chars().count(), 255);

        // A PATCH is validated the same way, and a refused one changes nothing.
        let item = format!("{path}/{}", edge.id());
        assert_fields(
            app.patch_json(
                &item,
                token,
                &json!({"name": "", "category": "c".repeat(101)}),
                None,
            )
            .await,
            &[("name", "required"), ("category", "too_long")],
        )
        .await;
        assert_eq!(app.get_ok(&item, token).await.body, edge.body);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn client_fields_are_validated_together() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_valid_clients");
        let token = &acme.member;
        let path = "/api/v1/clients";
        assert_fields(
            app.post_json(path, token, &json!({"company": "Globex"}))
                .await,
            &[("name", "required")],
        )
        .await;
        for bad in [
            "dana-at-globex",
            "dana@globex",
            "dana smith@globex.test",
            "@globex.test",
        ] {
            assert_fields(
                app.post_json(path, token, &json!({"name": "Dana", "email": bad}))
                    .await,
                &[("email", "invalid_email")],
            )
            .await;
        }
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({
                    "name": "",
                    "email": "nope",
                    "industry": "i".repeat(101),
                    "company": "c".repeat(256),
                    "pain_points": ["ok", "  "],
                    "decision_criteria": [""]
                }),
            )
            .await,
            &[
                ("name", "required"),
                ("email", "invalid_email"),
                ("industry", "too_long"),
                ("company", "too_long"),
                ("pain_points[1]", "required"),
                ("decision_criteria[0]", "required"),
            ],
        )
        .await;
        assert_eq!(app.total(path, token).await, 0);

        // Blank optional text is stored as null; text is trimmed.
        let client = app
            .create(
                path,
                token,
                &json!({"name": " Dana ", "title": "  ", "email": " dana@globex.test "}),
            )
            .await;
        assert_eq!(client.body["name"], "Dana");
        assert!(client.body["title"].is_null(), "{}", client.body);
        assert_eq!(client.body["email"], "dana@globex.test");
        let item = format!("{path}/{}", client.id());
        assert_fields(
            app.patch_json(&item, token, &json!({"email": "broken"}), None)
                .await,
            &[("email", "invalid_email")],
        )
        .await;
        assert_eq!(app.get_ok(&item, token).await.body, client.body);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn script_fields_types_and_references_are_validated() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_valid_scripts");
        let globex = app.tenant("org_valid_scripts_other");
        let path = "/api/v1/scripts";
        let token = &acme.member;
        assert_fields(
            app.post_json(path, token, &json!({})).await,
            &[("name", "required"), ("content", "required")],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"script_type": "pitch", "content": " "}),
            )
            .await,
            &[
                ("script_type", "unknown_variant"),
                ("name", "required"),
                ("content", "required"),
            ],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "script_type": "Demo"}),
            )
            .await,
            &[("script_type", "unknown_variant")],
        )
        .await;
        for kind in ["cold_call", "follow_up", "demo", "closing", "general"] {
            let script = app
                .create(
                    path,
                    token,
                    &json!({"name": kind, "content": "c", "script_type": kind}),
                )
                .await;
            assert_eq!(script.body["script_type"], kind);
        }

        // Another organization's product or client is not found, field by field.
        let their_product = app
            .create(
                "/api/v1/products",
                &globex.member,
                &json!({"name": "Theirs"}),
            )
            .await
            .id();
        let their_client = app
            .create(
                "/api/v1/clients",
                &globex.member,
                &json!({"name": "Theirs"}),
            )
            .await
            .id();
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "product_id": their_product}),
            )
            .await,
            &[("product_id", "not_found")],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "product_id": their_product,
                        "client_id": their_client}),
            )
            .await,
            &[("product_id", "not_found"), ("client_id", "not_found")],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "client_id": uuid::Uuid::now_v7()}),
            )
            .await,
            &[("client_id", "not_found")],
        )
        .await;
        assert_error(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "product_id": "not-a-uuid"}),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_error(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "version": 7}),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "content": "c", "key_talking_points": [" "],
                        "objection_handlers": {"price": " "}}),
            )
            .await,
            &[
                ("key_talking_points[0]", "required"),
                ("objection_handlers.price", "required"),
            ],
        )
        .await;
        assert_eq!(
            app.total(path, token).await,
            5,
            "only the valid scripts were stored"
        );

        // An edit is validated too, and a refused one makes no version.
        let v1 = app
            .create(path, token, &json!({"name": "Mine", "content": "c"}))
            .await;
        let item = format!("{path}/{}", v1.id());
        assert_fields(
            app.patch_json(&item, token, &json!({"product_id": their_product}), None)
                .await,
            &[("product_id", "not_found")],
        )
        .await;
        assert_fields(
            app.patch_json(
                &item,
                token,
                &json!({"content": "", "script_type": "x"}),
                None,
            )
            .await,
            &[("script_type", "unknown_variant"), ("content", "required")],
        )
        .await;
        let lineage = app.get_ok(&format!("{item}/versions"), token).await;
        assert_eq!(lineage.body["items"].as_array().unwrap().len(), 1);
        // The edit of an unchanged, valid v1 still works.
        let v2 = Reply::read(
            app.patch_json(&item, token, &json!({"content": "c2"}), None)
                .await,
        )
        .await
        .expect(201);
        assert_eq!(v2.body["version"], 2);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn email_fields_types_and_references_are_validated() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_valid_emails");
        let globex = app.tenant("org_valid_emails_other");
        let path = "/api/v1/emails";
        let token = &acme.member;
        assert_fields(
            app.post_json(path, token, &json!({})).await,
            &[
                ("name", "required"),
                ("subject", "required"),
                ("body", "required"),
            ],
        )
        .await;
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "subject": "s".repeat(999), "body": "b",
                        "email_type": "cold_call", "personalization_fields": [""]}),
            )
            .await,
            &[
                ("email_type", "unknown_variant"),
                ("subject", "too_long"),
                ("personalization_fields[0]", "required"),
            ],
        )
        .await;
        for kind in [
            "cold_outreach",
            "follow_up",
            "proposal",
            "closing",
            "general",
        ] {
            let email = app
                .create(
                    path,
                    token,
                    &json!({"name": kind, "subject": "s", "body": "b", "email_type": kind}),
                )
                .await;
            assert_eq!(email.body["email_type"], kind);
        }
        let their_product = app
            .create(
                "/api/v1/products",
                &globex.member,
                &json!({"name": "Theirs"}),
            )
            .await
            .id();
        assert_fields(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "subject": "s", "body": "b", "product_id": their_product}),
            )
            .await,
            &[("product_id", "not_found")],
        )
        .await;
        assert_error(
            app.post_json(
                path,
                token,
                &json!({"name": "n", "subject": "s", "body": "b", "parent_email_id": null}),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_eq!(app.total(path, token).await, 5);
        app.cleanup().await;
    }
}
