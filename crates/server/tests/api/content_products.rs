//! `/api/v1/products`: create, read, partial update (absent keeps, `null` clears), soft and
//! hard delete, `If-Match`, filters, malformed ids.

use crate::helpers::{Reply, TestApp, assert_error, backends, ids};
use serde_json::json;

const PRODUCTS: &str = "/api/v1/products";

#[tokio::test]
async fn products_are_created_read_patched_and_archived() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_products");
        let created = app
            .create(
                PRODUCTS,
                &acme.admin,
                &json!({
                    "name": "  Acme CRM ",
                    "description": "A CRM for small sales teams",
                    "category": "software",
                    "key_features": ["pipeline view", "email sync"],
                    "pricing_info": {"usd_per_seat_month": 49},
                    "target_audience": "SMB",
                    "competitive_advantages": "fast",
                    "use_cases": ["forecasting"]
                }),
            )
            .await;
        let id = created.id();
        let path = format!("{PRODUCTS}/{id}");
        let product = &created.body;
        assert_eq!(product["name"], "Acme CRM", "trimmed: {product}");
        assert_eq!(product["is_active"], true);
        assert_eq!(
            product["key_features"],
            json!(["pipeline view", "email sync"])
        );
        assert_eq!(product["pricing_info"]["usd_per_seat_month"], 49);
        assert!(product["org_id"].is_string() && product["created_at"].is_string());

        let read = app.get_ok(&path, &acme.member).await;
        assert_eq!(read.body, created.body);
        assert_eq!(read.etag(), created.etag());

        let patched = Reply::read(
            app.patch_json(
                &path,
                &acme.member,
                &json!({
                    "description": null,
                    "key_features": null,
                    "pricing_info": null,
                    "category": "crm"
                }),
                None,
            )
            .await,
        )
        .await
        .expect(200);
        let product = &patched.body;
        assert_eq!(product["id"], id.as_str());
        assert_eq!(product["name"], "Acme CRM", "absent fields are kept");
        assert_eq!(product["use_cases"], json!(["forecasting"]));
        assert_eq!(product["target_audience"], "SMB");
        assert!(product["description"].is_null(), "null clears: {product}");
        assert_eq!(product["key_features"], json!([]), "null empties a list");
        assert_eq!(product["pricing_info"], json!({}));
        assert_eq!(product["category"], "crm");
        assert_eq!(product["created_at"], created.body["created_at"]);
        assert_ne!(product["updated_at"], created.body["updated_at"]);
        assert_ne!(patched.etag(), created.etag());
        assert_eq!(app.get_ok(&path, &acme.admin).await.body, patched.body);

        // Soft delete: still readable, archived, listed among the archived only.
        let deleted = Reply::read(app.delete_as(&path, &acme.member).await)
            .await
            .expect(204);
        assert!(deleted.body.is_null(), "204 has no body");
        let archived = app.get_ok(&path, &acme.member).await;
        assert_eq!(archived.body["is_active"], false);
        assert_eq!(archived.body["name"], "Acme CRM");
        let inactive = app
            .get_ok(&format!("{PRODUCTS}?is_active=false"), &acme.member)
            .await;
        assert_eq!(ids(&inactive.body), [id.as_str()]);
        let active = app
            .get_ok(&format!("{PRODUCTS}?is_active=true"), &acme.member)
            .await;
        assert_eq!(active.body["total"], 0);

        // A PATCH restores it.
        let restored = Reply::read(
            app.patch_json(&path, &acme.member, &json!({"is_active": true}), None)
                .await,
        )
        .await
        .expect(200);
        assert_eq!(restored.body["is_active"], true);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn hard_delete_is_for_admins_and_removes_the_product() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_products_hard");
        let id = app
            .create(PRODUCTS, &acme.member, &json!({"name": "Doomed"}))
            .await
            .id();
        let path = format!("{PRODUCTS}/{id}");
        let hard = format!("{path}?hard=true");

        assert_error(
            app.delete_as(&hard, &acme.member).await,
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        .await;
        assert_eq!(
            app.get_ok(&path, &acme.member).await.body["is_active"],
            true
        );

        Reply::read(app.delete_as(&hard, &acme.admin).await)
            .await
            .expect(204);
        assert_error(
            app.get_as(&path, &acme.admin).await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.patch_json(&path, &acme.admin, &json!({"name": "x"}), None)
                .await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.delete_as(&path, &acme.admin).await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.delete_as(&hard, &acme.admin).await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_eq!(app.total(PRODUCTS, &acme.admin).await, 0);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn if_match_guards_patches_and_filters_narrow_the_list() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_products_guard");
        let created = app
            .create(
                PRODUCTS,
                &acme.admin,
                &json!({"name": "Guarded", "category": "software"}),
            )
            .await;
        let path = format!("{PRODUCTS}/{}", created.id());
        let stale = created.etag();
        let fresh = Reply::read(
            app.patch_json(
                &path,
                &acme.admin,
                &json!({"name": "Guarded 2"}),
                Some(&stale),
            )
            .await,
        )
        .await
        .expect(200);
        assert_error(
            app.patch_json(&path, &acme.admin, &json!({"name": "Lost"}), Some(&stale))
                .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        let read = app.get_ok(&path, &acme.admin).await;
        assert_eq!(
            read.body["name"], "Guarded 2",
            "the stale write changed nothing"
        );
        assert_eq!(read.etag(), fresh.etag());
        Reply::read(
            app.patch_json(&path, &acme.admin, &json!({"name": "Star"}), Some("*"))
                .await,
        )
        .await
        .expect(200);

        let hardware = app
            .create(
                PRODUCTS,
                &acme.admin,
                &json!({"name": "Box", "category": "hardware"}),
            )
            .await
            .id();
        let listed = app
            .get_ok(&format!("{PRODUCTS}?category=hardware"), &acme.admin)
            .await;
        assert_eq!(ids(&listed.body), [hardware]);
        assert_eq!(listed.body["total"], 1);
        let none = app
            .get_ok(&format!("{PRODUCTS}?category=Hard"), &acme.admin)
            .await;
        assert_eq!(none.body["total"], 0, "category is an exact match");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn malformed_ids_unknown_ids_and_unknown_fields_are_refused() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_products_bad");
        let bad = format!("{PRODUCTS}/not-a-uuid");
        assert_error(app.get_as(&bad, &acme.admin).await, 400, "BAD_REQUEST").await;
        assert_error(
            app.patch_json(&bad, &acme.admin, &json!({"name": "x"}), None)
                .await,
            400,
            "BAD_REQUEST",
        )
        .await;
        assert_error(app.delete_as(&bad, &acme.admin).await, 400, "BAD_REQUEST").await;

        let missing = format!("{PRODUCTS}/{}", uuid::Uuid::now_v7());
        assert_error(
            app.get_as(&missing, &acme.admin).await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.patch_json(&missing, &acme.admin, &json!({"name": "x"}), None)
                .await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.delete_as(&missing, &acme.admin).await,
            404,
            "PRODUCT_NOT_FOUND",
        )
        .await;

        assert_error(
            app.post_json(PRODUCTS, &acme.admin, &json!({"name": "x", "nmae": "typo"}))
                .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        let id = app
            .create(PRODUCTS, &acme.admin, &json!({"name": "Real"}))
            .await
            .id();
        assert_error(
            app.patch_json(
                &format!("{PRODUCTS}/{id}"),
                &acme.admin,
                &json!({"org_id": uuid::Uuid::now_v7()}),
                None,
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_error(
            app.post_json(
                PRODUCTS,
                &acme.admin,
                &json!({"name": "x", "key_features": "one"}),
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_eq!(app.total(PRODUCTS, &acme.admin).await, 1);
        app.cleanup().await;
    }
}
