//! [`SessionService`]: the caller's sessions (start, list, read, resume, end) and their
//! interactions, for the HTTP routes and the WebSocket frames alike. Chat turns themselves are
//! the [`ChatService`](crate::chat::ChatService)'s.

use hellosales_domain::content::{Page, PageParams};
use hellosales_domain::ports::SessionStore;
use hellosales_domain::sessions::{Interaction, NewSession, Session, SessionType};
use hellosales_domain::{AppResult, OrgContext, SessionId};
use std::fmt;
use std::sync::Arc;

/// How many interactions `session.resume` answers.
pub const RESUME_INTERACTIONS: u64 = 20;

/// The caller's sessions. Cheap to clone.
#[derive(Clone)]
pub struct SessionService {
    sessions: Arc<dyn SessionStore>,
}

impl fmt::Debug for SessionService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

impl SessionService {
    /// Sessions of `sessions`.
    #[must_use]
    pub fn new(sessions: Arc<dyn SessionStore>) -> Self {
        Self { sessions }
    }

    /// Starts a session of the caller.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` when `metadata` is not an object or too large.
    pub async fn start(
        &self,
        caller: &OrgContext,
        session_type: Option<SessionType>,
        metadata: Option<serde_json::Value>,
    ) -> AppResult<Session> {
        let session = NewSession::new(session_type, metadata)?;
        self.sessions
            .create(caller.org_id, caller.user_id, &session)
            .await
    }

    /// One page of the caller's sessions, newest first.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on bad paging.
    pub async fn list(&self, caller: &OrgContext, page: PageParams) -> AppResult<Page<Session>> {
        self.sessions
            .list(caller.org_id, caller.user_id, page.validate()?)
            .await
    }

    /// One of the caller's sessions.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    pub async fn get(&self, caller: &OrgContext, id: SessionId) -> AppResult<Session> {
        self.sessions.get(caller.org_id, caller.user_id, id).await
    }

    /// One page of a session's interactions, by sequence number.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`; `VALIDATION_ERROR` on bad paging.
    pub async fn interactions(
        &self,
        caller: &OrgContext,
        id: SessionId,
        page: PageParams,
    ) -> AppResult<Page<Interaction>> {
        let page = page.validate()?;
        self.sessions
            .interactions(caller.org_id, caller.user_id, id, page)
            .await
    }

    /// A session and its last [`RESUME_INTERACTIONS`] interactions, oldest first.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    pub async fn resume(
        &self,
        caller: &OrgContext,
        id: SessionId,
    ) -> AppResult<(Session, Vec<Interaction>)> {
        let session = self.get(caller, id).await?;
        let recent = self
            .sessions
            .recent_interactions(caller.org_id, id, RESUME_INTERACTIONS)
            .await?;
        Ok((session, recent))
    }

    /// Ends a session (ending an ended session changes nothing).
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND`.
    pub async fn end(&self, caller: &OrgContext, id: SessionId) -> AppResult<Session> {
        self.sessions.end(caller.org_id, caller.user_id, id).await
    }
}
