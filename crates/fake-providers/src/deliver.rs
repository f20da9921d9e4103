//! From a scripted [`Reply`] to an HTTP response: the parts every wire format shares (error
//! statuses, raw and invalid bodies, no answer), and the delivery of the body chunks with the
//! scripted delay, disconnect or stall.

use crate::hashed;
use crate::recorded::RecordedRequest;
use crate::reply::{Ending, Reply, ReplyBody, TextReply};
use crate::schema_instance;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, BoxStream, StreamExt};
use serde_json::Value;
use std::time::Duration;

/// How one provider renders replies on the wire.
pub(crate) trait WireFormat {
    /// The body chunks of a text reply: one per text chunk then the closing ones when
    /// `streaming`, else the one JSON answer.
    fn text(&self, text: &TextReply, request: &RecordedRequest, streaming: bool) -> Vec<String>;

    /// The JSON answer of an embeddings reply, on routes that serve embeddings.
    fn embeddings(
        &self,
        _vectors: &[Vec<f32>],
        _prompt_tokens: Option<u32>,
        _request: &RecordedRequest,
    ) -> Option<Value> {
        None
    }

    /// The provider's error body for `status`.
    fn error(&self, status: u16, message: &str) -> Value;
}

/// Answers `request` with `reply` in `format`.
pub(crate) async fn respond(
    format: &impl WireFormat,
    reply: Reply,
    request: &RecordedRequest,
    streaming: bool,
) -> Response {
    let Reply {
        body,
        first_chunk_delay,
        chunk_delay,
        ending,
    } = reply;
    let content_type = if streaming {
        "text/event-stream"
    } else {
        "application/json"
    };
    let chunks = match body {
        ReplyBody::NoAnswer => return std::future::pending().await,
        ReplyBody::Error {
            status,
            message,
            retry_after,
        } => return error(format, status, &message, retry_after),
        ReplyBody::Text(text) => format.text(&text, request, streaming),
        ReplyBody::MatchingSchema { prose } => {
            let chunks = match schema_instance::requested_schema(&request.body) {
                Some(schema) => split(&schema_instance::instance(schema).to_string(), 12),
                None => prose,
            };
            format.text(&TextReply::new(chunks), request, streaming)
        }
        ReplyBody::Embeddings {
            vectors,
            prompt_tokens,
        } => match format.embeddings(&vectors, prompt_tokens, request) {
            Some(answer) => vec![answer.to_string()],
            None => return error(format, 500, "the fake has no embeddings here", None),
        },
        ReplyBody::HashedEmbeddings {
            dimensions,
            prompt_tokens,
        } => {
            let vectors: Vec<Vec<f32>> = hashed::inputs(&request.body)
                .iter()
                .map(|input| hashed::vector(input, dimensions))
                .collect();
            match format.embeddings(&vectors, prompt_tokens, request) {
                Some(answer) => vec![answer.to_string()],
                None => return error(format, 500, "the fake has no embeddings here", None),
            }
        }
        ReplyBody::Raw(chunks) => chunks,
        ReplyBody::InvalidJson if streaming => vec!["data: {not json\n\n".to_owned()],
        ReplyBody::InvalidJson => vec!["{not json".to_owned()],
    };
    (
        [(header::CONTENT_TYPE, content_type)],
        Body::from_stream(body_stream(chunks, first_chunk_delay, chunk_delay, ending)),
    )
        .into_response()
}

/// A JSON error answer, with `Retry-After` when scripted.
pub(crate) fn error(
    format: &impl WireFormat,
    status: u16,
    message: &str,
    retry_after: Option<String>,
) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (code, axum::Json(format.error(status, message))).into_response();
    if let Some(value) = retry_after.and_then(|v| v.parse().ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The chunks, the first after `delay` and each other after `chunk_delay`, then the scripted ending.
fn body_stream(
    mut chunks: Vec<String>,
    delay: Duration,
    chunk_delay: Duration,
    ending: Ending,
) -> BoxStream<'static, std::io::Result<String>> {
    let tail: BoxStream<'static, std::io::Result<String>> = match ending {
        Ending::Complete => stream::empty().boxed(),
        Ending::Disconnect { after, when } => {
            chunks.truncate(after);
            stream::once(async move {
                when.fired().await;
                Err(std::io::Error::other("scripted disconnect"))
            })
            .boxed()
        }
        Ending::Stall { after } => {
            chunks.truncate(after);
            stream::pending().boxed()
        }
    };
    stream::iter(chunks.into_iter().enumerate())
        .then(move |(index, chunk)| async move {
            let wait = if index == 0 { delay } else { chunk_delay };
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            Ok(chunk)
        })
        .chain(tail)
        .boxed()
}

/// `text` in pieces of about `size` characters (never inside a character).
fn split(text: &str, size: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars
        .chunks(size.max(1))
        .map(|piece| piece.iter().collect())
        .collect()
}
