//! Voice turns: speech in, the chat assistant, speech out, over the same WebSocket as chat.
//! The `voice_chat` pipeline ([`pipeline`]) adds a speech-to-text stage before the chat stages
//! and a text-to-speech stage after the output guard ([`stages`]); the [`VoiceService`] records
//! a turn ([`VoiceRecording`]), runs it and tells the client what happens ([`VoiceUpdate`]).

mod inbox;
pub mod pipeline;
mod recording;
pub mod sentences;
mod service;
pub mod stages;
mod updates;

pub use inbox::AudioInbox;
pub use pipeline::{SpeechDeps, VOICE_PIPELINE, VOICE_TOPOLOGY, VoiceTimeouts, voice_pipeline};
pub use recording::{VoiceLimits, VoiceRecording, VoiceStart};
pub use service::{VoiceConfig, VoiceService, VoiceServiceParts};
pub use stages::TtsSettings;
pub use updates::{
    VoiceAudioChunk, VoiceCancelled, VoiceComplete, VoiceStatus, VoiceTranscript, VoiceUpdate,
};
