//! A request as the fake server received it, for tests to assert on what a client sent.

use serde_json::Value;
use std::collections::BTreeMap;

/// One received request.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// The HTTP method (`POST`).
    pub method: String,
    /// The path (`/v1/chat/completions`, `/v1beta/models/gemini-2.0-flash:generateContent`).
    pub path: String,
    /// The query string without `?`, if any (`alt=sse`).
    pub query: Option<String>,
    /// The headers, names in lower case (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
    /// The body as JSON; `Value::Null` when it is empty or not JSON.
    pub body: Value,
}

impl RecordedRequest {
    /// The value of the header `name` (any case), if it was sent.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The `model` of the JSON body (OpenAI), or the model in the path (Gemini).
    #[must_use]
    pub fn model(&self) -> Option<&str> {
        if let Some(model) = self.body.get("model").and_then(Value::as_str) {
            return Some(model);
        }
        let action = self.path.strip_prefix("/v1beta/models/")?;
        action.split(':').next()
    }
}
