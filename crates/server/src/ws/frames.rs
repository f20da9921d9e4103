//! The frames of the WebSocket protocol: `{"type": "…", "payload": {…}}` both ways (seed 000,
//! "WebSocket Protocol").
//!
//! Client frames: `auth` `{token, platform}`, `session.start` `{session_type?, metadata?}`,
//! `session.resume` `{sessionId}`, `session.end` `{sessionId?}`, `chat` `{content,
//! message_id?, session_id?}`, `chat.cancel` `{message_id}`, `generate.script` /
//! `generate.email` (the fields of the generation endpoints, and `message_id?`), `voice.start`
//! `{sessionId?, format: "webm" | "wav" | "pcm16", sampleRate?, language?, message_id?}`,
//! `voice.chunk` `{data: base64}`, `voice.end`, `voice.cancel` `{message_id?}`, `ping`. Both
//! `sessionId` and `session_id` are accepted where a session is named.
//!
//! Server frames: `auth.success` `{userId, sessionId, orgId}`, `auth.error` (the error
//! envelope), `session.started` / `session.resumed` / `session.ended`, the chat updates
//! (`chat.ack`, `chat.token`, `chat.complete`, `chat.blocked`, `chat.cancelled`), the
//! generation updates (`generate.token`, `generate.complete`, with the request's
//! `message_id`), the voice updates (`status.update`, `voice.transcript`,
//! `voice.audio.chunk`, `voice.complete`, `voice.cancelled`, with the chat updates of the
//! answer between them), `pong`, and
//! `error`: the error envelope, with the `message_id` of the chat it concerns when there is
//! one.

use crate::http::ErrorEnvelope;
use hellosales_app::generation::{GenerateEmail, GenerateScript};
use hellosales_domain::sessions::{Interaction, SessionType};
use hellosales_domain::{AppError, SessionId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A frame read from the client.
#[derive(Debug)]
pub enum ClientFrame {
    /// `auth`.
    Auth(AuthPayload),
    /// `session.start`.
    SessionStart(SessionStartPayload),
    /// `session.resume`.
    SessionResume(SessionRef),
    /// `session.end`.
    SessionEnd(OptionalSessionRef),
    /// `chat`.
    Chat(ChatPayload),
    /// `chat.cancel`.
    ChatCancel(CancelPayload),
    /// `generate.script`.
    GenerateScript(Generate<GenerateScript>),
    /// `generate.email`.
    GenerateEmail(Generate<GenerateEmail>),
    /// `voice.start`.
    VoiceStart(VoiceStartPayload),
    /// `voice.chunk`.
    VoiceChunk(VoiceChunkPayload),
    /// `voice.end`.
    VoiceEnd,
    /// `voice.cancel`.
    VoiceCancel(VoiceCancelPayload),
    /// `ping`, with whatever payload it carried.
    Ping(Value),
}

/// `voice.start` payload.
#[derive(Debug, Deserialize)]
pub struct VoiceStartPayload {
    /// The session; the connection's current one (or a new one) when absent.
    #[serde(default, alias = "session_id", rename = "sessionId")]
    pub session_id: Option<SessionId>,
    /// `webm`, `wav` or `pcm16`.
    pub format: String,
    /// Samples per second (required for `pcm16`).
    #[serde(default, alias = "sample_rate", rename = "sampleRate")]
    pub sample_rate: Option<u32>,
    /// BCP-47 language of the speech (`en-US`).
    #[serde(default)]
    pub language: Option<String>,
    /// The client's id of the message.
    #[serde(default)]
    pub message_id: Option<String>,
}

/// `voice.chunk` payload.
#[derive(Debug, Deserialize)]
pub struct VoiceChunkPayload {
    /// The next piece of the recording, base64.
    pub data: String,
}

/// `voice.cancel` payload.
#[derive(Debug, Default, Deserialize)]
pub struct VoiceCancelPayload {
    /// The voice turn to stop; the connection's current one when absent.
    #[serde(default)]
    pub message_id: Option<String>,
}

/// `generate.script` / `generate.email` payload: the generation request's fields, and an
/// optional `message_id` that the answering frames carry (and `chat.cancel` takes).
#[derive(Debug, Deserialize)]
pub struct Generate<T> {
    /// The request.
    #[serde(flatten)]
    pub request: T,
    /// The client's id of this request.
    #[serde(default)]
    pub message_id: Option<String>,
}

/// `auth` payload.
#[derive(Debug, Deserialize)]
pub struct AuthPayload {
    /// A WorkOS access token or a development token.
    pub token: String,
    /// `web` or `native`.
    #[serde(default)]
    pub platform: Option<String>,
}

/// `session.start` payload.
#[derive(Debug, Default, Deserialize)]
pub struct SessionStartPayload {
    /// What the session is for (default `chat`).
    #[serde(default)]
    pub session_type: Option<SessionType>,
    /// Free-form metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// A payload naming a session.
#[derive(Debug, Deserialize)]
pub struct SessionRef {
    /// The session.
    #[serde(alias = "session_id", rename = "sessionId")]
    pub session_id: SessionId,
}

/// A payload that may name a session.
#[derive(Debug, Default, Deserialize)]
pub struct OptionalSessionRef {
    /// The session; the connection's current one when absent.
    #[serde(default, alias = "session_id", rename = "sessionId")]
    pub session_id: Option<SessionId>,
}

/// `chat` payload.
#[derive(Debug, Deserialize)]
pub struct ChatPayload {
    /// The message.
    pub content: String,
    /// The client's id of the message.
    #[serde(default)]
    pub message_id: Option<String>,
    /// The session; the connection's current one (or a new one) when absent.
    #[serde(default, alias = "sessionId")]
    pub session_id: Option<SessionId>,
}

/// `chat.cancel` payload.
#[derive(Debug, Deserialize)]
pub struct CancelPayload {
    /// The chat to stop.
    pub message_id: String,
}

/// The envelope every frame shares.
#[derive(Debug, Deserialize)]
struct RawFrame {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    payload: Value,
}

impl ClientFrame {
    /// Reads a text frame.
    ///
    /// # Errors
    /// `BAD_REQUEST` for text that is not a frame, an unknown type, or a payload that does not
    /// fit its type; `VALIDATION_ERROR` is left to the handlers.
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let raw: RawFrame = serde_json::from_str(text).map_err(|error| {
            AppError::bad_request(format!(
                "a frame must be a JSON object {{\"type\": …, \"payload\": …}}: {error}"
            ))
        })?;
        let payload = |value: Value| {
            // An absent payload reads as an empty object, so that optional fields default.
            if value.is_null() {
                Value::Object(serde_json::Map::new())
            } else {
                value
            }
        };
        let kind = raw.kind.as_str();
        let body = payload(raw.payload);
        fn read<T: for<'de> Deserialize<'de>>(kind: &str, body: Value) -> Result<T, AppError> {
            serde_json::from_value(body).map_err(|error| {
                AppError::bad_request(format!("invalid `{kind}` payload: {error}"))
            })
        }
        Ok(match kind {
            "auth" => Self::Auth(read(kind, body)?),
            "session.start" => Self::SessionStart(read(kind, body)?),
            "session.resume" => Self::SessionResume(read(kind, body)?),
            "session.end" => Self::SessionEnd(read(kind, body)?),
            "chat" => Self::Chat(read(kind, body)?),
            "chat.cancel" => Self::ChatCancel(read(kind, body)?),
            "generate.script" => Self::GenerateScript(read(kind, body)?),
            "generate.email" => Self::GenerateEmail(read(kind, body)?),
            "voice.start" => Self::VoiceStart(read(kind, body)?),
            "voice.chunk" => Self::VoiceChunk(read(kind, body)?),
            "voice.end" => Self::VoiceEnd,
            "voice.cancel" => Self::VoiceCancel(read(kind, body)?),
            "ping" => Self::Ping(body),
            other => {
                return Err(AppError::bad_request(format!(
                    "unknown frame type `{other}`"
                )));
            }
        })
    }
}

/// A frame for the client: its type and payload.
#[derive(Debug, Serialize)]
pub struct ServerFrame {
    /// The type.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The payload.
    pub payload: Value,
}

impl ServerFrame {
    /// A frame of `kind` with `payload`.
    pub fn new(kind: &'static str, payload: impl Serialize) -> Self {
        Self {
            kind,
            payload: serde_json::to_value(payload).unwrap_or(Value::Null),
        }
    }

    /// An `error` frame (or `auth.error`, by `kind`) with the envelope of `error`, the
    /// `message_id` of the chat it concerns, and `retry_after` (seconds) when the error says
    /// when to retry (a rate limit).
    pub fn error(
        kind: &'static str,
        error: &AppError,
        request_id: &str,
        message_id: Option<&str>,
    ) -> Self {
        let mut payload = serde_json::to_value(ErrorEnvelope::from_error(error, request_id))
            .unwrap_or(Value::Null);
        if let (Some(message_id), Value::Object(map)) = (message_id, &mut payload) {
            map.insert("message_id".to_owned(), Value::from(message_id));
        }
        if let (Some(seconds), Value::Object(map)) = (error.retry_after_seconds(), &mut payload) {
            map.insert("retry_after".to_owned(), Value::from(seconds));
        }
        Self { kind, payload }
    }

    /// The frame as text.
    #[must_use]
    pub fn to_text(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            r#"{"type":"error","payload":{"code":"INTERNAL_ERROR"}}"#.to_owned()
        })
    }
}

/// `auth.success` payload.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthSuccess {
    /// The user.
    pub user_id: String,
    /// The current session (none yet on a new connection).
    pub session_id: Option<SessionId>,
    /// The organization.
    pub org_id: String,
}

/// `session.started` / `session.ended` payload.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionFrame {
    /// The session.
    pub session_id: SessionId,
}

/// `session.resumed` payload.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionResumed {
    /// The session.
    pub session_id: SessionId,
    /// Its last 20 interactions, oldest first.
    pub interactions: Vec<Interaction>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_parse_by_type_and_refuse_the_rest() {
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"ping"}"#),
            Ok(ClientFrame::Ping(_))
        ));
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"chat","payload":{"content":"hi","sessionId":null}}"#),
            Ok(ClientFrame::Chat(ChatPayload {
                session_id: None,
                ..
            }))
        ));
        assert!(matches!(
            ClientFrame::parse(r#"{"type":"session.end"}"#),
            Ok(ClientFrame::SessionEnd(OptionalSessionRef {
                session_id: None
            }))
        ));
        for bad in [
            "not json",
            r#"{"payload":{}}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"chat","payload":{"message_id":"m"}}"#,
            r#"{"type":"session.resume","payload":{"sessionId":"not-a-uuid"}}"#,
        ] {
            let error = ClientFrame::parse(bad).err();
            assert_eq!(error.map(|e| e.code()), Some("BAD_REQUEST"), "{bad}");
        }
    }

    #[test]
    fn error_frames_carry_the_envelope_and_the_message() {
        let frame = ServerFrame::error(
            "error",
            &AppError::bad_request("nope"),
            "req-1",
            Some("m-1"),
        );
        assert_eq!(frame.payload["code"], "BAD_REQUEST");
        assert_eq!(frame.payload["request_id"], "req-1");
        assert_eq!(frame.payload["message_id"], "m-1");
        assert_eq!(frame.payload["retryable"], false);
    }
}
