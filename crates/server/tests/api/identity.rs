//! `/api/v1/auth/me` with development tokens: first sight creates the user, organization and
//! membership; later tokens update them; concurrent first logins create one of each.

use crate::helpers::{TestApp, backends};
use futures::future::join_all;
use hellosales_domain::Role;
use serde_json::Value;

#[tokio::test]
async fn me_shows_user_organization_and_role_and_follows_token_changes() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let admin = app.dev_token("org_acme", "Ada@Acme.test", Role::Admin);
        let response = app.get("/api/v1/auth/me", Some(&admin)).await;
        assert_eq!(response.status(), 200, "{backend:?}");
        let me: Value = response.json().await.unwrap();
        assert_eq!(me["role"], "admin");
        assert_eq!(me["organization"]["external_id"], "org_acme");
        assert_eq!(me["user"]["auth_provider"], "dev");
        assert!(
            me["user"]["email"]
                .as_str()
                .unwrap()
                .eq_ignore_ascii_case("ada@acme.test")
        );

        let post: Value = app
            .request(reqwest::Method::POST, "/api/v1/auth/me", Some(&admin))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(post["user"]["id"], me["user"]["id"]);

        // The same person, now a member: same user and organization, new role.
        let member = app.dev_token("org_acme", "ada@acme.test", Role::Member);
        let demoted: Value = app
            .get("/api/v1/auth/me", Some(&member))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(demoted["user"]["id"], me["user"]["id"]);
        assert_eq!(demoted["organization"]["id"], me["organization"]["id"]);
        assert_eq!(demoted["role"], "member");

        // Another organization is another tenant.
        let other = app.dev_token("org_globex", "ada@acme.test", Role::Admin);
        let elsewhere: Value = app
            .get("/api/v1/auth/me", Some(&other))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(elsewhere["user"]["id"], me["user"]["id"]);
        assert_ne!(elsewhere["organization"]["id"], me["organization"]["id"]);
        assert_eq!(elsewhere["organization"]["external_id"], "org_globex");
        app.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_first_logins_create_one_user_org_and_membership() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let token = app.dev_token("org_race", "racer@race.test", Role::Member);
        let responses = join_all((0..24).map(|_| app.get("/api/v1/auth/me", Some(&token)))).await;
        let mut users = Vec::new();
        let mut orgs = Vec::new();
        for response in responses {
            assert_eq!(response.status(), 200, "{backend:?}");
            let me: Value = response.json().await.unwrap();
            users.push(me["user"]["id"].as_str().unwrap().to_owned());
            orgs.push(me["organization"]["id"].as_str().unwrap().to_owned());
        }
        users.dedup();
        orgs.dedup();
        assert_eq!(users.len(), 1, "one user on {backend:?}");
        assert_eq!(orgs.len(), 1, "one organization on {backend:?}");
        app.cleanup().await;
    }
}
