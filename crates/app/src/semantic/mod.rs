//! Semantic memory and search: every product, client, script, email and chat message is
//! embedded in the background and re-embedded when its text changes ([`Indexer`]); a search
//! ranks an organization's items by cosine similarity to the query ([`SearchService`]); a chat
//! turn recalls the relevant earlier messages its prompt would otherwise not carry
//! ([`Memory`], used by the `summary_enrich` stage).
//!
//! - `text`: what is embedded of each kind, titles, the content hash;
//! - `snippet`: the best-matching part of a result's text;
//! - `rank`: cosine similarity, brute force;
//! - `embedder`: the recorded embedding model and its id.
//!
//! Storage is the domain's [`SemanticIndexStore`] port; the model an `EmbeddingProvider`
//! behind the recording wrapper. What does not live here: the HTTP route and the wiring
//! (`hellosales-server`), and the choice of a provider.

mod embedder;
mod indexer;
mod memory;
mod rank;
mod search;
mod snippet;
mod text;

pub use embedder::Embedder;
pub use indexer::{IndexReport, Indexer, IndexerConfig};
pub use memory::{Memory, MemoryConfig, RecallRequest, Recalled};
pub use rank::cosine;
pub use search::SearchService;
pub use snippet::{SNIPPET_CHARS, snippet};
pub use text::{ItemText, MAX_EMBEDDED_CHARS, content_hash, item_text};

use hellosales_domain::ports::{SemanticIndexStore, SessionStore};
use std::sync::Arc;

/// The semantic services of one embedding model. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Semantic {
    /// The background indexer.
    pub indexer: Indexer,
    /// Search.
    pub search: SearchService,
    /// Chat memory.
    pub memory: Memory,
    embedder: Embedder,
}

impl Semantic {
    /// The services on `store` (and `sessions`, to check a search's session), with
    /// `embedder`.
    #[must_use]
    pub fn new(
        store: Arc<dyn SemanticIndexStore>,
        sessions: Arc<dyn SessionStore>,
        embedder: Embedder,
        indexer: IndexerConfig,
        memory: MemoryConfig,
    ) -> Self {
        Self {
            indexer: Indexer::new(store.clone(), embedder.clone(), indexer),
            search: SearchService::new(store.clone(), sessions, embedder.clone()),
            memory: Memory::new(store, embedder.clone(), memory),
            embedder,
        }
    }

    /// The embedding model.
    #[must_use]
    pub const fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    /// Waits until every embedding call record is written.
    pub async fn flush(&self) {
        self.embedder.flush().await;
    }
}
