//! Tenant isolation: every content endpoint, called with another organization's token on the
//! first organization's records, answers not found (or an empty list), and changes nothing;
//! without a token, every content endpoint answers 401.

use crate::helpers::{Headers, Reply, TestApp, assert_error, assert_fields, backends};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn another_organization_sees_and_changes_nothing() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_iso_acme");
        let globex = app.tenant("org_iso_globex");

        // Acme's content: a profile, a product, a client, a script (two versions), an email.
        let profile = Reply::read(
            app.put_json(
                "/api/v1/company-profile",
                &acme.admin,
                &json!({"industry": "software"}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        let product = app
            .create(
                "/api/v1/products",
                &acme.admin,
                &json!({"name": "Acme CRM"}),
            )
            .await;
        let client = app
            .create(
                "/api/v1/clients",
                &acme.admin,
                &json!({"name": "Dana", "company": "Initech"}),
            )
            .await;
        let refs = json!({"product_id": product.id(), "client_id": client.id()});
        let mut script_body = json!({"name": "Call", "content": "Hi"});
        merge(&mut script_body, &refs);
        let script_v1 = app
            .create("/api/v1/scripts", &acme.admin, &script_body)
            .await;
        let script_v2 = Reply::read(
            app.patch_json(
                &format!("/api/v1/scripts/{}", script_v1.id()),
                &acme.admin,
                &json!({"content": "Hello"}),
                None,
            )
            .await,
        )
        .await
        .expect(201)
        .id();
        let script = app
            .get_ok(&format!("/api/v1/scripts/{script_v2}"), &acme.admin)
            .await;
        let mut email_body = json!({"name": "Intro", "subject": "s", "body": "b"});
        merge(&mut email_body, &refs);
        let email = app.create("/api/v1/emails", &acme.admin, &email_body).await;

        // The company profile: Globex has none, and a PUT makes Globex its own.
        for token in [&globex.admin, &globex.member] {
            assert_error(
                app.get_as("/api/v1/company-profile", token).await,
                404,
                "COMPANY_PROFILE_NOT_FOUND",
            )
            .await;
        }
        assert_error(
            app.put_json(
                "/api/v1/company-profile",
                &globex.admin,
                &json!({"industry": "hijack"}),
                Some(&profile.etag()),
            )
            .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        let theirs = Reply::read(
            app.put_json(
                "/api/v1/company-profile",
                &globex.admin,
                &json!({"industry": "logistics"}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        assert_ne!(theirs.body["org_id"], profile.body["org_id"]);

        // Products and clients.
        for (collection, record, code) in [
            ("/api/v1/products", &product, "PRODUCT_NOT_FOUND"),
            ("/api/v1/clients", &client, "CLIENT_NOT_FOUND"),
        ] {
            let item = format!("{collection}/{}", record.id());
            for token in [&globex.admin, &globex.member] {
                let list = app.get_ok(collection, token).await;
                assert_eq!(list.body["total"], 0, "{collection}: {}", list.body);
                assert_eq!(list.body["items"], json!([]));
                for query in ["?q=acme", "?q=dana", "?is_active=true", "?sort=name"] {
                    let list = app.get_ok(&format!("{collection}{query}"), token).await;
                    assert_eq!(list.body["total"], 0, "{collection}{query}");
                }
                assert_error(app.get_as(&item, token).await, 404, code).await;
                assert_error(
                    app.send(
                        Method::GET,
                        &item,
                        token,
                        None,
                        Headers::if_none_match(&record.etag()),
                    )
                    .await,
                    404,
                    code,
                )
                .await;
                assert_error(
                    app.patch_json(&item, token, &json!({"name": "Stolen"}), None)
                        .await,
                    404,
                    code,
                )
                .await;
                assert_error(
                    app.patch_json(
                        &item,
                        token,
                        &json!({"name": "Stolen"}),
                        Some(&record.etag()),
                    )
                    .await,
                    404,
                    code,
                )
                .await;
                assert_error(app.delete_as(&item, token).await, 404, code).await;
            }
            assert_error(
                app.delete_as(&format!("{item}?hard=true"), &globex.admin)
                    .await,
                404,
                code,
            )
            .await;
        }

        // Scripts and emails.
        for (collection, record, code) in [
            ("/api/v1/scripts", &script, "SCRIPT_NOT_FOUND"),
            ("/api/v1/emails", &email, "EMAIL_NOT_FOUND"),
        ] {
            let item = format!("{collection}/{}", record.id());
            for token in [&globex.admin, &globex.member] {
                for query in [
                    String::new(),
                    "?latest_only=true".to_owned(),
                    format!("?product_id={}", product.id()),
                    format!("?client_id={}", client.id()),
                    "?q=hi".to_owned(),
                ] {
                    let list = app.get_ok(&format!("{collection}{query}"), token).await;
                    assert_eq!(list.body["total"], 0, "{collection}{query}: {}", list.body);
                    assert_eq!(list.body["items"], json!([]));
                }
                assert_error(app.get_as(&item, token).await, 404, code).await;
                assert_error(
                    app.get_as(&format!("{item}/versions"), token).await,
                    404,
                    code,
                )
                .await;
                assert_error(
                    app.patch_json(&item, token, &json!({"name": "Stolen"}), None)
                        .await,
                    404,
                    code,
                )
                .await;
                assert_error(
                    app.patch_json(
                        &item,
                        token,
                        &json!({"name": "Stolen"}),
                        Some(&record.etag()),
                    )
                    .await,
                    404,
                    code,
                )
                .await;
                assert_error(app.delete_as(&item, token).await, 404, code).await;
            }
            // Acme's product and client cannot be referenced from Globex.
            let mut body = if collection.ends_with("scripts") {
                json!({"name": "n", "content": "c"})
            } else {
                json!({"name": "n", "subject": "s", "body": "b"})
            };
            merge(&mut body, &refs);
            assert_fields(
                app.post_json(collection, &globex.member, &body).await,
                &[("product_id", "not_found"), ("client_id", "not_found")],
            )
            .await;
        }
        assert_error(
            app.get_as(
                &format!("/api/v1/scripts/{}/versions", script_v1.id()),
                &globex.member,
            )
            .await,
            404,
            "SCRIPT_NOT_FOUND",
        )
        .await;

        // Acme's content is exactly as it was.
        let unchanged = app.get_ok("/api/v1/company-profile", &acme.member).await;
        assert_eq!(unchanged.body, profile.body);
        assert_eq!(unchanged.etag(), profile.etag());
        for (collection, record) in [
            ("/api/v1/products", &product),
            ("/api/v1/clients", &client),
            ("/api/v1/scripts", &script),
            ("/api/v1/scripts", &script_v1),
            ("/api/v1/emails", &email),
        ] {
            let read = app
                .get_ok(&format!("{collection}/{}", record.id()), &acme.member)
                .await;
            assert_eq!(read.body, record.body, "{collection} unchanged");
            assert_eq!(read.etag(), record.etag());
        }
        assert_eq!(app.total("/api/v1/scripts", &acme.member).await, 2);
        assert_eq!(app.total("/api/v1/emails", &acme.member).await, 1);
        for collection in ["/api/v1/products", "/api/v1/clients"] {
            assert_eq!(app.total(collection, &acme.member).await, 1);
        }
        // And Globex still has nothing but its profile.
        for collection in [
            "/api/v1/products",
            "/api/v1/clients",
            "/api/v1/scripts",
            "/api/v1/emails",
        ] {
            assert_eq!(app.total(collection, &globex.member).await, 0);
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn every_content_endpoint_needs_a_token() {
    let app = TestApp::spawn(&crate::helpers::Backend::Sqlite).await;
    let id = uuid::Uuid::now_v7();
    let mut calls = vec![
        (Method::GET, "/api/v1/company-profile".to_owned()),
        (Method::PUT, "/api/v1/company-profile".to_owned()),
    ];
    for collection in ["products", "clients", "scripts", "emails"] {
        calls.push((Method::GET, format!("/api/v1/{collection}")));
        calls.push((Method::POST, format!("/api/v1/{collection}")));
        for method in [Method::GET, Method::PATCH, Method::DELETE] {
            calls.push((method, format!("/api/v1/{collection}/{id}")));
        }
    }
    calls.push((Method::GET, format!("/api/v1/scripts/{id}/versions")));
    calls.push((Method::GET, format!("/api/v1/emails/{id}/versions")));
    for (method, path) in calls {
        let response = app
            .client
            .request(method.clone(), app.url(&path))
            .json(&json!({"name": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{method} {path}");
        assert_error(response, 401, "UNAUTHORIZED").await;
    }
    app.cleanup().await;
}

/// Copies the fields of `extra` into `body`.
fn merge(body: &mut serde_json::Value, extra: &serde_json::Value) {
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            body.insert(key.clone(), value.clone());
        }
    }
}
