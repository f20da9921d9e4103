//! `/api/v1/emails`: version 1 on create, every `PATCH` a new version (`parent_email_id`),
//! the lineage, `latest_only`, `email_type` and reference filters, soft delete.

use crate::helpers::{Reply, TestApp, assert_error, backends, ids, items};
use serde_json::json;

const EMAILS: &str = "/api/v1/emails";

#[tokio::test]
async fn emails_are_versioned_like_scripts() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_emails");
        let token = &acme.member;
        let client = app
            .create("/api/v1/clients", token, &json!({"name": "Dana"}))
            .await
            .id();
        let v1 = app
            .create(
                EMAILS,
                token,
                &json!({
                    "name": "Globex intro",
                    "subject": "Cutting reporting time in half",
                    "body": "Hi Dana, …",
                    "client_id": client,
                    "call_to_action": "15 minutes on Thursday?",
                    "personalization_fields": ["first_name"]
                }),
            )
            .await;
        let v1_id = v1.id();
        assert_eq!(v1.body["version"], 1);
        assert!(v1.body["parent_email_id"].is_null(), "{}", v1.body);
        assert_eq!(v1.body["email_type"], "general");
        assert_eq!(v1.body["is_active"], true);
        assert_eq!(v1.body["client_id"], client.as_str());
        assert!(v1.body["product_id"].is_null());

        let v2 = Reply::read(
            app.patch_json(
                &format!("{EMAILS}/{v1_id}"),
                token,
                &json!({"subject": "Half the reporting time", "email_type": "follow_up"}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        let v2_id = v2.id();
        assert_eq!(v2.body["version"], 2);
        assert_eq!(v2.body["parent_email_id"], v1_id.as_str());
        assert_eq!(v2.body["email_type"], "follow_up");
        assert_eq!(v2.body["body"], "Hi Dana, …", "unmentioned fields are kept");

        let v3 = Reply::read(
            app.patch_json(
                &format!("{EMAILS}/{v2_id}"),
                token,
                &json!({"call_to_action": null, "personalization_fields": null}),
                None,
            )
            .await,
        )
        .await
        .expect(201);
        let v3_id = v3.id();
        assert_eq!(v3.body["version"], 3);
        assert_eq!(v3.body["parent_email_id"], v2_id.as_str());
        assert!(v3.body["call_to_action"].is_null());
        assert_eq!(v3.body["personalization_fields"], json!([]));
        assert_eq!(v3.body["subject"], "Half the reporting time");

        assert_eq!(
            app.get_ok(&format!("{EMAILS}/{v1_id}"), token).await.body,
            v1.body,
            "v1 is unchanged"
        );
        assert_eq!(
            app.get_ok(&format!("{EMAILS}/{v2_id}"), token).await.body,
            v2.body,
            "v2 is unchanged"
        );
        let from_v1 = app
            .get_ok(&format!("{EMAILS}/{v1_id}/versions"), token)
            .await;
        let from_v3 = app
            .get_ok(&format!("{EMAILS}/{v3_id}/versions"), token)
            .await;
        assert_eq!(
            ids(&from_v1.body),
            [v1_id.clone(), v2_id.clone(), v3_id.clone()]
        );
        assert_eq!(from_v1.body, from_v3.body);
        assert_eq!(items(&from_v3.body)[1], v2.body);

        assert_error(
            app.patch_json(
                &format!("{EMAILS}/{v1_id}"),
                token,
                &json!({"body": "fork"}),
                None,
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;

        let other = app
            .create(
                EMAILS,
                token,
                &json!({"name": "Other", "subject": "s", "body": "b", "email_type": "proposal"}),
            )
            .await
            .id();
        let latest = app
            .get_ok(&format!("{EMAILS}?latest_only=true&sort=version"), token)
            .await;
        assert_eq!(ids(&latest.body), [other.clone(), v3_id.clone()]);
        let for_client = app
            .get_ok(&format!("{EMAILS}?client_id={client}&sort=-version"), token)
            .await;
        assert_eq!(
            ids(&for_client.body),
            [v3_id.clone(), v2_id.clone(), v1_id.clone()]
        );
        let proposals = app
            .get_ok(&format!("{EMAILS}?email_type=proposal"), token)
            .await;
        assert_eq!(ids(&proposals.body), [other.as_str()]);
        let follow_ups = app
            .get_ok(
                &format!("{EMAILS}?email_type=follow_up&sort=version"),
                token,
            )
            .await;
        assert_eq!(ids(&follow_ups.body), [v2_id, v3_id.clone()]);

        Reply::read(app.delete_as(&format!("{EMAILS}/{other}"), token).await)
            .await
            .expect(204);
        assert_eq!(
            app.get_ok(&format!("{EMAILS}/{other}"), token).await.body["is_active"],
            false
        );
        let inactive = app
            .get_ok(&format!("{EMAILS}?is_active=false"), token)
            .await;
        assert_eq!(ids(&inactive.body), [other]);
        assert_eq!(app.total(EMAILS, token).await, 4);

        let missing = format!("{EMAILS}/{}", uuid::Uuid::now_v7());
        assert_error(app.get_as(&missing, token).await, 404, "EMAIL_NOT_FOUND").await;
        assert_error(
            app.get_as(&format!("{missing}/versions"), token).await,
            404,
            "EMAIL_NOT_FOUND",
        )
        .await;
        assert_error(
            app.get_as(&format!("{EMAILS}/x"), token).await,
            400,
            "BAD_REQUEST",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn stale_if_match_on_an_email_edit_is_refused() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_emails_guard");
        let token = &acme.member;
        let v1 = app
            .create(
                EMAILS,
                token,
                &json!({"name": "E", "subject": "s", "body": "b"}),
            )
            .await;
        let path = format!("{EMAILS}/{}", v1.id());
        assert_error(
            app.patch_json(&path, token, &json!({"body": "x"}), Some("\"0\""))
                .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        let v2 = Reply::read(
            app.patch_json(&path, token, &json!({"body": "b2"}), Some(&v1.etag()))
                .await,
        )
        .await
        .expect(201);
        assert_eq!(v2.body["parent_email_id"], v1.id().as_str());
        assert_eq!(app.total(EMAILS, token).await, 2);
        app.cleanup().await;
    }
}
