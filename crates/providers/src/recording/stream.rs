//! [`RecordedStream`]: the provider's chat stream, passed through unchanged, that ends its
//! attempt exactly once: at `Done`, at an error, at an end without `Done`, or when it is
//! dropped before any of these (recorded as `CANCELLED`). The record is submitted before the
//! final item is returned, and [`RecordedStream::recorded`] then waits for its write. Every
//! poll runs inside the call's span.

use super::attempt::{Attempt, Ending};
use super::recorder::Recorder;
use super::writer::RecordWritten;
use super::{Completion, TokenUsage};
use futures::{Stream, StreamExt};
use hellosales_domain::AppResult;
use hellosales_domain::ports::{ChatEvent, ChatStream};
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::runtime::Handle;
use tracing::Span;
use uuid::Uuid;

/// The attempt still to be recorded, with what recording needs.
pub(super) struct Unrecorded {
    pub(super) attempt: Attempt,
    pub(super) recorder: Arc<Recorder>,
    pub(super) runtime: Handle,
}

/// A recorded chat stream: the provider's events, unchanged, and one `provider_calls` record
/// per attempt. Its [`call_id`](Self::call_id) is the id of that record.
pub struct RecordedStream {
    call_id: Uuid,
    inner: Option<ChatStream>,
    unrecorded: Option<Unrecorded>,
    written: Option<RecordWritten>,
    span: Span,
}

impl RecordedStream {
    pub(super) fn new(inner: ChatStream, unrecorded: Unrecorded, span: Span) -> Self {
        Self {
            call_id: unrecorded.attempt.id(),
            inner: Some(inner),
            unrecorded: Some(unrecorded),
            written: None,
            span,
        }
    }

    /// The id of the call's `provider_calls` record (for `pipeline_runs.llm_provider_call_id`).
    #[must_use]
    pub const fn call_id(&self) -> Uuid {
        self.call_id
    }

    /// The write of the call's record, once the stream has ended (`None` before). Await it
    /// before storing a row that refers to the call (`pipeline_runs.llm_provider_call_id`).
    #[must_use]
    pub fn recorded(&self) -> Option<RecordWritten> {
        self.written.clone()
    }

    /// Reads the stream to its end and returns the whole completion, once the call's record
    /// has been written (or its write has failed and been logged), so that the returned
    /// `call_id` can be referred to at once.
    ///
    /// # Errors
    /// The error that ended the stream.
    pub async fn into_completion(mut self) -> AppResult<Completion> {
        let completion = self.read_to_end().await;
        if let Some(written) = self.written.take() {
            written.wait().await;
        }
        completion
    }

    async fn read_to_end(&mut self) -> AppResult<Completion> {
        let mut completion = Completion {
            call_id: self.call_id,
            content: String::new(),
            usage: None,
            finish_reason: None,
        };
        while let Some(event) = self.next().await {
            match event? {
                ChatEvent::Delta(text) => completion.content.push_str(&text),
                ChatEvent::Usage {
                    prompt_tokens,
                    completion_tokens,
                } => {
                    completion.usage = Some(TokenUsage {
                        prompt_tokens,
                        completion_tokens,
                    });
                }
                ChatEvent::Done { finish_reason, .. } => completion.finish_reason = finish_reason,
            }
        }
        Ok(completion)
    }
}

/// Records the attempt, if not done yet, and keeps the write of its record in `written`.
fn end(
    unrecorded: &mut Option<Unrecorded>,
    written: &mut Option<RecordWritten>,
    ending: &Ending<'_>,
    span: &Span,
) {
    if let Some(Unrecorded {
        attempt,
        recorder,
        runtime,
    }) = unrecorded.take()
    {
        *written = Some(recorder.finish(attempt, ending, span, &runtime));
    }
}

impl Stream for RecordedStream {
    type Item = AppResult<ChatEvent>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        let _entered = this.span.enter();
        let polled = inner.as_mut().poll_next(cx);
        match &polled {
            Poll::Pending => {}
            Poll::Ready(Some(Ok(event))) => {
                if let Some(unrecorded) = this.unrecorded.as_mut() {
                    unrecorded.attempt.observe(event);
                }
                if matches!(event, ChatEvent::Done { .. }) {
                    end(
                        &mut this.unrecorded,
                        &mut this.written,
                        &Ending::Completed,
                        &this.span,
                    );
                }
            }
            Poll::Ready(Some(Err(err))) => {
                end(
                    &mut this.unrecorded,
                    &mut this.written,
                    &Ending::Failed(err),
                    &this.span,
                );
                this.inner = None;
            }
            Poll::Ready(None) => {
                end(
                    &mut this.unrecorded,
                    &mut this.written,
                    &Ending::EndedEarly,
                    &this.span,
                );
                this.inner = None;
            }
        }
        polled
    }
}

impl Drop for RecordedStream {
    fn drop(&mut self) {
        if self.unrecorded.is_some() {
            let _entered = self.span.enter();
            end(
                &mut self.unrecorded,
                &mut self.written,
                &Ending::Cancelled,
                &self.span,
            );
        }
    }
}

impl fmt::Debug for RecordedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedStream")
            .field("call_id", &self.call_id)
            .field("ended", &self.inner.is_none())
            .field("recorded", &self.unrecorded.is_none())
            .finish_non_exhaustive()
    }
}
