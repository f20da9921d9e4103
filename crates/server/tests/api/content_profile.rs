//! `/api/v1/company-profile`: created by an admin's first `PUT`, replaced whole by later ones,
//! readable by members, guarded by `If-Match`, validated field by field.

use crate::helpers::{Reply, TestApp, assert_error, assert_fields, backends};
use serde_json::json;

const PROFILE: &str = "/api/v1/company-profile";

#[tokio::test]
async fn put_creates_then_replaces_the_whole_profile() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_profile");
        assert_error(
            app.get_as(PROFILE, &acme.admin).await,
            404,
            "COMPANY_PROFILE_NOT_FOUND",
        )
        .await;

        let full = json!({
            "industry": " software ",
            "company_size": "10-50",
            "headquarters_city": "Berlin",
            "headquarters_country": "DE",
            "website": "https://acme.test",
            "sales_team_size": 8,
            "average_deal_size_usd": 12000,
            "sales_cycle_days": 45,
            "target_market": "small sales teams",
            "market_segments": ["SMB"],
            "primary_products": ["CRM"],
            "sales_regions": ["EMEA"],
            "deal_types": ["outbound"],
            "sales_methodology": "MEDDIC",
            "sales_stage": "growing",
            "typical_buying_cycle": {"stages": ["discovery", "demo"]},
            "main_competitors": ["Initech"],
            "competitive_advantages": ["fast onboarding"],
            "unique_selling_points": ["email sync"],
            "company_description": "Acme sells CRM software.",
            "notes": "n"
        });
        let created = Reply::read(app.put_json(PROFILE, &acme.admin, &full, None).await)
            .await
            .expect(201);
        let first_tag = created.etag();
        let profile = &created.body;
        assert_eq!(profile["industry"], "software", "trimmed: {profile}");
        assert_eq!(profile["company_size"], "10-50");
        assert_eq!(profile["sales_team_size"], 8);
        assert_eq!(profile["typical_buying_cycle"]["stages"][1], "demo");
        assert_eq!(profile["main_competitors"], json!(["Initech"]));
        assert!(profile["org_id"].is_string(), "{profile}");
        assert!(profile["created_at"].is_string() && profile["updated_at"].is_string());

        // Members read it, with the same tag.
        let read = app.get_ok(PROFILE, &acme.member).await;
        assert_eq!(read.etag(), first_tag);
        assert_eq!(read.body, created.body);

        // A second PUT replaces everything: absent fields become empty.
        let replaced = Reply::read(
            app.put_json(PROFILE, &acme.admin, &json!({"industry": "fintech"}), None)
                .await,
        )
        .await
        .expect(200);
        let second_tag = replaced.etag();
        assert_ne!(second_tag, first_tag, "a write moves the ETag");
        let profile = &replaced.body;
        assert_eq!(profile["industry"], "fintech");
        for cleared in ["company_size", "website", "sales_team_size", "notes"] {
            assert!(profile[cleared].is_null(), "{cleared} cleared: {profile}");
        }
        for emptied in [
            "market_segments",
            "main_competitors",
            "unique_selling_points",
        ] {
            assert_eq!(profile[emptied], json!([]), "{emptied} emptied: {profile}");
        }
        assert_eq!(profile["typical_buying_cycle"], json!({}));
        assert_eq!(profile["created_at"], created.body["created_at"]);
        let read = app.get_ok(PROFILE, &acme.admin).await;
        assert_eq!(read.etag(), second_tag);
        assert_eq!(read.body, replaced.body);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn only_admins_write_and_if_match_guards_the_replace() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_profile_guard");
        let body = json!({"industry": "software"});

        assert_error(
            app.put_json(PROFILE, &acme.member, &body, None).await,
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        .await;
        // A conditional PUT of a profile that does not exist yet fails.
        assert_error(
            app.put_json(PROFILE, &acme.admin, &body, Some("\"1234\""))
                .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        assert_error(
            app.get_as(PROFILE, &acme.admin).await,
            404,
            "COMPANY_PROFILE_NOT_FOUND",
        )
        .await;

        let created = Reply::read(app.put_json(PROFILE, &acme.admin, &body, None).await)
            .await
            .expect(201);
        let stale = created.etag();
        let current = Reply::read(
            app.put_json(
                PROFILE,
                &acme.admin,
                &json!({"industry": "a"}),
                Some(&stale),
            )
            .await,
        )
        .await
        .expect(200)
        .etag();
        assert_ne!(current, stale);

        assert_error(
            app.put_json(
                PROFILE,
                &acme.admin,
                &json!({"industry": "b"}),
                Some(&stale),
            )
            .await,
            412,
            "PRECONDITION_FAILED",
        )
        .await;
        assert_error(
            app.put_json(
                PROFILE,
                &acme.member,
                &json!({"industry": "c"}),
                Some(&current),
            )
            .await,
            403,
            "INSUFFICIENT_PERMISSIONS",
        )
        .await;
        let read = app.get_ok(PROFILE, &acme.member).await;
        assert_eq!(read.body["industry"], "a", "refused writes changed nothing");
        assert_eq!(read.etag(), current);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn invalid_profiles_list_every_bad_field() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_profile_invalid");
        let bad = json!({
            "industry": "x".repeat(101),
            "company_size": "huge",
            "website": "ftp://acme.test",
            "sales_team_size": -1,
            "sales_cycle_days": 3651,
            "main_competitors": ["Initech", " "],
        });
        assert_fields(
            app.put_json(PROFILE, &acme.admin, &bad, None).await,
            &[
                ("company_size", "unknown_variant"),
                ("industry", "too_long"),
                ("website", "invalid_url"),
                ("sales_team_size", "out_of_range"),
                ("sales_cycle_days", "out_of_range"),
                ("main_competitors[1]", "required"),
            ],
        )
        .await;
        assert_error(
            app.put_json(PROFILE, &acme.admin, &json!({"industri": "typo"}), None)
                .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        assert_error(
            app.put_json(
                PROFILE,
                &acme.admin,
                &json!({"sales_team_size": "eight"}),
                None,
            )
            .await,
            422,
            "VALIDATION_ERROR",
        )
        .await;
        // Nothing was stored.
        assert_error(
            app.get_as(PROFILE, &acme.admin).await,
            404,
            "COMPANY_PROFILE_NOT_FOUND",
        )
        .await;
        app.cleanup().await;
    }
}
