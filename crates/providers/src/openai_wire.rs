//! The OpenAI wire format: request bodies of chat completions and embeddings, the streamed
//! chunks and the whole answers, and their reading into the port's types.
//!
//! Unknown fields of answers are ignored, so that Groq, OpenRouter, Ollama and vLLM extensions
//! do not break parsing.

use crate::chat_sse::{Progress, SseChatDecoder, StreamSummary};
use crate::failure::{Fault, WireError};
use hellosales_domain::ports::embedding::Embeddings;
use hellosales_domain::ports::llm::{ChatCompletion, ChatEvent, ChatRequest};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// The request body of `POST /chat/completions`.
#[derive(Serialize)]
pub(crate) struct ChatBody<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<WireStreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<WireResponseFormat<'a>>,
}

impl<'a> ChatBody<'a> {
    /// The body for `request`; a streamed one asks for usage in the last chunk.
    pub(crate) fn new(request: &'a ChatRequest, stream: bool) -> Self {
        let response_format = match &request.response_schema {
            Some(schema) => Some(WireResponseFormat {
                kind: "json_schema",
                json_schema: Some(WireJsonSchema {
                    name: "response",
                    schema,
                    strict: true,
                }),
            }),
            None => request.json_mode.then_some(WireResponseFormat {
                kind: "json_object",
                json_schema: None,
            }),
        };
        Self {
            model: &request.model,
            messages: request
                .messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role.as_str(),
                    content: &m.content,
                })
                .collect(),
            stream,
            stream_options: stream.then_some(WireStreamOptions {
                include_usage: true,
            }),
            temperature: request.temperature,
            max_tokens: request.max_tokens,
            stop: &request.stop,
            response_format,
        }
    }
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct WireStreamOptions {
    include_usage: bool,
}

#[derive(Serialize)]
struct WireResponseFormat<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    json_schema: Option<WireJsonSchema<'a>>,
}

#[derive(Serialize)]
struct WireJsonSchema<'a> {
    name: &'static str,
    schema: &'a Value,
    strict: bool,
}

/// Reads the streamed chunks (`chat.completion.chunk`) up to `[DONE]`.
#[derive(Debug, Default)]
pub(crate) struct ChunkDecoder {
    summary: StreamSummary,
}

impl SseChatDecoder for ChunkDecoder {
    fn event(&mut self, data: &str, out: &mut VecDeque<ChatEvent>) -> Result<Progress, Fault> {
        if data == "[DONE]" {
            self.summary.finish(out);
            return Ok(Progress::Complete);
        }
        let chunk: WireChunk = serde_json::from_str(data)
            .map_err(|err| Fault::malformed(format!("invalid event data: {err}")))?;
        if let Some(error) = chunk.error {
            return Err(Fault::in_band(error));
        }
        self.summary.set_model(chunk.model);
        if let Some(choice) = chunk.choices.into_iter().next() {
            if let Some(content) = choice.delta.and_then(|delta| delta.content)
                && !content.is_empty()
            {
                out.push_back(ChatEvent::Delta(content));
            }
            if choice.finish_reason.is_some() {
                self.summary.finish_reason = choice.finish_reason;
            }
        }
        if let Some(usage) = chunk.usage.or(chunk.x_groq.and_then(|x| x.usage)) {
            self.summary.usage = Some((usage.prompt_tokens, usage.completion_tokens));
        }
        Ok(Progress::Open)
    }

    fn end(&mut self, _: &mut VecDeque<ChatEvent>) -> Result<(), Fault> {
        Err(Fault::malformed("stream ended before [DONE]"))
    }
}

/// One streamed chunk (`chat.completion.chunk`).
#[derive(Deserialize)]
struct WireChunk {
    #[serde(default)]
    choices: Vec<WireChunkChoice>,
    usage: Option<WireUsage>,
    model: Option<String>,
    /// Groq reports usage here in older API versions.
    x_groq: Option<WireXGroq>,
    /// OpenRouter reports mid-stream failures as an `error` object.
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireChunkChoice {
    delta: Option<WireContent>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireContent {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

#[derive(Deserialize)]
struct WireXGroq {
    usage: Option<WireUsage>,
}

/// The answer of a non-streamed `POST /chat/completions` (`chat.completion`).
#[derive(Deserialize)]
pub(crate) struct WireCompletion {
    #[serde(default)]
    choices: Vec<WireCompletionChoice>,
    usage: Option<WireUsage>,
    model: Option<String>,
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct WireCompletionChoice {
    message: Option<WireContent>,
    finish_reason: Option<String>,
}

impl WireCompletion {
    /// The completion of the first choice.
    pub(crate) fn into_completion(self) -> Result<ChatCompletion, Fault> {
        if let Some(error) = self.error {
            return Err(Fault::in_band(error));
        }
        let mut summary = StreamSummary::default();
        summary.set_model(self.model);
        summary.usage = self
            .usage
            .map(|usage| (usage.prompt_tokens, usage.completion_tokens));
        let choice = self
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| Fault::malformed("the answer has no choices"))?;
        summary.finish_reason = choice.finish_reason;
        let content = choice
            .message
            .and_then(|message| message.content)
            .unwrap_or_default();
        Ok(summary.into_completion(content))
    }
}

/// The request body of `POST /embeddings`.
#[derive(Serialize)]
pub(crate) struct EmbeddingsBody<'a> {
    pub(crate) model: &'a str,
    pub(crate) input: &'a [String],
}

/// The answer of `POST /embeddings`.
#[derive(Deserialize)]
pub(crate) struct WireEmbeddings {
    data: Vec<WireEmbedding>,
    model: Option<String>,
    usage: Option<WireEmbeddingUsage>,
}

#[derive(Deserialize)]
struct WireEmbedding {
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct WireEmbeddingUsage {
    prompt_tokens: u32,
}

impl WireEmbeddings {
    /// The vectors in input order; exactly one per input (indices `0..inputs`).
    pub(crate) fn into_embeddings(mut self, inputs: usize) -> Result<Embeddings, Fault> {
        self.data.sort_by_key(|item| item.index);
        let in_order = self
            .data
            .iter()
            .enumerate()
            .all(|(i, item)| item.index == i);
        if self.data.len() != inputs || !in_order {
            return Err(Fault::malformed(format!(
                "expected one embedding per input ({inputs}), got {}",
                self.data.len()
            )));
        }
        Ok(Embeddings {
            vectors: self.data.into_iter().map(|item| item.embedding).collect(),
            model: self.model.filter(|m| !m.is_empty()),
            prompt_tokens: self.usage.map(|usage| usage.prompt_tokens),
        })
    }
}
