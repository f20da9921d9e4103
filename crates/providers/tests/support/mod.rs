//! Helpers shared by the adapter tests: the fake server, stream collection, error inspection
//! and the check that the API key never leaks.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use futures::StreamExt;
use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::llm::{ChatEvent, ChatStream};
use hellosales_fake_providers::{FakeProviderServer, Reply};

/// The API key every test configures; it must never appear anywhere but its header.
pub const KEY: &str = "sk-test-SECRET-0123456789";

/// A fake server that answers with `replies` in order (then its default reply).
pub async fn fake(replies: impl IntoIterator<Item = Reply>) -> FakeProviderServer {
    let server = FakeProviderServer::start().await.unwrap();
    for reply in replies {
        server.push(reply);
    }
    server
}

/// Every event of the stream, and the error it ended with, if any.
pub async fn collect(mut stream: ChatStream) -> (Vec<ChatEvent>, Option<AppError>) {
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => events.push(event),
            Err(err) => {
                assert!(
                    stream.next().await.is_none(),
                    "the stream ends after an error"
                );
                return (events, Some(err));
            }
        }
    }
    (events, None)
}

/// The failure of a provider error, checking its provider and operation.
pub fn failure<'a>(err: &'a AppError, provider: &str, operation: &str) -> &'a ProviderFailure {
    match err {
        AppError::Provider {
            provider: actual_provider,
            operation: actual_operation,
            failure,
            ..
        } => {
            assert_eq!(actual_provider, provider);
            assert_eq!(actual_operation, operation);
            failure
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
}

/// Fails if the key, or a telling part of it, is in `text`.
pub fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the key leaked into: {text}");
    assert!(
        !text.contains("SECRET"),
        "part of the key leaked into: {text}"
    );
}

/// Checks that an error names no key in its message nor in its `Debug`.
pub fn assert_error_has_no_key(err: &AppError) {
    assert_no_key(&err.to_string());
    assert_no_key(&format!("{err:?}"));
}
