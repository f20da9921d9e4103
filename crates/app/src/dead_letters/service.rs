//! [`DeadLetterService`]: the organization's dead-letter queue, for its admins — list, read,
//! retry now, resolve and abandon. Members are refused `INSUFFICIENT_PERMISSIONS`; another
//! organization's entry answers `DEAD_LETTER_NOT_FOUND`.
//!
//! A retry replays the entry at once, whatever its schedule: an `abandoned` or `investigating`
//! entry may be retried too (even past its replays), a `resolved` one may not
//! (`INVALID_STATE`: its replay would do its work twice), nor one whose replay is in flight
//! (`CONFLICT`).

use super::{DeadLetterReplayer, WorkerConfig};
use crate::services::content::require_admin;
use hellosales_domain::content::Page;
use hellosales_domain::dead_letters::{DeadLetter, DeadLetterNotes, DeadLetterParams};
use hellosales_domain::ports::DeadLetterStore;
use hellosales_domain::{AppResult, OrgContext};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// The dead-letter queue for admins. Cheap to clone.
#[derive(Clone)]
pub struct DeadLetterService {
    store: Arc<dyn DeadLetterStore>,
    replayer: DeadLetterReplayer,
    lease: Duration,
}

impl fmt::Debug for DeadLetterService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetterService").finish_non_exhaustive()
    }
}

impl DeadLetterService {
    /// The service on `store`, replaying with `replayer` under the worker's lease.
    #[must_use]
    pub fn new(
        store: Arc<dyn DeadLetterStore>,
        replayer: DeadLetterReplayer,
        worker: &WorkerConfig,
    ) -> Self {
        Self {
            store,
            replayer,
            lease: worker.lease,
        }
    }

    /// One page of the organization's entries, newest first.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`; `VALIDATION_ERROR` on a bad status or paging.
    pub async fn list(
        &self,
        caller: &OrgContext,
        params: DeadLetterParams,
    ) -> AppResult<Page<DeadLetter>> {
        require_admin(caller)?;
        let (filter, page) = params.validate()?;
        self.store.list(caller.org_id, &filter, page).await
    }

    /// One entry.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`; `DEAD_LETTER_NOT_FOUND`.
    pub async fn get(&self, caller: &OrgContext, id: Uuid) -> AppResult<DeadLetter> {
        require_admin(caller)?;
        self.store.get(caller.org_id, id).await
    }

    /// Replays the entry now and answers it as it then is.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`; `DEAD_LETTER_NOT_FOUND`; `INVALID_STATE` (resolved);
    /// `CONFLICT` (a replay in flight).
    pub async fn retry(&self, caller: &OrgContext, id: Uuid) -> AppResult<DeadLetter> {
        require_admin(caller)?;
        let claimed = self.store.claim(caller.org_id, id, self.lease).await?;
        let (_, updated) = self.replayer.replay(claimed).await?;
        match updated {
            Some(entry) => Ok(entry),
            None => self.store.get(caller.org_id, id).await,
        }
    }

    /// Resolves the entry by hand, as the caller.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`; `VALIDATION_ERROR` (notes too long);
    /// `DEAD_LETTER_NOT_FOUND`; `INVALID_STATE` (resolved already).
    pub async fn resolve(
        &self,
        caller: &OrgContext,
        id: Uuid,
        notes: DeadLetterNotes,
    ) -> AppResult<DeadLetter> {
        require_admin(caller)?;
        let notes = notes.validate()?;
        self.store
            .resolve(caller.org_id, id, notes.as_deref(), caller.user_id)
            .await
    }

    /// Gives up on the entry.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`; `VALIDATION_ERROR`; `DEAD_LETTER_NOT_FOUND`;
    /// `INVALID_STATE` (resolved).
    pub async fn abandon(
        &self,
        caller: &OrgContext,
        id: Uuid,
        notes: DeadLetterNotes,
    ) -> AppResult<DeadLetter> {
        require_admin(caller)?;
        let notes = notes.validate()?;
        self.store
            .abandon(caller.org_id, id, notes.as_deref())
            .await
    }
}
