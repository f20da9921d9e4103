//! [`UpdateStream`]: a background turn's updates as Server-Sent Events, for the endpoints
//! that stream (a chat message, a generation).
//!
//! Each update becomes an event named by its type (`chat.token`, `generate.complete`, …) with
//! its JSON payload; when the updates end, a failed turn adds an `error` event with the error
//! envelope. Dropping the stream (the client went away) cancels the turn through its token.

use super::envelope::{ErrorEnvelope, log_error};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use futures::stream::{self, StreamExt};
use hellosales_app::chat::ChatUpdate;
use hellosales_app::generation::GenerationUpdate;
use hellosales_domain::{AppError, AppResult};
use serde::Serialize;
use std::convert::Infallible;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

/// An update that has an event name.
pub trait NamedUpdate: Serialize + Send + 'static {
    /// The event name.
    fn kind(&self) -> &'static str;
}

impl NamedUpdate for ChatUpdate {
    fn kind(&self) -> &'static str {
        ChatUpdate::kind(self)
    }
}

impl NamedUpdate for hellosales_app::voice::VoiceUpdate {
    fn kind(&self) -> &'static str {
        hellosales_app::voice::VoiceUpdate::kind(self)
    }
}

impl NamedUpdate for GenerationUpdate {
    fn kind(&self) -> &'static str {
        GenerationUpdate::kind(self)
    }
}

/// The updates of one turn, then its error if it failed.
pub struct UpdateStream<U, R> {
    received: mpsc::Receiver<U>,
    turn: Option<JoinHandle<AppResult<R>>>,
    request_id: String,
    /// Added to the error event (the chat's `message_id`).
    context: Option<(&'static str, String)>,
    _cancel_on_drop: DropGuard,
}

impl<U, R> std::fmt::Debug for UpdateStream<U, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateStream")
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

impl<U: NamedUpdate, R: Send + 'static> UpdateStream<U, R> {
    /// The stream of `turn`, which sends its updates to the other end of `received` and is
    /// cancelled by `token` when the stream is dropped.
    pub fn new(
        received: mpsc::Receiver<U>,
        turn: JoinHandle<AppResult<R>>,
        token: CancellationToken,
        request_id: String,
    ) -> Self {
        Self {
            received,
            turn: Some(turn),
            request_id,
            context: None,
            _cancel_on_drop: token.drop_guard(),
        }
    }

    /// Adds `key: value` to the error event's payload.
    #[must_use]
    pub fn with_error_context(mut self, key: &'static str, value: String) -> Self {
        self.context = Some((key, value));
        self
    }

    /// The response.
    pub fn into_response(self) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
        let events = stream::unfold(self, |mut this| async move {
            if let Some(update) = this.received.recv().await {
                let event = Event::default()
                    .event(update.kind())
                    .json_data(&update)
                    .unwrap_or_else(|_| Event::default().event(update.kind()));
                return Some((Ok(event), this));
            }
            let turn = this.turn.take()?;
            let error = match turn.await {
                Ok(Ok(_)) => return None,
                Ok(Err(error)) => error,
                Err(join) => AppError::internal(join),
            };
            log_error(&error);
            let mut envelope =
                serde_json::to_value(ErrorEnvelope::from_error(&error, &this.request_id))
                    .unwrap_or(serde_json::Value::Null);
            if let (Some((key, value)), serde_json::Value::Object(map)) =
                (&this.context, &mut envelope)
            {
                map.insert((*key).to_owned(), serde_json::Value::from(value.clone()));
            }
            let event = Event::default()
                .event("error")
                .json_data(&envelope)
                .unwrap_or_else(|_| Event::default().event("error"));
            Some((Ok(event), this))
        })
        .boxed();
        Sse::new(events).keep_alive(KeepAlive::default())
    }
}
