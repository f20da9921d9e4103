//! Scripted replies: what the fake server answers to one request, and how it delivers it.
//!
//! A reply is rendered in the wire format of the route that receives it: the same
//! `Reply::text(["Hel", "lo"])` is OpenAI chunks on `/v1/chat/completions` and
//! `GenerateContentResponse` events on Gemini's routes.

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// What the fake server answers to one request.
#[derive(Clone, Debug)]
pub struct Reply {
    pub(crate) body: ReplyBody,
    pub(crate) first_chunk_delay: Duration,
    pub(crate) chunk_delay: Duration,
    pub(crate) ending: Ending,
}

/// The content of a reply.
#[derive(Clone, Debug)]
pub(crate) enum ReplyBody {
    /// Generated text.
    Text(TextReply),
    /// A value of the JSON schema the request asks for, streamed in small chunks; `prose` (in
    /// its chunks) when the request asks for none.
    MatchingSchema { prose: Vec<String> },
    /// Embedding vectors, in input order.
    Embeddings {
        vectors: Vec<Vec<f32>>,
        prompt_tokens: Option<u32>,
    },
    /// One bag-of-words hashing vector per input of the request (see `hashed`).
    HashedEmbeddings {
        dimensions: usize,
        prompt_tokens: Option<u32>,
    },
    /// An error status with the provider's error body.
    Error {
        status: u16,
        message: String,
        retry_after: Option<String>,
    },
    /// 200 with exactly these body chunks.
    Raw(Vec<String>),
    /// 200 with a body that is not JSON (a whole answer) or an event that is not (a stream).
    InvalidJson,
    /// Never answers, not even headers.
    NoAnswer,
}

/// Generated text, in the chunks it is streamed in.
#[derive(Clone, Debug)]
pub(crate) struct TextReply {
    pub(crate) chunks: Vec<String>,
    /// `(prompt, completion)` tokens, reported when present.
    pub(crate) usage: Option<(u32, u32)>,
    /// In OpenAI's words (`stop`, `length`); translated for Gemini.
    pub(crate) finish_reason: String,
    /// The model reported; the requested one when `None`.
    pub(crate) model: Option<String>,
}

impl TextReply {
    /// These chunks, finishing with `stop`, with usage of 10 prompt tokens and one completion
    /// token per chunk.
    pub(crate) fn new(chunks: Vec<String>) -> Self {
        let completion = u32::try_from(chunks.len()).unwrap_or(u32::MAX);
        Self {
            chunks,
            usage: Some((10, completion)),
            finish_reason: "stop".to_owned(),
            model: None,
        }
    }
}

/// How a successful body ends.
#[derive(Clone, Debug)]
pub(crate) enum Ending {
    /// Every chunk, then a clean end.
    Complete,
    /// The first `after` chunks, then the connection is cut once `when` fires.
    Disconnect { after: usize, when: Disconnect },
    /// The first `after` chunks, then silence forever.
    Stall { after: usize },
}

/// A trigger that cuts a stream scripted with [`Reply::disconnect_after`]. Fire it from the
/// test once the client has read what it should: a cut with nothing awaited may lose what the
/// server had buffered, headers included.
#[derive(Clone, Debug, Default)]
pub struct Disconnect(Arc<Notify>);

impl Disconnect {
    /// A trigger that cuts only once [`now`](Self::now) is called.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cuts the stream (or lets it be cut as soon as it gets there).
    pub fn now(&self) {
        self.0.notify_one();
    }

    pub(crate) async fn fired(&self) {
        self.0.notified().await;
    }
}

impl Reply {
    fn new(body: ReplyBody) -> Self {
        Self {
            body,
            first_chunk_delay: Duration::ZERO,
            chunk_delay: Duration::ZERO,
            ending: Ending::Complete,
        }
    }

    /// Text streamed in these chunks (joined for a whole answer), finishing with `stop`, with
    /// usage of 10 prompt tokens and one completion token per chunk.
    pub fn text<I>(chunks: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::new(ReplyBody::Text(TextReply::new(
            chunks.into_iter().map(Into::into).collect(),
        )))
    }

    /// Whatever the request asks for: a value of its JSON schema (OpenAI's
    /// `response_format.json_schema`, Gemini's `responseSchema`) with every property filled
    /// with readable words, or else `prose` in these chunks. A good default reply for a server
    /// that stands in for a model behind a whole application (the end-to-end tests).
    pub fn matching_schema<I>(prose: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::new(ReplyBody::MatchingSchema {
            prose: prose.into_iter().map(Into::into).collect(),
        })
    }

    /// Embedding vectors, one per input in input order, without usage.
    #[must_use]
    pub fn embeddings(vectors: Vec<Vec<f32>>) -> Self {
        Self::new(ReplyBody::Embeddings {
            vectors,
            prompt_tokens: None,
        })
    }

    /// Embeddings computed from each input's words: a normalised bag-of-words hashing vector
    /// of `dimensions` values, so that texts sharing words are closer (cosine) than texts
    /// sharing none. Deterministic; without usage. Make it the default reply of a server
    /// that only serves embeddings ([`set_default`](crate::FakeProviderServer::set_default)).
    #[must_use]
    pub fn hashed_embeddings(dimensions: usize) -> Self {
        Self::new(ReplyBody::HashedEmbeddings {
            dimensions,
            prompt_tokens: None,
        })
    }

    /// An error status with the provider's error body carrying `message`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::new(ReplyBody::Error {
            status,
            message: message.into(),
            retry_after: None,
        })
    }

    /// 429 with `Retry-After: seconds`.
    #[must_use]
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::error(429, "rate limit reached").with_retry_after(retry_after_seconds.to_string())
    }

    /// 500.
    #[must_use]
    pub fn server_error() -> Self {
        Self::error(500, "internal error")
    }

    /// 401.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::error(401, "invalid API key")
    }

    /// 200 with exactly these body chunks (SSE lines, anything), whatever the route.
    pub fn raw<I>(chunks: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::new(ReplyBody::Raw(chunks.into_iter().map(Into::into).collect()))
    }

    /// 200 with a body that is not JSON; for a stream, one event whose data is not JSON.
    #[must_use]
    pub fn invalid_json() -> Self {
        Self::new(ReplyBody::InvalidJson)
    }

    /// Accepts the connection and never answers.
    #[must_use]
    pub fn no_answer() -> Self {
        Self::new(ReplyBody::NoAnswer)
    }

    /// Text replies: the usage reported (OpenAI reports it only when the request asks).
    #[must_use]
    pub fn with_usage(mut self, prompt_tokens: u32, completion_tokens: u32) -> Self {
        match &mut self.body {
            ReplyBody::Text(text) => text.usage = Some((prompt_tokens, completion_tokens)),
            ReplyBody::Embeddings {
                prompt_tokens: tokens,
                ..
            }
            | ReplyBody::HashedEmbeddings {
                prompt_tokens: tokens,
                ..
            } => *tokens = Some(prompt_tokens),
            _ => {}
        }
        self
    }

    /// Text replies: no usage at all.
    #[must_use]
    pub fn without_usage(mut self) -> Self {
        if let ReplyBody::Text(text) = &mut self.body {
            text.usage = None;
        }
        self
    }

    /// Text replies: the finish reason, in OpenAI's words (`length`, `content_filter`).
    #[must_use]
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Self {
        if let ReplyBody::Text(text) = &mut self.body {
            text.finish_reason = reason.into();
        }
        self
    }

    /// Text replies: the model reported as having answered (default: the requested one).
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        if let ReplyBody::Text(text) = &mut self.body {
            text.model = Some(model.into());
        }
        self
    }

    /// Error replies: the `Retry-After` header.
    #[must_use]
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        if let ReplyBody::Error { retry_after, .. } = &mut self.body {
            *retry_after = Some(value.into());
        }
        self
    }

    /// Waits `delay` before each chunk after the first (a model writing at a visible pace).
    #[must_use]
    pub const fn with_chunk_delay(mut self, delay: Duration) -> Self {
        self.chunk_delay = delay;
        self
    }

    /// Waits this long after the headers before sending the first chunk.
    #[must_use]
    pub const fn with_first_chunk_delay(mut self, delay: Duration) -> Self {
        self.first_chunk_delay = delay;
        self
    }

    /// Sends the first `chunks` chunks (of text, for a text reply), then cuts the connection
    /// once `when` fires.
    #[must_use]
    pub fn disconnect_after(mut self, chunks: usize, when: &Disconnect) -> Self {
        self.ending = Ending::Disconnect {
            after: chunks,
            when: when.clone(),
        };
        self
    }

    /// Sends the first `chunks` chunks (of text, for a text reply), then goes silent forever.
    #[must_use]
    pub fn stall_after(mut self, chunks: usize) -> Self {
        self.ending = Ending::Stall { after: chunks };
        self
    }
}
