//! The rate-limit response headers (IETF `draft-ietf-httpapi-ratelimit-headers`, the
//! separate-field form) and the `429` response of a request over its budget.
//!
//! - `RateLimit-Limit`: the budget's size (requests per window, also its burst).
//! - `RateLimit-Remaining`: requests left now.
//! - `RateLimit-Reset`: seconds (rounded up) until the bucket is full again.
//! - `RateLimit-Policy`: `<limit>;w=<window seconds>;name="<budget>"`.
//! - `Retry-After` (on `429` only): seconds, rounded up, until one request is allowed again.

use super::Limited;
use super::budget::{Budget, Decision};
use crate::http::ApiError;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

/// `RateLimit-Limit`.
pub static RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
/// `RateLimit-Remaining`.
pub static RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
/// `RateLimit-Reset`.
pub static RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
/// `RateLimit-Policy`.
pub static RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Sets the headers of `decision` on `headers`, unless a budget's headers are already there
/// (the chat and generation budgets, answered first, win over the REST budget).
pub fn apply(headers: &mut HeaderMap, budget: Budget, decision: &Decision) {
    if headers.contains_key(&RATELIMIT_POLICY) {
        return;
    }
    let values = [
        (&RATELIMIT_LIMIT, decision.quota.limit.to_string()),
        (&RATELIMIT_REMAINING, decision.remaining.to_string()),
        (&RATELIMIT_RESET, decision.reset_seconds().to_string()),
        (
            &RATELIMIT_POLICY,
            format!(
                "{};w={};name=\"{budget}\"",
                decision.quota.limit,
                decision.quota.period.as_secs()
            ),
        ),
    ];
    for (name, value) in values {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name.clone(), value);
        }
    }
}

impl IntoResponse for Limited {
    /// `429 RATE_LIMITED` (rendered into the envelope by the error middleware) with
    /// `Retry-After` and the budget's `RateLimit-*` headers.
    fn into_response(self) -> Response {
        let mut response = ApiError(self.error()).into_response();
        apply(response.headers_mut(), self.budget, &self.decision);
        response
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::rate_limit::budget::{Quota, gcra};
    use axum::http::{StatusCode, header};

    #[test]
    fn a_refusal_carries_retry_after_and_the_policy() {
        let quota = Quota::per_minute(4).unwrap();
        let now = 1_000_000;
        let mut tat = 0;
        for _ in 0..4 {
            tat = gcra(quota, tat, now).1.unwrap();
        }
        let (decision, _) = gcra(quota, tat, now + 2_500_000);
        let response = Limited {
            budget: Budget::Generations,
            decision,
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let header = |name: &HeaderName| response.headers()[name].to_str().unwrap().to_owned();
        assert_eq!(header(&header::RETRY_AFTER), "13");
        assert_eq!(header(&RATELIMIT_LIMIT), "4");
        assert_eq!(header(&RATELIMIT_REMAINING), "0");
        assert_eq!(header(&RATELIMIT_RESET), "58");
        assert_eq!(header(&RATELIMIT_POLICY), "4;w=60;name=\"generations\"");
    }

    #[test]
    fn the_first_budget_answered_keeps_its_headers() {
        let quota = Quota::per_minute(10).unwrap();
        let (chat, _) = gcra(quota, 0, 1);
        let mut headers = HeaderMap::new();
        apply(&mut headers, Budget::Chat, &chat);
        let requests = Quota::per_minute(600).unwrap();
        apply(&mut headers, Budget::Requests, &gcra(requests, 0, 1).0);
        assert_eq!(headers[&RATELIMIT_LIMIT], "10");
        assert_eq!(headers[&RATELIMIT_REMAINING], "9");
    }
}
