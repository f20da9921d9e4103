//! A search request (`GET /api/v1/search`) as sent and validated, and its answer.

use super::SearchKind;
use crate::content::Checks;
use crate::error::AppResult;
use crate::ids::SessionId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The longest search text, in characters.
pub const MAX_SEARCH_QUERY: usize = 500;
/// Results when the client does not say.
pub const DEFAULT_SEARCH_LIMIT: usize = 10;
/// The most results a search answers.
pub const MAX_SEARCH_LIMIT: usize = 50;

/// The parameters of a search, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for, 1 to 500 characters.
    pub q: Option<String>,
    /// Only items of this kind: `product`, `client`, `script`, `email` or `interaction`.
    #[param(value_type = Option<SearchKind>)]
    pub kind: Option<String>,
    /// Only the messages of this session of the caller's (a UUID).
    #[param(value_type = Option<String>, format = Uuid)]
    pub session_id: Option<String>,
    /// Results, 1 to 50 (default 10).
    pub limit: Option<u64>,
}

/// A validated search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    /// The text, trimmed, never blank.
    pub q: String,
    /// One kind, or every kind.
    pub kind: Option<SearchKind>,
    /// One session's messages only.
    pub session_id: Option<SessionId>,
    /// The most results.
    pub limit: usize,
}

impl SearchParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` naming each bad parameter: `q` missing, blank or too long; `kind`
    /// unknown; `session_id` not a UUID, or given with a kind other than `interaction`;
    /// `limit` out of range.
    pub fn validate(self) -> AppResult<SearchQuery> {
        let mut checks = Checks::default();
        let mut q = self.q.unwrap_or_default();
        checks.required("q", &mut q, MAX_SEARCH_QUERY);
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<SearchKind>() {
                Ok(kind) => Some(kind),
                Err(message) => {
                    checks.fail("kind", "unknown_variant", message);
                    None
                }
            },
        };
        let session_id = match self.session_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => match text.parse::<Uuid>() {
                Ok(id) => Some(SessionId(id)),
                Err(_) => {
                    checks.fail("session_id", "invalid_uuid", "session_id must be a UUID");
                    None
                }
            },
        };
        if let (Some(kind), Some(_)) = (kind, session_id)
            && kind != SearchKind::Interaction
        {
            checks.fail(
                "session_id",
                "not_applicable",
                format!("session_id selects interactions; it cannot be used with kind={kind}"),
            );
        }
        let limit = self.limit.unwrap_or(DEFAULT_SEARCH_LIMIT as u64);
        if !(1..=MAX_SEARCH_LIMIT as u64).contains(&limit) {
            checks.fail(
                "limit",
                "out_of_range",
                format!("limit must be between 1 and {MAX_SEARCH_LIMIT}"),
            );
        }
        checks.finish()?;
        Ok(SearchQuery {
            q,
            kind,
            session_id,
            limit: usize::try_from(limit).unwrap_or(DEFAULT_SEARCH_LIMIT),
        })
    }
}

/// One search result.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    /// What it is.
    pub kind: SearchKind,
    /// Its id (a product, client, script or email version, or interaction id).
    #[schema(value_type = String, format = Uuid)]
    pub id: Uuid,
    /// Its name (an interaction: who wrote it and its number in the session).
    pub title: String,
    /// The part of its text that best matches the query (about 200 characters).
    pub snippet: String,
    /// Cosine similarity to the query, -1 to 1 (higher is closer).
    pub score: f32,
    /// The session of an interaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<SessionId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// The answer of a search: the best matches, best first.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    /// The matches, best first.
    pub items: Vec<SearchHit>,
    /// The embedding model the ranking used.
    pub model_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn params(
        q: Option<&str>,
        kind: Option<&str>,
        session: Option<&str>,
        limit: Option<u64>,
    ) -> SearchParams {
        SearchParams {
            q: q.map(str::to_owned),
            kind: kind.map(str::to_owned),
            session_id: session.map(str::to_owned),
            limit,
        }
    }

    fn fields(params: SearchParams) -> Vec<(String, String)> {
        match params.validate() {
            Err(AppError::Validation { fields, .. }) => {
                fields.into_iter().map(|f| (f.field, f.code)).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn defaults_and_trimming() {
        let query = params(Some("  pricing "), None, None, None).validate().ok();
        assert_eq!(
            query,
            Some(SearchQuery {
                q: "pricing".to_owned(),
                kind: None,
                session_id: None,
                limit: DEFAULT_SEARCH_LIMIT,
            })
        );
        let session = SessionId::new();
        let text = session.to_string();
        let query = params(Some("x"), Some("interaction"), Some(&text), Some(50))
            .validate()
            .ok();
        assert_eq!(query.as_ref().and_then(|q| q.session_id), Some(session));
        assert_eq!(
            query.map(|q| (q.kind, q.limit)),
            Some((Some(SearchKind::Interaction), 50))
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let long = "x".repeat(MAX_SEARCH_QUERY + 1);
        let pair = |f: &str, c: &str| (f.to_owned(), c.to_owned());
        assert_eq!(
            fields(params(None, None, None, None)),
            [pair("q", "required")]
        );
        assert_eq!(
            fields(params(Some("  "), None, None, None)),
            [pair("q", "required")]
        );
        assert_eq!(
            fields(params(Some(&long), None, None, None)),
            [pair("q", "too_long")]
        );
        assert_eq!(
            fields(params(Some("x"), Some("document"), Some("nope"), Some(0))),
            [
                pair("kind", "unknown_variant"),
                pair("session_id", "invalid_uuid"),
                pair("limit", "out_of_range")
            ]
        );
        let session = SessionId::new().to_string();
        assert_eq!(
            fields(params(Some("x"), Some("product"), Some(&session), Some(51))),
            [
                pair("session_id", "not_applicable"),
                pair("limit", "out_of_range")
            ]
        );
    }
}
