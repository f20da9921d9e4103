//! A voice turn being recorded: what `voice.start` asked for ([`VoiceStart`]), checked against
//! the limits ([`VoiceLimits`]), and the audio of each `voice.chunk` ([`VoiceRecording`]).
//!
//! The audio is kept whole until `voice.end` (bounded by [`VoiceLimits::max_bytes`]); when the
//! speech-to-text provider transcribes live, every chunk is also sent to it as it arrives, and
//! the whole recording is the fallback should the live session fail.

use hellosales_domain::error::FieldError;
use hellosales_domain::ports::AudioFormat;
use hellosales_domain::ports::speech::recording_duration_ms;
use hellosales_domain::{AppError, AppResult, SessionId};
use hellosales_providers::RecordedSttStream;
use std::fmt;

/// The lowest and highest sample rates accepted.
const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=48_000;

/// How much audio a voice turn may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoiceLimits {
    /// Bytes of audio (`VOICE_MAX_AUDIO_BYTES`, default 5 MiB: about 2.5 minutes of 16 kHz
    /// PCM).
    pub max_bytes: usize,
    /// Duration of the recording, checked as it arrives for WAV and PCM
    /// (`VOICE_MAX_DURATION_MS`, default 120 s).
    pub max_duration_ms: u64,
}

impl Default for VoiceLimits {
    fn default() -> Self {
        Self {
            max_bytes: 5 * 1024 * 1024,
            max_duration_ms: 120_000,
        }
    }
}

/// What a client asks for with `voice.start`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VoiceStart {
    /// The session; `None` starts a new chat session.
    pub session_id: Option<SessionId>,
    /// The encoding: `webm`, `wav` or `pcm16`.
    pub format: String,
    /// Samples per second; required for `pcm16`.
    pub sample_rate: Option<u32>,
    /// BCP-47 language of the speech (`en-US`); the provider's default when `None`.
    pub language: Option<String>,
    /// The client's id of the message (deduplication); generated when absent.
    pub message_id: Option<String>,
}

impl VoiceStart {
    /// The format and sample rate, checked.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` naming `format` or `sampleRate`.
    pub fn checked(&self) -> AppResult<(AudioFormat, Option<u32>)> {
        let mut fields = Vec::new();
        let format = match AudioFormat::parse(&self.format) {
            Some(format @ (AudioFormat::Webm | AudioFormat::Wav | AudioFormat::Pcm16)) => {
                Some(format)
            }
            _ => {
                fields.push(FieldError::new(
                    "format",
                    "invalid_choice",
                    "format must be one of webm, wav, pcm16",
                ));
                None
            }
        };
        match self.sample_rate {
            Some(rate) if !SAMPLE_RATES.contains(&rate) => fields.push(FieldError::new(
                "sampleRate",
                "out_of_range",
                "sampleRate must be between 8000 and 48000",
            )),
            None if format == Some(AudioFormat::Pcm16) => fields.push(FieldError::new(
                "sampleRate",
                "required",
                "sampleRate is required for pcm16 audio",
            )),
            _ => {}
        }
        if let Some(language) = &self.language
            && (language.is_empty()
                || language.len() > 35
                || !language
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-'))
        {
            fields.push(FieldError::new(
                "language",
                "invalid_format",
                "language must be a BCP-47 tag such as en-US",
            ));
        }
        match format {
            Some(format) if fields.is_empty() => Ok((format, self.sample_rate)),
            _ => Err(AppError::Validation {
                message: "the voice.start frame is invalid".to_owned(),
                fields,
            }),
        }
    }
}

/// A voice turn being recorded.
pub struct VoiceRecording {
    pub(crate) start: VoiceStart,
    /// The id its run will have (a live transcription's call already refers to it).
    pub(crate) run_id: uuid::Uuid,
    pub(crate) format: AudioFormat,
    pub(crate) sample_rate: Option<u32>,
    pub(crate) audio: Vec<u8>,
    pub(crate) live: Option<RecordedSttStream>,
    pub(crate) limits: VoiceLimits,
}

impl fmt::Debug for VoiceRecording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoiceRecording")
            .field("format", &self.format)
            .field("sample_rate", &self.sample_rate)
            .field("bytes", &self.audio.len())
            .field("live", &self.live.is_some())
            .finish_non_exhaustive()
    }
}

impl VoiceRecording {
    /// What the client asked for.
    #[must_use]
    pub const fn start(&self) -> &VoiceStart {
        &self.start
    }

    /// The bytes received so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.audio.len()
    }

    /// Whether no audio has arrived.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.audio.is_empty()
    }

    /// The duration of what arrived, for WAV and PCM.
    #[must_use]
    pub fn duration_ms(&self) -> Option<u32> {
        recording_duration_ms(&self.audio, self.format, self.sample_rate)
    }

    /// Adds the next chunk (and sends it to a live transcription; should that fail, the turn
    /// goes on with the whole recording).
    ///
    /// # Errors
    /// `PAYLOAD_TOO_LARGE` past [`VoiceLimits::max_bytes`]; `AUDIO_TOO_LONG` past
    /// [`VoiceLimits::max_duration_ms`].
    pub async fn push(&mut self, chunk: Vec<u8>) -> AppResult<()> {
        let total = self.audio.len().saturating_add(chunk.len());
        if total > self.limits.max_bytes {
            return Err(AppError::PayloadTooLarge {
                limit_bytes: u64::try_from(self.limits.max_bytes).unwrap_or(u64::MAX),
            });
        }
        self.audio.extend_from_slice(&chunk);
        if let Some(duration) = self.duration_ms().map(u64::from)
            && duration > self.limits.max_duration_ms
        {
            return Err(AppError::AudioTooLong {
                duration_ms: duration,
                limit_ms: self.limits.max_duration_ms,
            });
        }
        if let Some(live) = self.live.as_mut()
            && let Err(error) = live.send_audio(chunk).await
        {
            tracing::warn!(
                error = %error,
                code = error.code(),
                "the live transcription failed; the recording will be transcribed whole"
            );
            self.live = None;
        }
        Ok(())
    }
}
