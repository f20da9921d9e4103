//! The Gemini wire format: `POST /v1beta/models/{model}:generateContent` (one
//! `GenerateContentResponse`) and `:streamGenerateContent?alt=sse` (one response per event,
//! the last with the finish reason and usage metadata).

use crate::deliver::WireFormat;
use crate::recorded::RecordedRequest;
use crate::reply::TextReply;
use serde_json::{Value, json};

/// The Gemini wire format.
pub(crate) struct Gemini;

/// A Gemini method the fake serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    /// `generateContent`.
    Generate,
    /// `streamGenerateContent` with `alt=sse`.
    StreamSse,
}

impl Gemini {
    /// The method of a request path, or why the fake does not serve it.
    pub(crate) fn method(request: &RecordedRequest) -> Result<Method, (u16, &'static str)> {
        let action = request.path.rsplit('/').next().unwrap_or_default();
        match action.split_once(':').map(|(_, method)| method) {
            Some("generateContent") => Ok(Method::Generate),
            Some("streamGenerateContent")
                if request
                    .query
                    .as_deref()
                    .is_some_and(|q| q.split('&').any(|pair| pair == "alt=sse")) =>
            {
                Ok(Method::StreamSse)
            }
            Some("streamGenerateContent") => Err((
                400,
                "the fake serves streamGenerateContent only with alt=sse",
            )),
            _ => Err((404, "unknown Gemini method")),
        }
    }
}

fn finish_reason(openai: &str) -> String {
    match openai {
        "stop" => "STOP".to_owned(),
        "length" => "MAX_TOKENS".to_owned(),
        other => other.to_uppercase(),
    }
}

fn response(text: &str, finish: Option<&TextReply>, model: &str) -> Value {
    let mut candidate = json!({
        "content": {"role": "model", "parts": [{"text": text}]},
        "index": 0,
    });
    let mut response = json!({"modelVersion": model});
    if let Some(reply) = finish {
        candidate["finishReason"] = json!(finish_reason(&reply.finish_reason));
        if let Some((prompt, completion)) = reply.usage {
            response["usageMetadata"] = json!({
                "promptTokenCount": prompt,
                "candidatesTokenCount": completion,
                "totalTokenCount": prompt.saturating_add(completion),
            });
        }
    }
    response["candidates"] = json!([candidate]);
    response
}

impl WireFormat for Gemini {
    fn text(&self, text: &TextReply, request: &RecordedRequest, streaming: bool) -> Vec<String> {
        let model = text
            .model
            .as_deref()
            .or_else(|| request.model())
            .unwrap_or("fake-model");
        if !streaming {
            return vec![response(&text.chunks.concat(), Some(text), model).to_string()];
        }
        let event = |value: Value| format!("data: {value}\r\n\r\n");
        let mut chunks: Vec<String> = text
            .chunks
            .iter()
            .map(|chunk| event(response(chunk, None, model)))
            .collect();
        chunks.push(event(response("", Some(text), model)));
        chunks
    }

    fn error(&self, status: u16, message: &str) -> Value {
        let name = match status {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 => "NOT_FOUND",
            429 => "RESOURCE_EXHAUSTED",
            500 => "INTERNAL",
            503 => "UNAVAILABLE",
            _ => "UNKNOWN",
        };
        json!({"error": {"code": status, "message": message, "status": name}})
    }
}
