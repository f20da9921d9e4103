//! The Gemini wire format (`generateContent`, `streamGenerateContent`): the request body built
//! from a [`ChatRequest`], and the reading of each `GenerateContentResponse`, whole or streamed.
//!
//! System messages become `systemInstruction`; the assistant role is `model`. Finish reasons
//! are reported in the port's words: `STOP` → `stop`, `MAX_TOKENS` → `length`, any other in
//! lower case (`safety`, `recitation`); a prompt blocked before generation finishes with its
//! lower-cased `blockReason`. Output tokens count the thinking tokens too (they are billed as
//! output).

use crate::chat_sse::{Progress, SseChatDecoder, StreamSummary};
use crate::failure::{Fault, WireError};
use hellosales_domain::ports::llm::{ChatEvent, ChatRequest, ChatRole};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;

/// The request body of `generateContent` and `streamGenerateContent`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GenerateBody<'a> {
    contents: Vec<WireContent<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_instruction: Option<WireContent<'a>>,
    generation_config: WireGenerationConfig<'a>,
}

impl<'a> From<&'a ChatRequest> for GenerateBody<'a> {
    fn from(request: &'a ChatRequest) -> Self {
        let mut contents = Vec::new();
        let mut system = Vec::new();
        for message in &request.messages {
            let part = WirePart {
                text: &message.content,
            };
            match message.role {
                ChatRole::System => system.push(part),
                ChatRole::User => contents.push(WireContent::new(Some("user"), vec![part])),
                ChatRole::Assistant => contents.push(WireContent::new(Some("model"), vec![part])),
            }
        }
        let json = request.json_mode || request.response_schema.is_some();
        Self {
            contents,
            system_instruction: (!system.is_empty()).then(|| WireContent::new(None, system)),
            generation_config: WireGenerationConfig {
                temperature: request.temperature,
                max_output_tokens: request.max_tokens,
                stop_sequences: &request.stop,
                response_mime_type: json.then_some("application/json"),
                response_schema: request.response_schema.as_ref(),
            },
        }
    }
}

#[derive(Serialize)]
struct WireContent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
    parts: Vec<WirePart<'a>>,
}

impl<'a> WireContent<'a> {
    const fn new(role: Option<&'static str>, parts: Vec<WirePart<'a>>) -> Self {
        Self { role, parts }
    }
}

#[derive(Serialize)]
struct WirePart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct WireGenerationConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_output_tokens: Option<u32>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    stop_sequences: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    response_mime_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_schema: Option<&'a Value>,
}

/// One `GenerateContentResponse`: the whole answer, or one event of a stream.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireResponse {
    #[serde(default)]
    candidates: Vec<WireCandidate>,
    usage_metadata: Option<WireUsageMetadata>,
    model_version: Option<String>,
    prompt_feedback: Option<WirePromptFeedback>,
    /// A failure reported inside a stream.
    error: Option<WireError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCandidate {
    content: Option<WireCandidateContent>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireCandidateContent {
    #[serde(default)]
    parts: Vec<WireCandidatePart>,
}

#[derive(Deserialize)]
struct WireCandidatePart {
    text: Option<String>,
    /// A thought summary of a thinking model: not content.
    #[serde(default)]
    thought: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireUsageMetadata {
    #[serde(default)]
    prompt_token_count: u32,
    #[serde(default)]
    candidates_token_count: u32,
    #[serde(default)]
    thoughts_token_count: u32,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePromptFeedback {
    block_reason: Option<String>,
}

impl WireResponse {
    /// Records usage, finish reason and model in `summary`, and returns the content texts of
    /// the first candidate, in order.
    pub(crate) fn absorb(self, summary: &mut StreamSummary) -> Result<Vec<String>, Fault> {
        if let Some(error) = self.error {
            return Err(Fault::in_band(error));
        }
        summary.set_model(self.model_version);
        if let Some(usage) = self.usage_metadata {
            let output = usage
                .candidates_token_count
                .saturating_add(usage.thoughts_token_count);
            summary.usage = Some((usage.prompt_token_count, output));
        }
        if let Some(reason) = self.prompt_feedback.and_then(|f| f.block_reason) {
            summary.finish_reason = Some(reason.to_lowercase());
        }
        let Some(candidate) = self.candidates.into_iter().next() else {
            return Ok(Vec::new());
        };
        if let Some(reason) = candidate.finish_reason {
            summary.finish_reason = Some(finish_reason(&reason));
        }
        Ok(candidate
            .content
            .map(|content| content.parts)
            .unwrap_or_default()
            .into_iter()
            .filter(|part| !part.thought)
            .filter_map(|part| part.text)
            .filter(|text| !text.is_empty())
            .collect())
    }
}

fn finish_reason(gemini: &str) -> String {
    match gemini {
        "STOP" => "stop".to_owned(),
        "MAX_TOKENS" => "length".to_owned(),
        other => other.to_lowercase(),
    }
}

/// Reads a `streamGenerateContent?alt=sse` stream: one response per event, complete once the
/// body ends after a finish reason.
#[derive(Debug, Default)]
pub(crate) struct StreamDecoder {
    summary: StreamSummary,
}

impl SseChatDecoder for StreamDecoder {
    fn event(&mut self, data: &str, out: &mut VecDeque<ChatEvent>) -> Result<Progress, Fault> {
        let response: WireResponse = serde_json::from_str(data)
            .map_err(|err| Fault::malformed(format!("invalid event data: {err}")))?;
        out.extend(
            response
                .absorb(&mut self.summary)?
                .into_iter()
                .map(ChatEvent::Delta),
        );
        Ok(Progress::Open)
    }

    fn end(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), Fault> {
        if self.summary.finish_reason.is_none() {
            return Err(Fault::malformed("stream ended before a finish reason"));
        }
        self.summary.finish(out);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hellosales_domain::ports::llm::ChatMessage;
    use serde_json::json;

    #[test]
    fn system_messages_become_the_system_instruction_and_assistant_is_model() {
        let mut request = ChatRequest::new(
            "gemini-2.0-flash",
            vec![
                ChatMessage::system("Be brief."),
                ChatMessage::user("Hi"),
                ChatMessage::assistant("Hello"),
                ChatMessage::system("Answer in French."),
                ChatMessage::user("Again"),
            ],
        );
        request.stop = vec!["END".into()];
        let body = serde_json::to_value(GenerateBody::from(&request)).ok();
        assert_eq!(
            body,
            Some(json!({
                "contents": [
                    {"role": "user", "parts": [{"text": "Hi"}]},
                    {"role": "model", "parts": [{"text": "Hello"}]},
                    {"role": "user", "parts": [{"text": "Again"}]},
                ],
                "systemInstruction": {"parts": [{"text": "Be brief."}, {"text": "Answer in French."}]},
                "generationConfig": {"stopSequences": ["END"]},
            }))
        );
    }

    #[test]
    fn a_response_yields_texts_usage_with_thoughts_finish_reason_and_model() {
        let response: Result<WireResponse, _> = serde_json::from_value(json!({
            "candidates": [{
                "content": {"role": "model", "parts": [
                    {"text": "thinking…", "thought": true}, {"text": "Hel"}, {"text": "lo"}
                ]},
                "finishReason": "MAX_TOKENS"
            }],
            "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 2, "thoughtsTokenCount": 5},
            "modelVersion": "gemini-2.5-flash-001"
        }));
        let mut summary = StreamSummary::default();
        let texts = response.ok().map(|r| r.absorb(&mut summary).ok());
        assert_eq!(texts, Some(Some(vec!["Hel".to_owned(), "lo".to_owned()])));
        assert_eq!(summary.usage, Some((9, 7)));
        assert_eq!(summary.finish_reason.as_deref(), Some("length"));
        assert_eq!(summary.model.as_deref(), Some("gemini-2.5-flash-001"));
    }

    #[test]
    fn a_blocked_prompt_finishes_with_its_block_reason() {
        let response: Result<WireResponse, _> =
            serde_json::from_value(json!({"promptFeedback": {"blockReason": "SAFETY"}}));
        let mut summary = StreamSummary::default();
        let texts = response.ok().map(|r| r.absorb(&mut summary).ok());
        assert_eq!(texts, Some(Some(Vec::new())));
        assert_eq!(summary.finish_reason.as_deref(), Some("safety"));
    }
}
