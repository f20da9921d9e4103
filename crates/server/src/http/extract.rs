//! Our extractors: JSON, path and query readers whose rejections come back in the error
//! envelope (never as axum's plain text), and [`Authenticated`], which yields the caller's
//! [`OrgContext`].

use super::envelope::ApiError;
use super::request_id::RequestId;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hellosales_domain::error::FieldError;
use hellosales_domain::{AppError, OrgContext};
use std::ops::Deref;

/// A JSON body. Malformed JSON is a 400 `BAD_REQUEST`; JSON of the wrong shape (a missing
/// field, a wrong type, an unknown enum value) is a 422 `VALIDATION_ERROR` naming the problem.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let error = match &rejection {
            JsonRejection::JsonDataError(e) => AppError::Validation {
                message: format!(
                    "the request body does not match the schema: {}",
                    e.body_text()
                ),
                fields: schema_field_error(&e.body_text()).into_iter().collect(),
            },
            JsonRejection::JsonSyntaxError(e) => AppError::bad_request(format!(
                "the request body is not valid JSON: {}",
                e.body_text()
            )),
            JsonRejection::MissingJsonContentType(_) => {
                AppError::bad_request("expected a request with Content-Type: application/json")
            }
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge {
                limit_bytes: crate::startup::BODY_LIMIT_BYTES as u64,
            },
            other => AppError::bad_request(other.body_text()),
        };
        Self(error)
    }
}

/// The field a body-shape error names, read from serde's message ("…target type: `path`:
/// invalid type…", or "unknown field `name`…"), so that the envelope lists it in
/// `details.fields` like any other invalid field.
fn schema_field_error(text: &str) -> Option<FieldError> {
    let detail = text
        .split_once("target type: ")
        .map_or(text, |(_, detail)| detail);
    if let Some(rest) = detail.split_once("unknown field `").map(|(_, rest)| rest) {
        let name = rest.split('`').next()?;
        return Some(FieldError::new(name, "unknown_field", detail));
    }
    let (path, message) = detail.split_once(": ")?;
    let is_path = !path.is_empty() && path != "." && !path.contains(char::is_whitespace);
    is_path.then(|| FieldError::new(path, "invalid_type", message))
}

/// Path parameters. A malformed id (not a UUID) is a 400 `BAD_REQUEST`.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        Self(AppError::bad_request(format!(
            "invalid path parameter: {}",
            rejection.body_text()
        )))
    }
}

/// Query-string parameters. Unreadable parameters are a 400 `BAD_REQUEST`.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self(AppError::bad_request(format!(
            "invalid query parameters: {}",
            rejection.body_text()
        )))
    }
}

/// The authenticated caller: verifies the bearer token, resolves (on first sight, creates) the
/// user, organization and membership, and records the ids on the request span.
///
/// A missing or invalid token is a 401 `UNAUTHORIZED`; an expired one a 401 `TOKEN_EXPIRED`.
#[derive(Debug, Clone)]
pub struct Authenticated(pub OrgContext);

impl Deref for Authenticated {
    type Target = OrgContext;
    fn deref(&self) -> &OrgContext {
        &self.0
    }
}

/// The bearer token of an `Authorization` header value, if it is one.
#[must_use]
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(ResolvedCaller(context)) = parts.extensions.get::<ResolvedCaller>().cloned() {
            record_caller(&context);
            return Ok(Self(context));
        }
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::unauthorized("missing Authorization: Bearer token"))?;
        let token = header.to_str().ok().and_then(bearer_token).ok_or_else(|| {
            AppError::unauthorized("the Authorization header is not a Bearer token")
        })?;
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .unwrap_or_else(RequestId::generate);
        let context = state.authenticate(token, request_id.0).await?;
        record_caller(&context);
        Ok(Self(context))
    }
}

/// The caller, already authenticated from this request's `Authorization` header by a
/// middleware that needed it first (idempotency); [`Authenticated`] takes it from the request
/// extensions instead of verifying the token a second time.
#[derive(Clone, Debug)]
pub(crate) struct ResolvedCaller(pub(crate) OrgContext);

fn record_caller(context: &OrgContext) {
    let span = tracing::Span::current();
    span.record("user_id", tracing::field::display(context.user_id));
    span.record("org_id", tracing::field::display(context.org_id));
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn schema_errors_name_their_field() {
        let typed = super::schema_field_error(
            "Failed to deserialize the JSON body into the target type: key_features[1]: \
             invalid type: integer `5`, expected a string at line 1 column 30",
        );
        assert_eq!(
            typed.map(|f| (f.field, f.code)),
            Some(("key_features[1]".to_owned(), "invalid_type".to_owned()))
        );
        let unknown = super::schema_field_error(
            "Failed to deserialize the JSON body into the target type: unknown field `nmae`, \
             expected one of `name`, `category` at line 1 column 7",
        );
        assert_eq!(
            unknown.map(|f| (f.field, f.code)),
            Some(("nmae".to_owned(), "unknown_field".to_owned()))
        );
        assert!(super::schema_field_error("expected value at line 1 column 1").is_none());
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearer"), None);
    }
}
