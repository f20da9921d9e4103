//! [`Indexer`]: the background work that keeps the semantic index current.
//!
//! Every interval (`EMBEDDING_INDEX_INTERVAL_MS`) it takes, for each kind, up to a batch
//! (`EMBEDDING_BATCH_SIZE`) of items whose vector is missing or older than the item, builds
//! their text, and:
//! - when the text hashes as the stored vector's did (an edit of the price, an archived
//!   flag…), confirms the vector without calling the model;
//! - otherwise embeds the texts, one call per organization (each pays its own calls, recorded
//!   with `service = embedding`), and stores the vectors.
//!
//! Then it purges the vectors of content that was deleted, archived or superseded. A full
//! batch means more is waiting: the next pass starts at once.
//!
//! Errors never stop the indexer: a failed call or write is logged and retried at the next
//! pass. A call refused as malformed (one bad input in a batch) is retried input by input, so
//! that one item cannot hold the others back. Several instances may index at once: writes are
//! upserts, so the worst case is an item embedded twice.

use super::embedder::Embedder;
use super::text::{content_hash, item_text};
use hellosales_domain::ports::{AiService, CallContext, SemanticIndexStore};
use hellosales_domain::semantic::{ItemVector, SearchKind, StaleItem};
use hellosales_domain::{AppResult, OrgId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

/// Passes [`Indexer::index_pending`] makes at most before it gives up catching up.
const MAX_CATCH_UP_PASSES: usize = 1_000;

/// The indexer's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexerConfig {
    /// Time between passes (`EMBEDDING_INDEX_INTERVAL_MS`).
    pub interval: Duration,
    /// The most items of one kind per pass (`EMBEDDING_BATCH_SIZE`).
    pub batch_size: u64,
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(5),
            batch_size: 32,
        }
    }
}

/// What a pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexReport {
    /// Items embedded and stored.
    pub embedded: usize,
    /// Items whose text had not changed: their vector was confirmed.
    pub confirmed: usize,
    /// Items that could not be embedded or stored (retried at the next pass).
    pub failed: usize,
    /// Vectors of deleted, archived or superseded content removed.
    pub purged: u64,
    /// Whether some kind had a full batch (more may be waiting).
    pub more: bool,
}

impl IndexReport {
    fn add(&mut self, other: Self) {
        self.embedded += other.embedded;
        self.confirmed += other.confirmed;
        self.failed += other.failed;
        self.purged += other.purged;
        self.more |= other.more;
    }

    /// Whether the pass brought anything up to date.
    #[must_use]
    pub const fn progressed(&self) -> bool {
        self.embedded > 0 || self.confirmed > 0 || self.purged > 0
    }
}

/// Keeps the semantic index current. Cheap to clone.
#[derive(Clone)]
pub struct Indexer {
    store: Arc<dyn SemanticIndexStore>,
    embedder: Embedder,
    config: IndexerConfig,
}

impl fmt::Debug for Indexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Indexer")
            .field("embedder", &self.embedder)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// An item ready to embed: the stale item, its text and the text's hash.
struct Pending {
    stale: StaleItem,
    text: String,
    hash: String,
}

impl Indexer {
    /// An indexer writing to `store`, embedding with `embedder`.
    #[must_use]
    pub fn new(
        store: Arc<dyn SemanticIndexStore>,
        embedder: Embedder,
        config: IndexerConfig,
    ) -> Self {
        Self {
            store,
            embedder,
            config,
        }
    }

    /// One pass: a batch of each kind, then the purge. Never fails: what fails is logged,
    /// counted in [`IndexReport::failed`] and retried at the next pass.
    pub async fn run_once(&self) -> IndexReport {
        let span = tracing::debug_span!("semantic.index", model = %self.embedder.model());
        async {
            let mut report = IndexReport::default();
            for kind in SearchKind::ALL {
                report.add(self.index_kind(kind).await);
            }
            match self.store.purge().await {
                Ok(purged) => report.purged = purged,
                Err(error) => {
                    tracing::warn!(error = %error, code = error.code(), "purging stale vectors failed");
                }
            }
            if report.progressed() || report.failed > 0 {
                tracing::debug!(
                    embedded = report.embedded,
                    confirmed = report.confirmed,
                    failed = report.failed,
                    purged = report.purged,
                    "semantic index pass"
                );
            }
            report
        }
        .instrument(span)
        .await
    }

    /// Passes until nothing more is waiting or a pass makes no progress (everything left
    /// fails); the reports added up. For tests and operators; the background task runs
    /// [`Indexer::run`].
    pub async fn index_pending(&self) -> IndexReport {
        let mut total = IndexReport::default();
        for _ in 0..MAX_CATCH_UP_PASSES {
            let report = self.run_once().await;
            total.add(report);
            if !report.more || !report.progressed() {
                break;
            }
        }
        total.more = false;
        total
    }

    /// Indexes every interval, the first pass one interval after the start, until `stop` is
    /// cancelled (a pass in progress is abandoned between statements; what it stored stays
    /// stored).
    pub async fn run(self, stop: CancellationToken) {
        let interval = self.config.interval;
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tracing::info!(
            provider = %self.embedder.provider(),
            model = %self.embedder.model(),
            "semantic indexer started"
        );
        loop {
            tokio::select! {
                () = stop.cancelled() => break,
                _ = ticks.tick() => {}
            }
            loop {
                let report = tokio::select! {
                    () = stop.cancelled() => return,
                    report = self.run_once() => report,
                };
                if !(report.more && report.progressed()) {
                    break;
                }
            }
        }
        tracing::info!("semantic indexer stopped");
    }

    /// A batch of `kind`.
    async fn index_kind(&self, kind: SearchKind) -> IndexReport {
        let model = self.embedder.model();
        let stale = match self.store.stale(kind, model, self.config.batch_size).await {
            Ok(stale) => stale,
            Err(error) => {
                tracing::warn!(%kind, error = %error, code = error.code(), "reading items to embed failed");
                return IndexReport {
                    failed: 1,
                    ..IndexReport::default()
                };
            }
        };
        let mut report = IndexReport {
            more: u64::try_from(stale.len()).unwrap_or(u64::MAX) >= self.config.batch_size,
            ..IndexReport::default()
        };
        let mut by_org: BTreeMap<OrgId, Vec<Pending>> = BTreeMap::new();
        for stale in stale {
            let text = item_text(&stale.item).embedded();
            let hash = content_hash(&text);
            if stale.indexed_hash.as_deref() == Some(hash.as_str()) {
                match self.confirm(&stale).await {
                    Ok(()) => report.confirmed += 1,
                    Err(error) => {
                        tracing::warn!(%kind, item_id = %stale.item.id(), error = %error, code = error.code(), "confirming a vector failed");
                        report.failed += 1;
                    }
                }
                continue;
            }
            by_org
                .entry(stale.org_id)
                .or_default()
                .push(Pending { stale, text, hash });
        }
        for (org, pending) in by_org {
            let count = pending.len();
            match self.embed_and_store(org, pending).await {
                Ok((embedded, failed)) => {
                    report.embedded += embedded;
                    report.failed += failed;
                }
                Err(error) => {
                    tracing::warn!(%kind, org_id = %org, items = count, error = %error, code = error.code(), "embedding failed; retrying at the next pass");
                    report.failed += count;
                }
            }
        }
        report
    }

    async fn confirm(&self, stale: &StaleItem) -> AppResult<()> {
        self.store
            .confirm(
                stale.org_id,
                stale.item.kind(),
                stale.item.id(),
                self.embedder.model(),
                stale.item.version(),
            )
            .await
    }

    /// Embeds `pending` (one call) and stores the vectors; a batch refused as malformed is
    /// retried item by item. Answers how many were stored and how many failed.
    async fn embed_and_store(
        &self,
        org: OrgId,
        pending: Vec<Pending>,
    ) -> AppResult<(usize, usize)> {
        let context = CallContext {
            org_id: Some(org),
            ..CallContext::new(AiService::Embedding)
        };
        let texts = pending.iter().map(|p| p.text.clone()).collect();
        match self.embedder.embed(&context, texts).await {
            Ok(vectors) => {
                let stored = pending.len();
                self.save(&pending, vectors).await?;
                Ok((stored, 0))
            }
            Err(error) if pending.len() > 1 && !error.retryable() => {
                tracing::debug!(org_id = %org, error = %error, "a batch was refused; embedding its items one by one");
                let (mut stored, mut failed) = (0, 0);
                for one in pending {
                    match self.embedder.embed(&context, vec![one.text.clone()]).await {
                        Ok(vectors) => {
                            self.save(std::slice::from_ref(&one), vectors).await?;
                            stored += 1;
                        }
                        Err(error) => {
                            tracing::warn!(kind = %one.stale.item.kind(), item_id = %one.stale.item.id(), error = %error, code = error.code(), "an item could not be embedded");
                            failed += 1;
                        }
                    }
                }
                Ok((stored, failed))
            }
            Err(error) => Err(error),
        }
    }

    async fn save(&self, pending: &[Pending], vectors: Vec<Vec<f32>>) -> AppResult<()> {
        let model = self.embedder.model();
        let rows: Vec<ItemVector> = pending
            .iter()
            .zip(vectors)
            .map(|(p, vector)| ItemVector {
                org_id: p.stale.org_id,
                kind: p.stale.item.kind(),
                item_id: p.stale.item.id(),
                session_id: p.stale.item.session_id(),
                content_hash: p.hash.clone(),
                source_version: p.stale.item.version(),
                model_id: model.to_owned(),
                vector,
            })
            .collect();
        self.store.upsert(&rows).await
    }
}
