//! [`SearchService`]: `GET /api/v1/search`: the caller's organization's items ranked by the
//! cosine similarity of their vector to the query's, with a title and a snippet each.
//!
//! The query is embedded once per search (a recorded call, `service = embedding`, with the
//! caller's ids); a search with nothing to rank makes no call. A `session_id` must name one of
//! the caller's sessions (`SESSION_NOT_FOUND` otherwise, as everywhere: another user's or
//! organization's session is not disclosed).

use super::embedder::Embedder;
use super::rank::ranked;
use super::snippet::snippet;
use super::text::item_text;
use hellosales_domain::ports::{AiService, CallContext, SemanticIndexStore, SessionStore};
use hellosales_domain::semantic::{ItemRef, SearchHit, SearchParams, SearchResults, VectorScope};
use hellosales_domain::{AppResult, OrgContext};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Candidates read back beyond the limit, in case some were deleted since they were ranked.
const SPARE_CANDIDATES: usize = 10;

/// Semantic search over an organization's items. Cheap to clone.
#[derive(Clone)]
pub struct SearchService {
    store: Arc<dyn SemanticIndexStore>,
    sessions: Arc<dyn SessionStore>,
    embedder: Embedder,
}

impl fmt::Debug for SearchService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SearchService")
            .field("embedder", &self.embedder)
            .finish_non_exhaustive()
    }
}

impl SearchService {
    /// Search over `store`, checking sessions in `sessions`, embedding queries with
    /// `embedder`.
    #[must_use]
    pub fn new(
        store: Arc<dyn SemanticIndexStore>,
        sessions: Arc<dyn SessionStore>,
        embedder: Embedder,
    ) -> Self {
        Self {
            store,
            sessions,
            embedder,
        }
    }

    /// The items of the caller's organization that best match `params`, best first.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` for bad parameters; `SESSION_NOT_FOUND` for a session that is not
    /// the caller's; the embedding provider's error.
    pub async fn search(
        &self,
        caller: &OrgContext,
        params: SearchParams,
    ) -> AppResult<SearchResults> {
        let query = params.validate()?;
        let (org, user) = (caller.org_id, caller.user_id);
        if let Some(session) = query.session_id {
            self.sessions.get(org, user, session).await?;
        }
        let model = self.embedder.model().to_owned();
        let scope = VectorScope {
            kind: query.kind,
            user,
            session: query.session_id,
        };
        let vectors = self.store.vectors(org, &scope, &model).await?;
        if vectors.is_empty() {
            return Ok(SearchResults {
                items: Vec::new(),
                model_id: model,
            });
        }
        let context = CallContext::new(AiService::Embedding)
            .for_tenant(org, user)
            .with_request_id(caller.request_id.clone());
        let query_vector = self.embedder.embed_one(&context, &query.q).await?;
        let best: Vec<(f32, ItemRef)> = ranked(&query_vector, vectors)
            .into_iter()
            .take(query.limit + SPARE_CANDIDATES)
            .map(|(score, v)| {
                (
                    score,
                    ItemRef {
                        kind: v.kind,
                        id: v.item_id,
                    },
                )
            })
            .collect();
        let refs: Vec<ItemRef> = best.iter().map(|(_, r)| *r).collect();
        let mut items: HashMap<ItemRef, _> = self
            .store
            .items(org, user, &refs)
            .await?
            .into_iter()
            .map(|item| {
                (
                    ItemRef {
                        kind: item.kind(),
                        id: item.id(),
                    },
                    item,
                )
            })
            .collect();
        let hits = best
            .into_iter()
            .filter_map(|(score, reference)| {
                let item = items.remove(&reference)?;
                let text = item_text(&item);
                let body = if text.body.is_empty() {
                    &text.title
                } else {
                    &text.body
                };
                Some(SearchHit {
                    kind: reference.kind,
                    id: reference.id,
                    snippet: snippet(body, &query.q),
                    title: text.title.clone(),
                    score,
                    session_id: item.session_id(),
                    created_at: item.created_at(),
                })
            })
            .take(query.limit)
            .collect();
        Ok(SearchResults {
            items: hits,
            model_id: model,
        })
    }
}
