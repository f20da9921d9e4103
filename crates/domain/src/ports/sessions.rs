//! The session port: sessions, their interactions, their rolling summaries and the summary
//! cadence (specification §3.2).
//!
//! Every method takes the tenant's [`OrgId`]; the methods a user calls also take the
//! [`UserId`], because a session is private to its user. A session of another organization or
//! another user is answered `SESSION_NOT_FOUND`, exactly like a missing one.
//!
//! # Sequence numbers
//! [`SessionStore::append`] numbers a session's interactions 1, 2, 3, … without gaps, however
//! many appends run at once and on however many servers: the number is taken from the
//! session's `interaction_count`, incremented in the same transaction that inserts the row, so
//! a failed insert gives its number back.

use crate::content::{Page, PageQuery};
use crate::error::AppResult;
use crate::ids::{InteractionId, OrgId, SessionId, UserId};
use crate::sessions::{
    HeardSpeech, Interaction, InteractionRole, NewInteraction, NewSession, NewSummary, Session,
    SessionSummary, SummaryState,
};
use async_trait::async_trait;

/// Storage of sessions and interactions.
#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Creates an active session of `user`.
    async fn create(&self, org: OrgId, user: UserId, session: &NewSession) -> AppResult<Session>;

    /// The session.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND` when it is not `user`'s in `org`.
    async fn get(&self, org: OrgId, user: UserId, id: SessionId) -> AppResult<Session>;

    /// One page of `user`'s sessions, newest first.
    async fn list(&self, org: OrgId, user: UserId, page: PageQuery) -> AppResult<Page<Session>>;

    /// Ends the session (sets `ended_at` and `duration_ms`); ending an ended session changes
    /// nothing and answers it as it is.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    async fn end(&self, org: OrgId, user: UserId, id: SessionId) -> AppResult<Session>;

    /// Appends an interaction with the next sequence number and counts it in the session.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`; `INVALID_STATE` when the session has ended; `CONFLICT` when the
    /// session already holds a message of the same role with the same `message_id`.
    async fn append(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        interaction: &NewInteraction,
    ) -> AppResult<Interaction>;

    /// Writes what speech-to-text heard into the stored voice message `interaction`: its
    /// content and transcript, the duration and the call.
    ///
    /// # Errors
    /// `INTERACTION_NOT_FOUND` when the message is not in the organization's session.
    async fn record_transcript(
        &self,
        org: OrgId,
        session: SessionId,
        interaction: InteractionId,
        heard: &HeardSpeech,
    ) -> AppResult<Interaction>;

    /// The interaction of `role` with the client's `message_id` in the session, if any.
    async fn find_message(
        &self,
        org: OrgId,
        session: SessionId,
        role: InteractionRole,
        message_id: &str,
    ) -> AppResult<Option<Interaction>>;

    /// One page of the session's interactions, by sequence number.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    async fn interactions(
        &self,
        org: OrgId,
        user: UserId,
        session: SessionId,
        page: PageQuery,
    ) -> AppResult<Page<Interaction>>;

    /// The session's last `limit` interactions, oldest first.
    async fn recent_interactions(
        &self,
        org: OrgId,
        session: SessionId,
        limit: u64,
    ) -> AppResult<Vec<Interaction>>;

    /// The session's interactions with a sequence number in `after + 1 ..= through`, oldest
    /// first (`through` `None`: to the end).
    async fn interactions_between(
        &self,
        org: OrgId,
        session: SessionId,
        after: u32,
        through: Option<u32>,
    ) -> AppResult<Vec<Interaction>>;

    /// Adds `usd_micros` to the session's total cost (and its rounded-up cents).
    async fn add_cost(&self, org: OrgId, session: SessionId, usd_micros: i64) -> AppResult<()>;

    /// The newest summary of the session, if any.
    async fn latest_summary(
        &self,
        org: OrgId,
        session: SessionId,
    ) -> AppResult<Option<SessionSummary>>;

    /// Counts one more completed turn in the session's summary cadence and answers the state
    /// after it (created on the first turn).
    async fn record_turn(&self, org: OrgId, session: SessionId) -> AppResult<SummaryState>;

    /// Stores the next summary version of the session and resets its cadence
    /// (`turns_since_summary` 0, `last_cutoff_sequence` the summary's cutoff). `None` when
    /// another writer stored a summary since `expected_version` (the session's newest version
    /// when the summary was started, 0 for none): the cadence is then left alone.
    async fn save_summary(
        &self,
        org: OrgId,
        session: SessionId,
        expected_version: u32,
        summary: &NewSummary,
    ) -> AppResult<Option<SessionSummary>>;
}
