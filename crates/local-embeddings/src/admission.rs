//! Bounded concurrency for the model: at most `max_concurrency` forward passes at once, at most
//! `queue_capacity` requests waiting for one, and an immediate refusal beyond that (the caller
//! answers `PROVIDER_BUSY` rather than letting a queue of CPU work grow without bound).
//!
//! Two semaphores: the *house* (running + waiting places, taken without waiting) and the
//! *workers* (running places, waited for). Both permits travel with the work into its blocking
//! thread, so a request that is cancelled while its pass runs keeps its place until the CPU is
//! actually free again.

use std::sync::Arc;
use tokio::sync::{AcquireError, OwnedSemaphorePermit, Semaphore};

/// The limits, shared by every clone of an embedder.
#[derive(Debug)]
pub(crate) struct Admission {
    house: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    max_concurrency: usize,
    queue_capacity: usize,
}

/// A place in the house: the request may wait for a worker.
#[derive(Debug)]
pub(crate) struct Admitted {
    place: OwnedSemaphorePermit,
    workers: Arc<Semaphore>,
}

/// A running place: hold it for the whole forward pass.
#[derive(Debug)]
pub(crate) struct Running {
    _place: OwnedSemaphorePermit,
    _worker: OwnedSemaphorePermit,
}

impl Admission {
    /// `max_concurrency` ≥ 1 (checked by the caller).
    pub(crate) fn new(max_concurrency: usize, queue_capacity: usize) -> Self {
        let house = max_concurrency.saturating_add(queue_capacity);
        Self {
            house: Arc::new(Semaphore::new(house.min(Semaphore::MAX_PERMITS))),
            workers: Arc::new(Semaphore::new(max_concurrency.min(Semaphore::MAX_PERMITS))),
            max_concurrency,
            queue_capacity,
        }
    }

    /// A place if one is free, without waiting; `None` when running and waiting places are all
    /// taken.
    pub(crate) fn try_admit(&self) -> Option<Admitted> {
        let place = Arc::clone(&self.house).try_acquire_owned().ok()?;
        Some(Admitted {
            place,
            workers: Arc::clone(&self.workers),
        })
    }

    pub(crate) const fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    pub(crate) const fn queue_capacity(&self) -> usize {
        self.queue_capacity
    }
}

impl Admitted {
    /// Waits for a worker. Fails only if the semaphore was closed, which this crate never does.
    pub(crate) async fn start(self) -> Result<Running, AcquireError> {
        let worker = self.workers.acquire_owned().await?;
        Ok(Running {
            _place: self.place,
            _worker: worker,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[tokio::test]
    async fn refuses_beyond_running_plus_waiting_places() {
        let admission = Admission::new(1, 1);
        let first = admission.try_admit().expect("a running place");
        let second = admission.try_admit().expect("a waiting place");
        assert!(admission.try_admit().is_none(), "house full");
        let running = first.start().await.unwrap();
        // The second waits for the worker the first holds.
        let mut waiting = Box::pin(second.start());
        assert!(futures::poll!(&mut waiting).is_pending());
        assert!(
            admission.try_admit().is_none(),
            "still full while one waits"
        );
        drop(running);
        let second_running = waiting.await.unwrap();
        assert!(admission.try_admit().is_some(), "a place is free again");
        drop(second_running);
    }

    #[tokio::test]
    async fn no_queue_means_only_running_places() {
        let admission = Admission::new(2, 0);
        let a = admission.try_admit().unwrap();
        let b = admission.try_admit().unwrap();
        assert!(admission.try_admit().is_none());
        drop(a);
        assert!(admission.try_admit().is_some());
        drop(b);
    }
}
