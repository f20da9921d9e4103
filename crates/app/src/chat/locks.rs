//! [`SessionLocks`]: one chat turn at a time per session, in this process.
//!
//! A second message to a session waits until the turn before it ended, so that its prompt
//! holds the previous answer and the session's messages alternate. Entries are removed when
//! nobody holds or waits for a session's lock, so the map holds only busy sessions. Across
//! several server instances the database still numbers messages without gaps; only the
//! strict alternation is per instance.

use hellosales_domain::SessionId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::OwnedMutexGuard;

type Entry = Arc<tokio::sync::Mutex<()>>;

/// The per-session locks. Cheap to clone.
#[derive(Clone, Default)]
pub struct SessionLocks {
    map: Arc<Mutex<HashMap<SessionId, Entry>>>,
}

impl fmt::Debug for SessionLocks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLocks")
            .field("busy", &self.busy())
            .finish()
    }
}

impl SessionLocks {
    /// Waits for the session's turn and holds it until the guard is dropped.
    pub async fn lock(&self, session: SessionId) -> SessionTurn {
        let entry = {
            let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(map.entry(session).or_default())
        };
        let guard = entry.lock_owned().await;
        SessionTurn {
            guard: Some(guard),
            session,
            map: Arc::clone(&self.map),
        }
    }

    /// How many sessions have a turn running or waiting.
    #[must_use]
    pub fn busy(&self) -> usize {
        self.map
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A session's turn; the next one starts when it is dropped.
pub struct SessionTurn {
    guard: Option<OwnedMutexGuard<()>>,
    session: SessionId,
    map: Arc<Mutex<HashMap<SessionId, Entry>>>,
}

impl fmt::Debug for SessionTurn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionTurn")
            .field("session", &self.session)
            .finish()
    }
}

impl Drop for SessionTurn {
    fn drop(&mut self) {
        let mut map = self.map.lock().unwrap_or_else(PoisonError::into_inner);
        // The map and this turn's guard hold the entry: nobody else waits for it. Waiters clone
        // the entry under the map's lock, so the count cannot change while it is held.
        if map
            .get(&self.session)
            .is_some_and(|entry| Arc::strong_count(entry) == 2)
        {
            map.remove(&self.session);
        }
        drop(self.guard.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn turns_of_one_session_wait_and_the_map_empties() {
        let locks = SessionLocks::default();
        let session = SessionId::new();
        let first = locks.lock(session).await;
        let other = locks.lock(SessionId::new()).await;
        let waiting = tokio::spawn({
            let locks = locks.clone();
            async move { locks.lock(session).await }
        });
        // The second turn of `session` cannot start while the first is held: give the waiting
        // task every chance to run (a current-thread runtime runs it at each yield).
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
        assert!(
            !waiting.is_finished(),
            "the second turn started during the first"
        );
        drop(first);
        let second = waiting.await;
        assert!(second.is_ok());
        drop(second);
        drop(other);
        assert_eq!(locks.busy(), 0);
    }
}
