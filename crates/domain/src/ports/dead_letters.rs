//! The dead-letter port: writing failed runs, listing and reading an organization's entries,
//! and claiming and settling replays (see [`crate::dead_letters`]).
//!
//! Reads and admin actions take the tenant's [`OrgId`]: another organization's entry answers
//! `DEAD_LETTER_NOT_FOUND`, exactly like a missing one. Claiming is across organizations (the
//! replay worker serves all of them) and must be safe with any number of workers: a claimed
//! entry is never handed to a second worker while its lease runs.

use crate::content::{Page, PageQuery};
use crate::dead_letters::{
    AttemptFailure, DeadLetter, DeadLetterAttempt, DeadLetterFilter, NewDeadLetter,
};
use crate::error::AppResult;
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;
use std::time::Duration;
use uuid::Uuid;

/// Storage of the dead-letter queue.
#[async_trait]
pub trait DeadLetterStore: Send + Sync + 'static {
    /// Writes a new `pending` entry.
    async fn record(&self, entry: &NewDeadLetter) -> AppResult<DeadLetter>;

    /// One page of the organization's entries matching `filter`, newest first.
    async fn list(
        &self,
        org: OrgId,
        filter: &DeadLetterFilter,
        page: PageQuery,
    ) -> AppResult<Page<DeadLetter>>;

    /// One entry.
    ///
    /// # Errors
    /// `DEAD_LETTER_NOT_FOUND` when it is not the organization's.
    async fn get(&self, org: OrgId, id: Uuid) -> AppResult<DeadLetter>;

    /// Claims up to `limit` due entries (`pending`, `next_retry_at` passed, replays left),
    /// oldest due first: each gets `retry_count + 1`, `last_retry_at = now` and
    /// `next_retry_at = now + lease`, so that a worker that dies mid-replay leaves its entries
    /// due again once the lease ends. `worker` names the claimant (for the logs).
    async fn claim_due(
        &self,
        worker: &str,
        limit: u64,
        lease: Duration,
    ) -> AppResult<Vec<DeadLetter>>;

    /// Claims one entry for an admin's retry, now, whatever its schedule or remaining
    /// replays; an `abandoned` or `investigating` entry becomes `pending` again.
    ///
    /// # Errors
    /// `DEAD_LETTER_NOT_FOUND`; `INVALID_STATE` for a resolved entry; `CONFLICT` while
    /// another replay of it is in flight (claimed, lease not over, not yet settled).
    async fn claim(&self, org: OrgId, id: Uuid, lease: Duration) -> AppResult<DeadLetter>;

    /// The replay `attempt` succeeded: `resolved`, with `notes`. `None` when the attempt no
    /// longer holds the entry (a later claim, or an admin settled it meanwhile).
    async fn mark_resolved(
        &self,
        attempt: DeadLetterAttempt,
        notes: &str,
    ) -> AppResult<Option<DeadLetter>>;

    /// The replay `attempt` failed: the error is kept, and the entry is `abandoned` when its
    /// replays are spent (`retry_count >= max_retries`) or `failure.abandon`, otherwise
    /// `pending` again with `failure.next_retry_at`. `None` as for
    /// [`mark_resolved`](Self::mark_resolved).
    async fn mark_failed_attempt(
        &self,
        attempt: DeadLetterAttempt,
        failure: &AttemptFailure,
    ) -> AppResult<Option<DeadLetter>>;

    /// An admin resolved the entry by hand.
    ///
    /// # Errors
    /// `DEAD_LETTER_NOT_FOUND`; `INVALID_STATE` when it is resolved already.
    async fn resolve(
        &self,
        org: OrgId,
        id: Uuid,
        notes: Option<&str>,
        by: UserId,
    ) -> AppResult<DeadLetter>;

    /// An admin gave up on the entry: `abandoned`, no replay scheduled.
    ///
    /// # Errors
    /// `DEAD_LETTER_NOT_FOUND`; `INVALID_STATE` when it is resolved.
    async fn abandon(&self, org: OrgId, id: Uuid, notes: Option<&str>) -> AppResult<DeadLetter>;
}
