//! A streamed chat completion over server-sent events, shared by the adapters: reads the body
//! chunk by chunk (each within the request timeout), splits it into events with
//! [`SseParser`], and lets a provider's [`SseChatDecoder`] turn each event into [`ChatEvent`]s.
//!
//! The stream ends after `Done` or after the first error, as the port requires.

use crate::failure::{self, Fault};
use crate::http::ProviderHttp;
use crate::sse::SseParser;
use futures::{Stream, StreamExt, stream};
use hellosales_domain::error::{AppError, AppResult};
use hellosales_domain::ports::llm::{ChatCompletion, ChatEvent, ChatStream, LLM_OPERATION};
use reqwest::{Url, header};
use serde::Serialize;
use std::collections::VecDeque;
use std::pin::Pin;

/// Whether a decoded event completed the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Progress {
    /// More events are expected.
    Open,
    /// `Done` was queued: nothing after it is read.
    Complete,
}

/// A provider's reading of its streamed events.
pub(crate) trait SseChatDecoder: Send + 'static {
    /// Decodes the `data` of one event, queuing the chat events it carries.
    fn event(&mut self, data: &str, out: &mut VecDeque<ChatEvent>) -> Result<Progress, Fault>;

    /// The body ended: queues the final events, or says why the stream is incomplete.
    fn end(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), Fault>;
}

/// What a stream reported besides content: usage, finish reason, model.
#[derive(Debug, Default)]
pub(crate) struct StreamSummary {
    /// `(prompt, completion)` tokens, the last reported.
    pub(crate) usage: Option<(u32, u32)>,
    /// Why generation stopped, the last reported.
    pub(crate) finish_reason: Option<String>,
    /// The model that answered, the last reported.
    pub(crate) model: Option<String>,
}

impl StreamSummary {
    /// Records a model name, ignoring an empty one.
    pub(crate) fn set_model(&mut self, model: Option<String>) {
        if let Some(model) = model.filter(|m| !m.is_empty()) {
            self.model = Some(model);
        }
    }

    /// Queues `Usage` (when reported) and `Done`.
    pub(crate) fn finish(&mut self, out: &mut VecDeque<ChatEvent>) {
        if let Some((prompt_tokens, completion_tokens)) = self.usage.take() {
            out.push_back(ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            });
        }
        out.push_back(ChatEvent::Done {
            finish_reason: self.finish_reason.take(),
            model: self.model.take(),
        });
    }

    /// The whole completion of a non-streamed answer with this summary.
    pub(crate) fn into_completion(self, content: String) -> ChatCompletion {
        ChatCompletion {
            content,
            prompt_tokens: self.usage.map(|(prompt, _)| prompt),
            completion_tokens: self.usage.map(|(_, completion)| completion),
            finish_reason: self.finish_reason,
            model: self.model,
        }
    }
}

/// Posts `body` to `url` asking for server-sent events, and streams the chat events that
/// `decoder` reads from the answer.
///
/// # Errors
/// Those of [`ProviderHttp::send`], for operation `llm`.
pub(crate) async fn open<D: SseChatDecoder>(
    http: &ProviderHttp,
    url: &Url,
    body: &impl Serialize,
    decoder: D,
) -> AppResult<ChatStream> {
    let builder = http
        .post_json(url, body)
        .header(header::ACCEPT, "text/event-stream");
    let response = http.send(LLM_OPERATION, builder).await?;
    Ok(chat_event_stream(http.clone(), response, decoder))
}

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>;

/// The chat events of a successful streaming response, decoded by `decoder`.
fn chat_event_stream<D: SseChatDecoder>(
    http: ProviderHttp,
    response: reqwest::Response,
    decoder: D,
) -> ChatStream {
    let state = StreamState {
        http,
        bytes: Box::pin(response.bytes_stream()),
        parser: SseParser::new(),
        decoder,
        ready: VecDeque::new(),
        error: None,
        finished: false,
    };
    Box::pin(stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.ready.pop_front() {
                return Some((Ok(event), state));
            }
            if let Some(err) = state.error.take() {
                return Some((Err(err), state));
            }
            if state.finished {
                return None;
            }
            state.read_more().await;
        }
    }))
}

/// The state of one streamed completion.
struct StreamState<D> {
    http: ProviderHttp,
    bytes: ByteStream,
    parser: SseParser,
    decoder: D,
    ready: VecDeque<ChatEvent>,
    /// The error to yield once the ready events are out.
    error: Option<AppError>,
    /// `Done` or an error was seen: yield what is ready, then end.
    finished: bool,
}

impl<D: SseChatDecoder> StreamState<D> {
    /// Reads the next chunk and queues the events it completes (or the error it causes).
    async fn read_more(&mut self) {
        let timeout = self.http.request_timeout();
        match tokio::time::timeout(timeout, self.bytes.next()).await {
            Err(_) => self.fail(self.http.timeout_fault("no data")),
            Ok(Some(Err(err))) => self.fail(failure::transport_fault(&err, "stream broken")),
            Ok(Some(Ok(chunk))) => {
                for data in self.parser.push(&chunk) {
                    self.data(&data);
                    if self.finished {
                        return;
                    }
                }
            }
            Ok(None) => {
                if let Some(data) = self.parser.finish() {
                    self.data(&data);
                }
                if !self.finished {
                    match self.decoder.end(&mut self.ready) {
                        Ok(()) => self.finished = true,
                        Err(fault) => self.fail(fault),
                    }
                }
            }
        }
    }

    /// Handles the data of one event.
    fn data(&mut self, data: &str) {
        let data = data.trim();
        if data.is_empty() {
            return;
        }
        match self.decoder.event(data, &mut self.ready) {
            Ok(Progress::Open) => {}
            Ok(Progress::Complete) => self.finished = true,
            Err(fault) => self.fail(fault),
        }
    }

    fn fail(&mut self, fault: Fault) {
        let err = self.http.error(LLM_OPERATION, fault);
        tracing::debug!(provider = %self.http.name(), error = %err, "llm stream failed");
        self.error = Some(err);
        self.finished = true;
    }
}
