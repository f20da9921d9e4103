//! A speech-to-text request as the fake server received it: HTTP parts, the raw body, the
//! multipart fields of an upload, and the frames of a live WebSocket session.

use serde_json::Value;
use std::collections::BTreeMap;

/// One received speech-to-text request (or live session).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordedSttRequest {
    /// The HTTP method (`POST`, or `GET` for a live session).
    pub method: String,
    /// The path (`/v1/listen`, `/v1/audio/transcriptions`, `/v1/speech:recognize`).
    pub path: String,
    /// The query string without `?`, if any (`model=nova-2&smart_format=true`).
    pub query: Option<String>,
    /// The headers, names in lower case (a repeated header keeps its last value).
    pub headers: BTreeMap<String, String>,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The raw body (empty for a live session).
    pub body: Vec<u8>,
    /// The fields of a `multipart/form-data` body, in order.
    pub fields: Vec<MultipartField>,
    /// The binary frames of a live session, in order of arrival.
    pub audio_frames: Vec<Vec<u8>>,
    /// The text frames of a live session (`{"type":"CloseStream"}`), in order of arrival.
    pub text_frames: Vec<String>,
}

/// One field of a `multipart/form-data` body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MultipartField {
    /// Its name (`file`, `model`).
    pub name: String,
    /// The file name of a file field (`audio.wav`).
    pub filename: Option<String>,
    /// The media type of a file field (`audio/wav`).
    pub content_type: Option<String>,
    /// Its bytes.
    pub data: Vec<u8>,
}

impl MultipartField {
    /// Its bytes as text, when they are UTF-8.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.data).ok()
    }
}

impl RecordedSttRequest {
    /// The value of the header `name` (any case), if it was sent.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// The first value of the query parameter `name`, percent-decoded.
    #[must_use]
    pub fn query_param(&self, name: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key) == name).then(|| decode(value))
        })
    }

    /// The multipart field `name`, if sent.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&MultipartField> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// The body as JSON, when it is.
    #[must_use]
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Every binary frame of a live session, joined.
    #[must_use]
    pub fn audio(&self) -> Vec<u8> {
        self.audio_frames.concat()
    }
}

/// `application/x-www-form-urlencoded` decoding (`+` is a space, `%XX` a byte).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[index], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                index += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                index += 1;
            }
            (byte, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::RecordedSttRequest;

    #[test]
    fn query_params_are_decoded() {
        let request = RecordedSttRequest {
            query: Some("model=nova-2&language=pt%2DBR&q=a+b&flag".to_owned()),
            ..RecordedSttRequest::default()
        };
        assert_eq!(request.query_param("model").as_deref(), Some("nova-2"));
        assert_eq!(request.query_param("language").as_deref(), Some("pt-BR"));
        assert_eq!(request.query_param("q").as_deref(), Some("a b"));
        assert_eq!(request.query_param("flag").as_deref(), Some(""));
        assert_eq!(request.query_param("missing"), None);
    }
}
