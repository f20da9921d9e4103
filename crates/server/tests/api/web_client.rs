//! The web client served by the server: its pages and assets at `/`, client routes answered
//! with `index.html`, caching and security headers, and the API's own paths untouched.

use crate::helpers::{Backend, TestApp, assert_error};
use reqwest::Method;

/// A built client: `index.html` and one hashed asset.
fn built_client() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("web dir");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>HelloSales</title><div id=root></div>",
    )
    .expect("index");
    std::fs::create_dir(dir.path().join("assets")).expect("assets");
    std::fs::write(
        dir.path().join("assets/index-3f9a1c.js"),
        "console.log('hi')",
    )
    .expect("js");
    dir
}

#[tokio::test]
async fn the_client_is_served_at_the_root_and_on_its_own_routes() {
    let web = built_client();
    let web_dir = web.path().display().to_string();
    let app = TestApp::spawn_with(&Backend::Sqlite, &[("HELLOSALES_WEB_DIR", &web_dir)]).await;

    for path in [
        "/",
        "/products/0193a5c2-7d1e-7f00-8000-000000000000",
        "/pulse/runs/x",
    ] {
        let page = app.get(path, None).await;
        assert_eq!(page.status(), 200, "{path}");
        let headers = page.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_eq!(headers["cache-control"], "no-cache", "{path}");
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"));
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            page.text().await.unwrap().contains("<div id=root>"),
            "{path}"
        );
    }

    let asset = app.get("/assets/index-3f9a1c.js", None).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        asset.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    // The API keeps its own answers: JSON 404s, not the client's page.
    assert_error(
        app.get("/api/v1/no-such-thing", None).await,
        404,
        "NOT_FOUND",
    )
    .await;
    assert_error(app.get("/api", None).await, 404, "NOT_FOUND").await;
    assert_error(app.get("/health/nope", None).await, 404, "NOT_FOUND").await;
    assert_eq!(app.get("/health", None).await.status(), 200);
    assert_eq!(app.get("/openapi.json", None).await.status(), 200);
    // Only reads are the client's.
    assert_error(
        app.request(Method::POST, "/products", None).await,
        404,
        "NOT_FOUND",
    )
    .await;
    // A path that climbs out of the directory gets the client's page, never another file.
    let escape = app.get("/assets/../../etc/passwd", None).await;
    assert!(
        !escape.text().await.unwrap().contains("root:"),
        "a file outside the web dir"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn without_a_built_client_only_the_api_is_served() {
    let missing = tempfile::tempdir().expect("dir");
    let web_dir = missing.path().join("dist").display().to_string();
    let app = TestApp::spawn_with(&Backend::Sqlite, &[("HELLOSALES_WEB_DIR", &web_dir)]).await;
    assert_error(app.get("/", None).await, 404, "NOT_FOUND").await;
    assert_error(app.get("/products", None).await, 404, "NOT_FOUND").await;
    assert_eq!(app.get("/health", None).await.status(), 200);
    app.cleanup().await;
}
