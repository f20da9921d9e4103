//! [`Memory`]: the earlier messages of a session that the chat prompt would otherwise not
//! carry (those up to the summary's cutoff, or older than the history window) and that are
//! most similar to the new message: at most `MEMORY_TOP_K` of them, at least
//! `MEMORY_MIN_SIMILARITY` close, oldest first.
//!
//! The new message is embedded at once (one recorded call, part of the chat run); earlier
//! messages are those the indexer has embedded already. A lookup is bounded by
//! `MEMORY_TIMEOUT_MS`, so that a slow embedding model cannot hold a chat turn.

use super::embedder::Embedder;
use super::rank::ranked;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{CallContext, EMBEDDING_OPERATION, SemanticIndexStore};
use hellosales_domain::semantic::{IndexedItem, ItemRef, SearchKind};
use hellosales_domain::sessions::InteractionRole;
use hellosales_domain::{AppError, AppResult, OrgId, SessionId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How much a chat remembers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MemoryConfig {
    /// The most earlier messages added to a prompt (`MEMORY_TOP_K`; 0 disables memory).
    pub top_k: usize,
    /// The least cosine similarity of a message worth adding (`MEMORY_MIN_SIMILARITY`).
    pub min_similarity: f32,
    /// The longest a lookup may take (`MEMORY_TIMEOUT_MS`).
    pub timeout: Duration,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            top_k: 3,
            min_similarity: 0.3,
            timeout: Duration::from_secs(2),
        }
    }
}

/// What a lookup is for.
#[derive(Clone, Debug)]
pub struct RecallRequest<'a> {
    /// The tenant.
    pub org: OrgId,
    /// The session's user.
    pub user: UserId,
    /// The session.
    pub session: SessionId,
    /// Messages numbered 1 to this are candidates (0: none).
    pub through: u32,
    /// The new message.
    pub text: &'a str,
    /// The run the query's embedding call belongs to.
    pub context: CallContext,
}

/// An earlier message recalled for the prompt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recalled {
    /// Its number in the session.
    pub sequence_number: u32,
    /// Who wrote it.
    pub role: InteractionRole,
    /// Its text.
    pub content: String,
    /// Its cosine similarity to the new message.
    pub score: f32,
}

/// Looks up a session's relevant earlier messages. Cheap to clone.
#[derive(Clone)]
pub struct Memory {
    store: Arc<dyn SemanticIndexStore>,
    embedder: Embedder,
    config: MemoryConfig,
}

impl fmt::Debug for Memory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Memory")
            .field("embedder", &self.embedder)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Memory {
    /// Memory over `store`, embedding new messages with `embedder`.
    #[must_use]
    pub fn new(
        store: Arc<dyn SemanticIndexStore>,
        embedder: Embedder,
        config: MemoryConfig,
    ) -> Self {
        Self {
            store,
            embedder,
            config,
        }
    }

    /// Whether lookups can answer anything (`MEMORY_TOP_K` > 0).
    #[must_use]
    pub const fn enabled(&self) -> bool {
        self.config.top_k > 0
    }

    /// The most relevant earlier messages, oldest first. Nothing (and no call) when memory is
    /// disabled, there is nothing before `through`, or none of it is embedded yet.
    ///
    /// # Errors
    /// The store's or the embedding provider's error; `PROVIDER_TIMEOUT` past the timeout.
    pub async fn recall(&self, request: RecallRequest<'_>) -> AppResult<Vec<Recalled>> {
        if !self.enabled() || request.through == 0 || request.text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let timeout = self.config.timeout;
        tokio::time::timeout(timeout, self.lookup(request))
            .await
            .unwrap_or_else(|_| {
                Err(AppError::Provider {
                    provider: self.embedder.provider().to_owned(),
                    operation: EMBEDDING_OPERATION.to_owned(),
                    failure: ProviderFailure::Timeout,
                    message: format!(
                        "the memory lookup took longer than {} ms",
                        timeout.as_millis()
                    ),
                })
            })
    }

    async fn lookup(&self, request: RecallRequest<'_>) -> AppResult<Vec<Recalled>> {
        let RecallRequest {
            org,
            user,
            session,
            through,
            text,
            context,
        } = request;
        let model = self.embedder.model();
        let vectors = self
            .store
            .session_vectors(org, user, session, model, through)
            .await?;
        if vectors.is_empty() {
            return Ok(Vec::new());
        }
        let query = self.embedder.embed_one(&context, text).await?;
        let best: Vec<(f32, ItemRef)> = ranked(&query, vectors)
            .into_iter()
            .filter(|(score, _)| *score >= self.config.min_similarity)
            .take(self.config.top_k)
            .map(|(score, vector)| {
                (
                    score,
                    ItemRef {
                        kind: SearchKind::Interaction,
                        id: vector.item_id,
                    },
                )
            })
            .collect();
        if best.is_empty() {
            return Ok(Vec::new());
        }
        let refs: Vec<ItemRef> = best.iter().map(|(_, r)| *r).collect();
        let scores: HashMap<_, _> = best.iter().map(|(score, r)| (r.id, *score)).collect();
        let mut recalled: Vec<Recalled> = self
            .store
            .items(org, user, &refs)
            .await?
            .into_iter()
            .filter_map(|item| match item {
                IndexedItem::Interaction(i) if i.session_id == session => Some(Recalled {
                    score: scores.get(&i.id.0).copied().unwrap_or_default(),
                    sequence_number: i.sequence_number,
                    role: i.role,
                    content: i.content,
                }),
                _ => None,
            })
            .collect();
        recalled.sort_by_key(|r| r.sequence_number);
        Ok(recalled)
    }
}
