//! What a voice turn tells its client, in order: [`VoiceUpdate::Status`] as the turn moves
//! (`transcribing`, `thinking`, `speaking`), [`VoiceUpdate::Transcript`] once the speech is
//! heard and stored, the answer's [`ChatUpdate::Token`]s, a [`VoiceUpdate::Audio`] clip per
//! sentence in order, the answer's [`ChatUpdate::Complete`], then [`VoiceUpdate::Complete`]
//! (or `chat.blocked`, [`VoiceUpdate::Cancelled`] or the turn's error). The WebSocket sends
//! them as `status.update`, `voice.transcript`, `chat.token`, `voice.audio.chunk`,
//! `chat.complete`, `voice.complete` and `voice.cancelled` frames with these payloads.

use crate::chat::ChatUpdate;
use hellosales_domain::{InteractionId, SessionId};
use serde::Serialize;
use uuid::Uuid;

/// One step of a voice turn; it serializes as its payload.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum VoiceUpdate {
    /// Where the turn is.
    Status(VoiceStatus),
    /// What was heard.
    Transcript(VoiceTranscript),
    /// A chat step of the answer (`chat.token`, `chat.complete`, `chat.blocked`).
    Chat(ChatUpdate),
    /// A spoken sentence of the answer.
    Audio(VoiceAudioChunk),
    /// The turn is over.
    Complete(VoiceComplete),
    /// The client cancelled the turn.
    Cancelled(VoiceCancelled),
}

impl VoiceUpdate {
    /// The frame type.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Status(_) => "status.update",
            Self::Transcript(_) => "voice.transcript",
            Self::Chat(update) => update.kind(),
            Self::Audio(_) => "voice.audio.chunk",
            Self::Complete(_) => "voice.complete",
            Self::Cancelled(_) => "voice.cancelled",
        }
    }
}

/// `status.update`: where a voice turn is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceStatus {
    /// `listening` (after `voice.start`), `transcribing` (after `voice.end`), `thinking` (the
    /// speech is heard), `speaking` (the first clip is out).
    pub stage: &'static str,
}

/// `voice.transcript`: the speech is heard and stored as the user's message.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct VoiceTranscript {
    /// What was said.
    pub text: String,
    /// The stored user message.
    pub interaction_id: InteractionId,
    /// Its session.
    pub session_id: SessionId,
    /// The client's message id (generated when the client sent none).
    pub message_id: String,
    /// How long the speech lasted, when known.
    pub audio_duration_ms: Option<u32>,
}

/// `voice.audio.chunk`: one spoken sentence of the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceAudioChunk {
    /// The clip, base64.
    pub data: String,
    /// Its encoding (`wav`, `pcm16`, `mp3`, `ogg_opus`).
    pub format: String,
    /// How long it plays, when known.
    #[serde(rename = "durationMs")]
    pub duration_ms: Option<u32>,
    /// Samples per second, when known.
    #[serde(rename = "sampleRate")]
    pub sample_rate: Option<u32>,
    /// 0, 1, 2, … in the order of the sentences.
    pub index: u32,
    /// The sentence spoken.
    pub text: String,
    /// Whether it is the answer's last clip.
    pub is_final: bool,
}

/// `voice.complete`: the voice turn is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceComplete {
    /// The stored assistant message.
    pub interaction_id: InteractionId,
    /// The stored user message (the transcript).
    pub user_interaction_id: InteractionId,
    /// Its session.
    pub session_id: SessionId,
    /// The run that answered.
    pub pipeline_run_id: Uuid,
    /// Cost of the speech-to-text call, in micro-USD, when priced.
    pub stt_cost_usd_micros: Option<i64>,
    /// Cost of the text-to-speech calls, in micro-USD, when priced.
    pub tts_cost_usd_micros: Option<i64>,
    /// Duration of the speech heard.
    pub input_audio_duration_ms: Option<u64>,
    /// Duration of the speech answered.
    pub output_audio_duration_ms: Option<u64>,
    /// Time from the end of the recording to the first clip.
    pub ttfa_ms: Option<u64>,
}

/// `voice.cancelled`: the turn was cancelled before it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VoiceCancelled {
    /// The client's message id.
    pub message_id: String,
    /// The run, for Pulse (none when the turn was cancelled before it started).
    pub pipeline_run_id: Option<Uuid>,
}
