//! Lists: `limit` bounds and default, `offset` past the end, `total`, sorting by name both
//! ways and by update time, paging without gaps, and `q` search (case-insensitive, LIKE
//! wildcards taken literally).

use crate::helpers::{Reply, TestApp, assert_error, backends, field_errors, ids, names};
use serde_json::json;

const PRODUCTS: &str = "/api/v1/products";

#[tokio::test]
async fn limits_offsets_totals_and_name_order() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_lists");
        let token = &acme.member;
        let mut expected: Vec<String> = Vec::new();
        for n in (1..=25).rev() {
            let name = format!("Item {n:02}");
            app.create(PRODUCTS, token, &json!({"name": name})).await;
            expected.push(name);
        }
        expected.sort();

        let first = app.get_ok(PRODUCTS, token).await;
        assert_eq!(
            first.body["items"].as_array().unwrap().len(),
            20,
            "default limit"
        );
        assert_eq!(first.body["total"], 25);
        assert_eq!(first.body["limit"], 20);
        assert_eq!(first.body["offset"], 0);
        // The default order is newest first.
        assert_eq!(names(&first.body)[0], "Item 01");

        let all = app.get_ok(&format!("{PRODUCTS}?limit=100"), token).await;
        assert_eq!(all.body["items"].as_array().unwrap().len(), 25);

        let ascending = app
            .get_ok(&format!("{PRODUCTS}?sort=name&limit=100"), token)
            .await;
        assert_eq!(names(&ascending.body), expected);
        let descending = app
            .get_ok(&format!("{PRODUCTS}?sort=-name&limit=100"), token)
            .await;
        let mut reversed = expected.clone();
        reversed.reverse();
        assert_eq!(names(&descending.body), reversed);

        // Pages of 10 by name cover everything once.
        let mut paged = Vec::new();
        for offset in [0, 10, 20] {
            let page = app
                .get_ok(
                    &format!("{PRODUCTS}?sort=name&limit=10&offset={offset}"),
                    token,
                )
                .await;
            assert_eq!(page.body["total"], 25);
            assert_eq!(page.body["limit"], 10);
            assert_eq!(page.body["offset"], offset);
            paged.extend(names(&page.body));
        }
        assert_eq!(paged, expected);

        for offset in [25, 1000] {
            let past = app
                .get_ok(&format!("{PRODUCTS}?offset={offset}"), token)
                .await;
            assert_eq!(past.body["items"], json!([]));
            assert_eq!(past.body["total"], 25);
            assert_eq!(past.body["offset"], offset);
        }

        // The last updated comes first by -updated_at, last by updated_at.
        let oldest = ids(&ascending.body)[0].clone();
        Reply::read(
            app.patch_json(
                &format!("{PRODUCTS}/{oldest}"),
                token,
                &json!({"description": "touched"}),
                None,
            )
            .await,
        )
        .await
        .expect(200);
        let recent = app
            .get_ok(&format!("{PRODUCTS}?sort=-updated_at&limit=1"), token)
            .await;
        assert_eq!(ids(&recent.body), [oldest.as_str()]);
        let stale = app
            .get_ok(&format!("{PRODUCTS}?sort=updated_at&limit=100"), token)
            .await;
        assert_eq!(ids(&stale.body).last(), Some(&oldest));
        app.cleanup().await;
    }
}

#[tokio::test]
async fn bad_limits_and_sorts_name_their_parameter() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_lists_bad");
        let token = &acme.member;
        for resource in [
            "/api/v1/products",
            "/api/v1/clients",
            "/api/v1/scripts",
            "/api/v1/emails",
        ] {
            for (query, field) in [
                ("limit=0", "limit"),
                ("limit=101", "limit"),
                ("sort=bogus", "sort"),
                ("sort=-password", "sort"),
            ] {
                let body = assert_error(
                    app.get_as(&format!("{resource}?{query}"), token).await,
                    422,
                    "VALIDATION_ERROR",
                )
                .await;
                assert_eq!(
                    body["details"]["fields"][0]["field"], field,
                    "{resource}?{query}: {body}"
                );
            }
            let both = assert_error(
                app.get_as(&format!("{resource}?limit=0&sort=bogus"), token)
                    .await,
                422,
                "VALIDATION_ERROR",
            )
            .await;
            let fields: Vec<String> = field_errors(&both).into_iter().map(|(f, _)| f).collect();
            assert_eq!(fields, ["limit", "sort"], "{resource}: {both}");
            assert_error(
                app.get_as(&format!("{resource}?limit=lots"), token).await,
                400,
                "BAD_REQUEST",
            )
            .await;
            let max = app
                .get_ok(&format!("{resource}?limit=100&offset=0"), token)
                .await;
            assert_eq!(max.body["limit"], 100);
            let one = app.get_ok(&format!("{resource}?limit=1"), token).await;
            assert_eq!(one.body["limit"], 1);
        }
        // Each resource sorts by its own fields only.
        app.get_ok("/api/v1/clients?sort=company", token).await;
        app.get_ok("/api/v1/clients?sort=-company", token).await;
        app.get_ok("/api/v1/scripts?sort=-version", token).await;
        app.get_ok("/api/v1/emails?sort=version", token).await;
        for (path, field) in [
            ("/api/v1/products?sort=company", "sort"),
            ("/api/v1/products?sort=version", "sort"),
            ("/api/v1/scripts?sort=company", "sort"),
        ] {
            let body = assert_error(app.get_as(path, token).await, 422, "VALIDATION_ERROR").await;
            assert_eq!(body["details"]["fields"][0]["field"], field, "{path}");
        }
        app.cleanup().await;
    }
}

#[tokio::test]
async fn search_is_case_insensitive_and_takes_wildcards_literally() {
    for backend in backends() {
        let app = TestApp::spawn(&backend).await;
        let acme = app.tenant("org_lists_search");
        let token = &acme.member;
        let shirt = app
            .create(PRODUCTS, token, &json!({"name": "100% Cotton Shirt"}))
            .await
            .id();
        let socks = app
            .create(PRODUCTS, token, &json!({"name": "1000 Cotton Socks"}))
            .await
            .id();
        let underscore = app
            .create(PRODUCTS, token, &json!({"name": "Under_score"}))
            .await
            .id();
        app.create(PRODUCTS, token, &json!({"name": "Underxscore"}))
            .await;
        let organic = app
            .create(
                PRODUCTS,
                token,
                &json!({"name": "Tote", "description": "Made of Organic hemp"}),
            )
            .await
            .id();

        let search = |q: &str| format!("{PRODUCTS}?q={q}&sort=name");
        let percent = app.get_ok(&search("0%25"), token).await;
        assert_eq!(ids(&percent.body), [shirt.as_str()], "% is literal");
        assert_eq!(percent.body["total"], 1);
        let percent_space = app.get_ok(&search("100%25%20cotton"), token).await;
        assert_eq!(ids(&percent_space.body), [shirt.as_str()]);
        let cotton = app.get_ok(&search("COTTON"), token).await;
        let mut found = ids(&cotton.body);
        found.sort();
        let mut both = vec![shirt.clone(), socks.clone()];
        both.sort();
        assert_eq!(found, both);
        assert_eq!(cotton.body["total"], 2);
        let under = app.get_ok(&search("r_s"), token).await;
        assert_eq!(ids(&under.body), [underscore], "_ is literal");
        let described = app.get_ok(&search("oRgAnIc"), token).await;
        assert_eq!(
            ids(&described.body),
            [organic],
            "q searches the description"
        );
        let nothing = app.get_ok(&search("linen"), token).await;
        assert_eq!(nothing.body["total"], 0);
        assert_eq!(nothing.body["items"], json!([]));
        let blank = app.get_ok(&search("%20%20"), token).await;
        assert_eq!(blank.body["total"], 5, "a blank q filters nothing");

        // Search, paging and total together: two pages of one.
        let mut paged = Vec::new();
        for offset in [0, 1] {
            let page = app
                .get_ok(
                    &format!("{PRODUCTS}?q=cotton&sort=name&limit=1&offset={offset}"),
                    token,
                )
                .await;
            assert_eq!(page.body["total"], 2);
            paged.extend(ids(&page.body));
        }
        paged.sort();
        assert_eq!(paged, both);
        app.cleanup().await;
    }
}
