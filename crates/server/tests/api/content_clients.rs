//! `/api/v1/clients`: create, read, partial update, soft and hard delete, `If-Match`, the
//! industry filter and the company sort.

use crate::helpers::{Reply, TestApp, assert_error, backends, ids, names};
use serde_json::json;

const CLIENTS: &str = "/api/v1/clients";

#[tokio::test]
async fn clients_are_created_read_patched_and_archived() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_clients");
        let created = app
            .create(
                CLIENTS,
                &acme.member,
                &json!({
                    "name": "Dana Smith",
                    "company": "Globex",
                    "title": "VP Sales",
                    "industry": "logistics",
                    "email": "dana@globex.test",
                    "pain_points": ["manual reporting"],
                    "goals": ["grow 20%"],
                    "objection_patterns": ["too expensive"],
                    "communication_style": "direct",
                    "decision_criteria": ["price"]
                }),
            )
            .await;
        let id = created.id();
        let path = format!("{CLIENTS}/{id}");
        let client = &created.body;
        assert_eq!(client["email"], "dana@globex.test");
        assert_eq!(client["is_active"], true);
        assert_eq!(client["pain_points"], json!(["manual reporting"]));

        let read = app.get_ok(&path, &acme.admin).await;
        assert_eq!(read.body, created.body);
        assert_eq!(read.etag(), created.etag());

        let patched = Reply::read(
            app.patch_json(
                &path,
                &acme.member,
                &json!({"title": null, "goals": null, "email": "dana@initech.test"}),
                None,
            )
            .await,
        )
        .await
        .expect(200);
        let client = &patched.body;
        assert_eq!(client["name"], "Dana Smith");
        assert_eq!(client["company"], "Globex");
        assert!(client["title"].is_null(), "{client}");
        assert_eq!(client["goals"], json!([]));
        assert_eq!(client["pain_points"], json!(["manual reporting"]));
        assert_eq!(client["email"], "dana@initech.test");
        assert_ne!(patched.etag(), created.etag());
        assert_eq!(app.get_ok(&path, &acme.member).await.body, patched.body);

        Reply::read(app.delete_as(&path, &acme.member).await)
            .await
            .expect(204);
        let archived = app.get_ok(&path, &acme.member).await;
        assert_eq!(archived.body["is_active"], false);
        assert_eq!(archived.body["email"], "dana@initech.test");
        let inactive = app
            .get_ok(&format!("{CLIENTS}?is_active=false"), &acme.member)
            .await;
        assert_eq!(ids(&inactive.body), [id]);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn hard_delete_if_match_and_unknown_ids() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_clients_hard");
        let created = app
            .create(CLIENTS, &acme.member, &json!({"name": "Doomed"}))
            .await;
        let path = format!("{CLIENTS}/{}", created.id());

        let fresh = Reply::read(
            app.patch_json(
                &path,
                &acme.member,
                &json!({"company": "A"}),
                Some(&created.etag()),
            )
            .await,
        )
        .await
        .expect(200);
        assert_error(
            app.patch_json(
                &path,
                &acme.member,
                &json!({"company": "B"}),
                Some(&created.etag()),
            )
            .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        let read = app.get_ok(&path, &acme.member).await;
        assert_eq!(read.body["company"], "A");
        assert_eq!(read.etag(), fresh.etag());

        let hard = format!("{path}?hard=true");
        assert_error(
            app.delete_as(&hard, &acme.member).await,
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        .await;
        Reply::read(app.delete_as(&hard, &acme.admin).await)
            .await
            .expect(204);
        assert_error(
            app.get_as(&path, &acme.member).await,
            404,
            "CLIENT_NOT_FOUND",
        )
        .await;
        assert_eq!(app.total(CLIENTS, &acme.member).await, 0);

        let missing = format!("{CLIENTS}/{}", uuid::Uuid::now_v7());
        assert_error(
            app.get_as(&missing, &acme.admin).await,
            404,
            "CLIENT_NOT_FOUND",
        )
        .await;
        assert_error(
            app.patch_json(&missing, &acme.admin, &json!({"name": "x"}), None)
                .await,
            404,
            "CLIENT_NOT_FOUND",
        )
        .await;
        let bad = format!("{CLIENTS}/123");
        assert_error(app.get_as(&bad, &acme.admin).await, 400, "BAD_REQUEST").await;
        assert_error(app.delete_as(&bad, &acme.admin).await, 400, "BAD_REQUEST").await;
        assert_error(
            app.patch_json(&bad, &acme.admin, &json!({"name": "x"}), None)
                .await,
            400,
            "BAD_REQUEST",
        )
        .await;
        app.cleanup().await;
    }
}

#[tokio::test]
async fn clients_filter_by_industry_and_sort_by_company() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_clients_list");
        for (name, company, industry) in [
            ("Bea", "Charlie Corp", "logistics"),
            ("Cal", "Alpha Inc", "retail"),
            ("Abe", "Bravo Ltd", "logistics"),
        ] {
            app.create(
                CLIENTS,
                &acme.member,
                &json!({"name": name, "company": company, "industry": industry}),
            )
            .await;
        }
        let by_company = app
            .get_ok(&format!("{CLIENTS}?sort=company"), &acme.member)
            .await;
        assert_eq!(names(&by_company.body), ["Cal", "Abe", "Bea"]);
        let descending = app
            .get_ok(&format!("{CLIENTS}?sort=-company"), &acme.member)
            .await;
        assert_eq!(names(&descending.body), ["Bea", "Abe", "Cal"]);

        let logistics = app
            .get_ok(
                &format!("{CLIENTS}?industry=logistics&sort=name"),
                &acme.member,
            )
            .await;
        assert_eq!(names(&logistics.body), ["Abe", "Bea"]);
        assert_eq!(logistics.body["total"], 2);

        let by_company_text = app
            .get_ok(&format!("{CLIENTS}?q=bravo"), &acme.member)
            .await;
        assert_eq!(
            names(&by_company_text.body),
            ["Abe"],
            "q searches the company too"
        );
        app.cleanup().await;
    }
}
