//! Incremental output: a running stage sends [`StreamItem`]s (LLM tokens, partial results) that
//! the caller receives while the pipeline is still running.
//!
//! The caller creates a bounded channel with [`stream_channel`] and passes the sender in
//! [`RunOptions::stream`](crate::RunOptions::stream); stages call
//! [`StageContext::stream`](crate::StageContext::stream) or
//! [`StageContext::try_stream`](crate::StageContext::try_stream).
//!
//! # Back-pressure policy
//!
//! * `stream(data).await` waits for room in the channel, so a slow reader slows the producing
//!   stage down instead of buffering without bound.
//! * It never waits forever: if the reader makes no room within the run's stall timeout
//!   ([`RunOptions::stream_stall_timeout`](crate::RunOptions::stream_stall_timeout), 10 s by
//!   default) it returns [`StreamError::Stalled`]; if the stage is cancelled meanwhile it returns
//!   [`StreamError::Cancelled`]. A caller that awaits the run without reading the channel
//!   therefore gets a failed stage, not a deadlock.
//! * If the caller dropped the receiver, it returns [`StreamError::Closed`] at once.
//! * `try_stream(data)` never waits: it returns [`StreamError::Full`] when there is no room.
//! * When the run has no stream channel, items are discarded and both return `Ok(())`.
//!
//! Every error converts into a non-retryable [`StageError`] (a retry would send the same
//! tokens twice), so `ctx.stream(token).await?` fails the stage.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;
use tokio_util::sync::CancellationToken;

use crate::error::{StageError, StageErrorKind, codes};

/// The stall timeout used when [`RunOptions`](crate::RunOptions) does not set one.
pub const DEFAULT_STREAM_STALL_TIMEOUT: Duration = Duration::from_secs(10);

/// One piece of incremental output.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamItem {
    /// The stage that sent it.
    pub stage: Arc<str>,
    /// The payload, for example `{"token": "Hel"}`.
    pub data: Value,
}

/// Creates the bounded channel a caller passes to
/// [`RunOptions::stream`](crate::RunOptions::stream). `capacity` is at least 1.
#[must_use]
pub fn stream_channel(capacity: usize) -> (mpsc::Sender<StreamItem>, mpsc::Receiver<StreamItem>) {
    mpsc::channel(capacity.max(1))
}

/// Why an item could not be streamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// The caller dropped the receiver.
    #[error("the stream receiver was dropped")]
    Closed,
    /// The channel is full (only from `try_stream`).
    #[error("the stream channel is full")]
    Full,
    /// The reader made no room within the stall timeout.
    #[error("the stream reader made no room for {0:?}")]
    Stalled(Duration),
    /// The stage was cancelled while waiting for room.
    #[error("the stage was cancelled while streaming")]
    Cancelled,
}

impl From<StreamError> for StageError {
    fn from(error: StreamError) -> Self {
        let code = match error {
            StreamError::Closed => codes::STREAM_CLOSED,
            StreamError::Full | StreamError::Stalled(_) => codes::STREAM_STALLED,
            StreamError::Cancelled => codes::STREAM_CANCELLED,
        };
        Self::with_kind(StageErrorKind::Stream, code, error.to_string(), false)
    }
}

/// The run's stream channel and policy, shared by its stages.
#[derive(Debug, Clone)]
pub(crate) struct StreamTarget {
    tx: Option<mpsc::Sender<StreamItem>>,
    stall_timeout: Duration,
}

impl StreamTarget {
    pub(crate) fn new(tx: Option<mpsc::Sender<StreamItem>>, stall_timeout: Duration) -> Self {
        Self { tx, stall_timeout }
    }

    pub(crate) fn is_enabled(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    pub(crate) fn try_send(&self, stage: &Arc<str>, data: Value) -> Result<(), StreamError> {
        let Some(tx) = &self.tx else { return Ok(()) };
        tx.try_send(item(stage, data)).map_err(|error| match error {
            TrySendError::Full(_) => StreamError::Full,
            TrySendError::Closed(_) => StreamError::Closed,
        })
    }

    pub(crate) async fn send(
        &self,
        stage: &Arc<str>,
        data: Value,
        cancellation: &CancellationToken,
    ) -> Result<(), StreamError> {
        let Some(tx) = &self.tx else { return Ok(()) };
        let pending = match tx.try_send(item(stage, data)) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Closed(_)) => return Err(StreamError::Closed),
            Err(TrySendError::Full(pending)) => pending,
        };
        tokio::select! {
            biased;
            () = cancellation.cancelled() => Err(StreamError::Cancelled),
            sent = tx.send(pending) => sent.map_err(|_| StreamError::Closed),
            () = tokio::time::sleep(self.stall_timeout) => Err(StreamError::Stalled(self.stall_timeout)),
        }
    }
}

fn item(stage: &Arc<str>, data: Value) -> StreamItem {
    StreamItem {
        stage: Arc::clone(stage),
        data,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use serde_json::json;

    #[tokio::test(start_paused = true)]
    async fn waits_for_room_then_gives_up_after_the_stall_timeout() {
        let (tx, mut rx) = stream_channel(1);
        let target = StreamTarget::new(Some(tx), Duration::from_secs(2));
        let stage: Arc<str> = "llm".into();
        let token = CancellationToken::new();
        target.send(&stage, json!("a"), &token).await.unwrap();
        assert_eq!(
            target.send(&stage, json!("b"), &token).await,
            Err(StreamError::Stalled(Duration::from_secs(2)))
        );
        assert_eq!(target.try_send(&stage, json!("c")), Err(StreamError::Full));
        assert_eq!(rx.recv().await.unwrap().data, json!("a"));
        target.send(&stage, json!("d"), &token).await.unwrap();
        drop(rx);
        assert_eq!(
            target.send(&stage, json!("e"), &token).await,
            Err(StreamError::Closed)
        );
    }

    #[tokio::test]
    async fn cancellation_interrupts_a_waiting_send() {
        let (tx, _rx) = stream_channel(1);
        let target = StreamTarget::new(Some(tx), Duration::from_secs(3600));
        let stage: Arc<str> = "llm".into();
        let token = CancellationToken::new();
        target.send(&stage, json!(1), &token).await.unwrap();
        token.cancel();
        assert_eq!(
            target.send(&stage, json!(2), &token).await,
            Err(StreamError::Cancelled)
        );
    }

    #[tokio::test]
    async fn without_a_channel_items_are_discarded() {
        let target = StreamTarget::new(None, DEFAULT_STREAM_STALL_TIMEOUT);
        let stage: Arc<str> = "llm".into();
        assert!(!target.is_enabled());
        assert_eq!(
            target
                .send(&stage, json!(1), &CancellationToken::new())
                .await,
            Ok(())
        );
        let error = StageError::from(StreamError::Closed);
        assert_eq!(error.code(), codes::STREAM_CLOSED);
    }
}
