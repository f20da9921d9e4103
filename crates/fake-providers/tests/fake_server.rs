//! The fake provider server seen from a plain HTTP client: what it records, the order of its
//! replies, and the wire shapes it answers with.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hellosales_fake_providers::{Disconnect, FakeProviderServer, Reply};
use serde_json::{Value, json};

async fn post(url: String, body: &Value) -> reqwest::Response {
    // reqwest is built without a default TLS provider; plain HTTP still needs one installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
        .post(url)
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn records_method_path_query_headers_and_json_body() {
    let server = FakeProviderServer::start().await.unwrap();
    let url = format!(
        "{}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
        server.gemini_base_url()
    );
    let response = post(url, &json!({"contents": []})).await;
    assert_eq!(response.status(), 200);
    let sent = server.requests().remove(0);
    assert_eq!(sent.method, "POST");
    assert_eq!(
        sent.path,
        "/v1beta/models/gemini-2.0-flash:streamGenerateContent"
    );
    assert_eq!(sent.query.as_deref(), Some("alt=sse"));
    assert_eq!(
        sent.header("TraceParent"),
        Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    );
    assert_eq!(sent.body, json!({"contents": []}));
    assert_eq!(sent.model(), Some("gemini-2.0-flash"));
}

#[tokio::test]
async fn queued_replies_are_served_in_order_then_the_default() {
    let server = FakeProviderServer::start().await.unwrap();
    server.push(Reply::rate_limited(7));
    server.push(Reply::server_error());
    server.set_default(Reply::unauthorized());
    let url = || format!("{}/chat/completions", server.openai_base_url());
    let body = json!({"model": "m", "messages": []});
    let first = post(url(), &body).await;
    assert_eq!(first.status(), 429);
    assert_eq!(first.headers()["retry-after"], "7");
    let error: Value = first.json().await.unwrap();
    assert_eq!(error["error"]["message"], "rate limit reached");
    assert_eq!(post(url(), &body).await.status(), 500);
    assert_eq!(post(url(), &body).await.status(), 401);
    assert_eq!(post(url(), &body).await.status(), 401);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn openai_streams_chunks_and_gives_usage_only_when_asked() {
    let server = FakeProviderServer::start().await.unwrap();
    server.set_default(Reply::text(["a", "b"]).with_usage(3, 2));
    let url = || format!("{}/chat/completions", server.openai_base_url());
    let asked = json!({"model": "m", "stream": true, "stream_options": {"include_usage": true}});
    let body = post(url(), &asked).await.text().await.unwrap();
    let events: Vec<&str> = body.split("\n\n").filter(|e| !e.is_empty()).collect();
    assert_eq!(events.len(), 5, "{body}");
    assert!(events[0].contains(r#""content":"a""#), "{body}");
    assert!(events[3].contains(r#""prompt_tokens":3"#), "{body}");
    assert_eq!(events[4], "data: [DONE]");
    let not_asked = post(url(), &json!({"model": "m", "stream": true}))
        .await
        .text()
        .await
        .unwrap();
    assert!(!not_asked.contains("usage"), "{not_asked}");
}

#[tokio::test]
async fn gemini_errors_use_the_google_error_shape_and_need_alt_sse_to_stream() {
    let server = FakeProviderServer::start().await.unwrap();
    server.push(Reply::rate_limited(2));
    let base = server.gemini_base_url();
    let limited = post(
        format!("{base}/v1beta/models/m:generateContent"),
        &json!({}),
    )
    .await;
    assert_eq!(limited.status(), 429);
    let error: Value = limited.json().await.unwrap();
    assert_eq!(
        error,
        json!({"error": {"code": 429, "message": "rate limit reached", "status": "RESOURCE_EXHAUSTED"}})
    );
    let no_sse = post(
        format!("{base}/v1beta/models/m:streamGenerateContent"),
        &json!({}),
    )
    .await;
    assert_eq!(no_sse.status(), 400);
}

#[tokio::test]
async fn a_disconnect_cuts_the_body_before_its_end() {
    let server = FakeProviderServer::start().await.unwrap();
    let cut = Disconnect::new();
    server.push(Reply::text(["a", "b"]).disconnect_after(1, &cut));
    let url = format!("{}/chat/completions", server.openai_base_url());
    let response = post(url, &json!({"model": "m", "stream": true})).await;
    assert_eq!(response.status(), 200);
    cut.now();
    assert!(
        response.text().await.is_err(),
        "the body must end in an error"
    );
}

#[tokio::test]
async fn hashed_embeddings_put_texts_sharing_words_closer() {
    let server = FakeProviderServer::start().await.unwrap();
    server.set_default(Reply::hashed_embeddings(64));
    let url = format!("{}/embeddings", server.openai_base_url());
    let body = json!({
        "model": "fake-embed",
        "input": ["zephyr enterprise pricing", "pricing of zephyr", "bakery croissants"],
    });
    let answer: Value = post(url.clone(), &body).await.json().await.unwrap();
    assert_eq!(answer["model"], "fake-embed");
    let mut data = answer["data"].as_array().unwrap().clone();
    data.sort_by_key(|d| d["index"].as_u64());
    let vectors: Vec<Vec<f64>> = data
        .iter()
        .map(|d| {
            d["embedding"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(vectors.len(), 3);
    assert!(vectors.iter().all(|v| v.len() == 64));
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    assert!(dot(&vectors[0], &vectors[1]) > dot(&vectors[0], &vectors[2]));
    // The same text gets the same vector, whatever the request.
    let again: Value = post(url, &json!({"model": "m", "input": "bakery croissants"}))
        .await
        .json()
        .await
        .unwrap();
    let single: Vec<f64> = again["data"][0]["embedding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(single, vectors[2]);
}
