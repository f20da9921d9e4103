//! The OpenAI wire format: `POST /v1/chat/completions` (streamed chunks with usage in the last
//! one when the request asks for it, or a whole `chat.completion`) and `POST /v1/embeddings`.

use crate::deliver::WireFormat;
use crate::recorded::RecordedRequest;
use crate::reply::TextReply;
use serde_json::{Value, json};

/// The OpenAI wire format.
pub(crate) struct OpenAi;

impl OpenAi {
    /// Whether a chat request asks for a stream.
    pub(crate) fn is_streaming(request: &RecordedRequest) -> bool {
        request.body["stream"] == true
    }
}

fn model<'a>(text: &'a TextReply, request: &'a RecordedRequest) -> &'a str {
    text.model
        .as_deref()
        .or_else(|| request.model())
        .unwrap_or("fake-model")
}

fn usage((prompt, completion): (u32, u32)) -> Value {
    json!({
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt.saturating_add(completion),
    })
}

fn event(value: &Value) -> String {
    format!("data: {value}\n\n")
}

impl WireFormat for OpenAi {
    fn text(&self, text: &TextReply, request: &RecordedRequest, streaming: bool) -> Vec<String> {
        let model = model(text, request);
        if !streaming {
            let mut answer = json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [{
                    "index": 0,
                    "message": {"role": "assistant", "content": text.chunks.concat()},
                    "finish_reason": text.finish_reason,
                }],
            });
            if let Some(tokens) = text.usage {
                answer["usage"] = usage(tokens);
            }
            return vec![answer.to_string()];
        }
        let chunk = |choices: Value| {
            event(&json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": choices,
            }))
        };
        let mut chunks: Vec<String> = text
            .chunks
            .iter()
            .map(|content| {
                chunk(json!([{"index": 0, "delta": {"content": content}, "finish_reason": null}]))
            })
            .collect();
        chunks.push(chunk(
            json!([{"index": 0, "delta": {}, "finish_reason": text.finish_reason}]),
        ));
        let asked = request.body["stream_options"]["include_usage"] == true;
        if let Some(tokens) = text.usage.filter(|_| asked) {
            chunks.push(event(&json!({
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": model,
                "choices": [],
                "usage": usage(tokens),
            })));
        }
        chunks.push("data: [DONE]\n\n".to_owned());
        chunks
    }

    /// Lists the vectors last first, as the API allows: clients must order them by `index`.
    fn embeddings(
        &self,
        vectors: &[Vec<f32>],
        prompt_tokens: Option<u32>,
        request: &RecordedRequest,
    ) -> Option<Value> {
        let data: Vec<Value> = vectors
            .iter()
            .enumerate()
            .rev()
            .map(|(index, vector)| json!({"object": "embedding", "index": index, "embedding": vector}))
            .collect();
        let mut answer = json!({
            "object": "list",
            "data": data,
            "model": request.model().unwrap_or("fake-embedding-model"),
        });
        if let Some(tokens) = prompt_tokens {
            answer["usage"] = json!({"prompt_tokens": tokens, "total_tokens": tokens});
        }
        Some(answer)
    }

    fn error(&self, status: u16, message: &str) -> Value {
        let kind = match status {
            401 | 403 => "authentication_error",
            429 => "rate_limit_exceeded",
            400..=499 => "invalid_request_error",
            _ => "server_error",
        };
        json!({"error": {"message": message, "type": kind, "code": null}})
    }
}
