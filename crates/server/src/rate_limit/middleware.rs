//! Where HTTP requests spend their budgets: the REST middleware and the chat and generation
//! extractors.

use super::budget::Budget;
use super::headers;
use crate::http::Authenticated;
use crate::http::extract::{ResolvedCaller, bearer_token};
use crate::http::request_id::RequestId;
use crate::state::AppState;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hellosales_domain::OrgContext;

/// The paths whose requests spend the REST budget (when authenticated).
const LIMITED_PREFIX: &str = "/api/";

/// Spends the REST budget of an authenticated `/api` request: over it, `429 RATE_LIMITED`
/// without running the handler; within it, the response carries the `RateLimit-*` headers.
///
/// The caller is resolved here once and handed to the handler's [`Authenticated`] extractor
/// (and to the idempotency middleware) through the request extensions. Requests without a
/// valid token pass through untouched: the handler answers them 401 as usual.
pub async fn limit_requests(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let limits = state.rate_limits();
    if !request.uri().path().starts_with(LIMITED_PREFIX) || limits.quota(Budget::Requests).is_none()
    {
        return next.run(request).await;
    }
    let Some(caller) = caller_of(&state, request.headers(), request.extensions()).await else {
        return next.run(request).await;
    };
    let spent = limits.spend(Budget::Requests, &caller).await;
    request.extensions_mut().insert(ResolvedCaller(caller));
    match spent {
        Err(limited) => limited.into_response(),
        Ok(decision) => {
            let mut response = next.run(request).await;
            if let Some(decision) = decision {
                headers::apply(response.headers_mut(), Budget::Requests, &decision);
            }
            response
        }
    }
}

/// The caller a request's bearer token names, if it is valid.
async fn caller_of(
    state: &AppState,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Option<OrgContext> {
    if let Some(ResolvedCaller(caller)) = extensions.get::<ResolvedCaller>() {
        return Some(caller.clone());
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)?;
    let request_id = extensions
        .get::<RequestId>()
        .cloned()
        .unwrap_or_else(RequestId::generate);
    state.authenticate(token, request_id.0).await.ok()
}

/// Spends one chat message of the caller's budget before the handler runs: over it, the
/// request is answered `429 RATE_LIMITED` and nothing is stored or started.
#[derive(Debug, Clone, Copy)]
pub struct ChatBudget;

/// Spends one generation of the caller's budget before the handler runs: over it, the request
/// is answered `429 RATE_LIMITED` and nothing is generated.
#[derive(Debug, Clone, Copy)]
pub struct GenerationBudget;

impl FromRequestParts<AppState> for ChatBudget {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        spend(parts, state, Budget::Chat).await.map(|()| Self)
    }
}

impl FromRequestParts<AppState> for GenerationBudget {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        spend(parts, state, Budget::Generations)
            .await
            .map(|()| Self)
    }
}

async fn spend(parts: &mut Parts, state: &AppState, budget: Budget) -> Result<(), Response> {
    let caller = Authenticated::from_request_parts(parts, state)
        .await
        .map_err(IntoResponse::into_response)?;
    state
        .rate_limits()
        .spend(budget, &caller)
        .await
        .map(|_| ())
        .map_err(IntoResponse::into_response)
}
