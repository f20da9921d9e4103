//! The speech ports: speech-to-text ([`SttProvider`]) and text-to-speech ([`TtsProvider`]).
//!
//! Adapters (Deepgram, OpenAI-compatible `/audio/transcriptions`, Google Speech-to-Text and
//! Text-to-Speech, Gemini TTS, the local espeak-ng voice) live in `hellosales-providers`.
//! Every failure of a provider is an [`AppError::Provider`](crate::error::AppError::Provider)
//! with operation [`STT_OPERATION`] or [`TTS_OPERATION`] and one of the typed
//! [`ProviderFailure`](crate::error::ProviderFailure)s, which carry retryability.
//!
//! Audio travels as whole byte buffers: a voice turn is recorded on the client, sent in chunks
//! and transcribed when it ends; each sentence of the answer is synthesized as one clip. An
//! adapter that can transcribe while the audio is still arriving (Deepgram's live endpoint)
//! also offers [`SttProvider::start_stream`].

use crate::error::AppResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// The `operation` of provider errors and records of speech-to-text calls.
pub const STT_OPERATION: &str = "stt";
/// The `operation` of provider errors and records of text-to-speech calls.
pub const TTS_OPERATION: &str = "tts";

/// How audio bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AudioFormat {
    /// WebM container, Opus codec (what browsers' `MediaRecorder` writes).
    Webm,
    /// RIFF WAVE, 16-bit little-endian PCM inside.
    Wav,
    /// Raw 16-bit little-endian mono PCM, no header (its sample rate travels beside it).
    Pcm16,
    /// MPEG-1 layer III.
    Mp3,
    /// Ogg container, Opus codec.
    OggOpus,
}

impl AudioFormat {
    /// Its wire name (`webm`, `wav`, `pcm16`, `mp3`, `ogg_opus`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Webm => "webm",
            Self::Wav => "wav",
            Self::Pcm16 => "pcm16",
            Self::Mp3 => "mp3",
            Self::OggOpus => "ogg_opus",
        }
    }

    /// The format of a wire name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "webm" => Some(Self::Webm),
            "wav" => Some(Self::Wav),
            "pcm16" => Some(Self::Pcm16),
            "mp3" => Some(Self::Mp3),
            "ogg_opus" => Some(Self::OggOpus),
            _ => None,
        }
    }

    /// Its media type (`audio/webm`, `audio/wav`, `audio/L16`, …).
    #[must_use]
    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::Webm => "audio/webm",
            Self::Wav => "audio/wav",
            Self::Pcm16 => "audio/L16",
            Self::Mp3 => "audio/mpeg",
            Self::OggOpus => "audio/ogg",
        }
    }

    /// A file name extension for uploads (`webm`, `wav`, `pcm`, `mp3`, `ogg`).
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Webm => "webm",
            Self::Wav => "wav",
            Self::Pcm16 => "pcm",
            Self::Mp3 => "mp3",
            Self::OggOpus => "ogg",
        }
    }
}

/// A transcription request, independent of any provider's wire format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SttRequest {
    /// The provider's model id (`nova-2`, `whisper-large-v3-turbo`, `latest_short`).
    pub model: String,
    /// The recorded speech.
    pub audio: Vec<u8>,
    /// How `audio` is encoded.
    pub format: AudioFormat,
    /// Samples per second; required for [`AudioFormat::Pcm16`], read from the header otherwise.
    pub sample_rate: Option<u32>,
    /// BCP-47 language of the speech (`en-US`); the provider's default or detection when `None`.
    pub language: Option<String>,
}

/// What was said.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Transcript {
    /// The text (empty when nothing intelligible was said).
    pub text: String,
    /// How long the audio lasted, when the provider said (what it bills).
    pub duration_ms: Option<u32>,
    /// The model that answered, when the provider said.
    pub model: Option<String>,
    /// The provider's confidence in `text`, from 0 to 1, when it said.
    pub confidence: Option<f32>,
}

/// A speech-to-text session fed while the audio is still arriving.
#[async_trait]
pub trait SttStream: Send + Sync {
    /// Sends the next piece of audio, in order.
    ///
    /// # Errors
    /// The provider's typed error (the connection dropped, the audio was refused).
    async fn send_audio(&mut self, chunk: Vec<u8>) -> AppResult<()>;

    /// Says that the audio has ended and waits for the whole transcript.
    ///
    /// # Errors
    /// The provider's typed error, `Timeout` when the final transcript does not come in time.
    async fn finish(self: Box<Self>) -> AppResult<Transcript>;
}

/// A model reachable for speech-to-text.
#[async_trait]
pub trait SttProvider: Send + Sync + 'static {
    /// The provider's name as recorded and shown in errors (`deepgram`, `groq`, `google`).
    fn name(&self) -> &str;

    /// Transcribes a whole recording.
    ///
    /// # Errors
    /// [`AppError::Provider`](crate::error::AppError::Provider) with operation `stt` when the
    /// request is refused, the provider does not answer in time, or its answer cannot be read.
    async fn transcribe(&self, request: SttRequest) -> AppResult<Transcript>;

    /// Opens a live transcription of audio that will follow (`request.audio` is empty), when
    /// the provider has one; `Ok(None)` when it only transcribes whole recordings.
    ///
    /// # Errors
    /// The provider's typed error when the session cannot be opened.
    async fn start_stream(&self, request: SttRequest) -> AppResult<Option<Box<dyn SttStream>>> {
        let _ = request;
        Ok(None)
    }
}

/// A synthesis request, independent of any provider's wire format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TtsRequest {
    /// The provider's model id (`gemini-2.5-flash-preview-tts`, `standard`, `espeak-ng`).
    pub model: String,
    /// The text to speak.
    pub text: String,
    /// The voice (`en-US-Standard-C`, `Kore`, `en-us`); the provider's default when `None`.
    pub voice: Option<String>,
    /// BCP-47 language (`en-US`); the provider's default when `None`.
    pub language: Option<String>,
    /// The encoding asked for; an adapter answers in another one when its provider cannot
    /// (Gemini speaks only PCM) and says so in [`SpeechAudio::format`].
    pub format: AudioFormat,
}

/// A synthesized clip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeechAudio {
    /// The encoded audio.
    pub audio: Vec<u8>,
    /// How it is encoded.
    pub format: AudioFormat,
    /// Samples per second, when known.
    pub sample_rate: Option<u32>,
    /// How long it plays, when known (computed from PCM and WAV audio).
    pub duration_ms: Option<u32>,
    /// The model that answered, when the provider said.
    pub model: Option<String>,
    /// Tokens of the text, for providers that bill speech by token (Gemini).
    pub tokens_in: Option<u32>,
    /// Tokens of the audio, for providers that bill speech by token (Gemini).
    pub tokens_out: Option<u32>,
}

/// A voice reachable for text-to-speech.
#[async_trait]
pub trait TtsProvider: Send + Sync + 'static {
    /// The provider's name as recorded and shown in errors (`google`, `gemini`, `local`).
    fn name(&self) -> &str;

    /// Speaks the request's text.
    ///
    /// # Errors
    /// [`AppError::Provider`](crate::error::AppError::Provider) with operation `tts` when the
    /// request is refused, the provider does not answer in time, or its answer cannot be read.
    async fn synthesize(&self, request: TtsRequest) -> AppResult<SpeechAudio>;
}

/// The playing time of `bytes` of 16-bit mono PCM at `sample_rate`, in milliseconds.
#[must_use]
pub fn pcm16_duration_ms(bytes: usize, sample_rate: u32) -> Option<u32> {
    if sample_rate == 0 {
        return None;
    }
    let samples = u64::try_from(bytes / 2).ok()?;
    u32::try_from(samples.saturating_mul(1000) / u64::from(sample_rate)).ok()
}

/// How long a recording plays, when its own bytes say: from a WAV's header, or from the length
/// of raw PCM and its sample rate; `None` for compressed formats.
#[must_use]
pub fn recording_duration_ms(
    audio: &[u8],
    format: AudioFormat,
    sample_rate: Option<u32>,
) -> Option<u32> {
    match format {
        AudioFormat::Wav => WavInfo::read(audio)?.duration_ms(),
        AudioFormat::Pcm16 => pcm16_duration_ms(audio.len(), sample_rate?),
        AudioFormat::Webm | AudioFormat::Mp3 | AudioFormat::OggOpus => None,
    }
}

/// The header of a RIFF WAVE file holding PCM: sample rate, channels, bits per sample and the
/// size of its `data` chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WavInfo {
    /// Samples per second.
    pub sample_rate: u32,
    /// Interleaved channels.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// Bytes of samples (the `data` chunk, or what is present of it).
    pub data_bytes: u32,
}

impl WavInfo {
    /// Reads the header of `bytes`; `None` when they are not a RIFF WAVE with a `fmt ` chunk
    /// before its `data` chunk.
    #[must_use]
    pub fn read(bytes: &[u8]) -> Option<Self> {
        if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
            return None;
        }
        let mut offset = 12;
        let mut format = None;
        while offset + 8 <= bytes.len() {
            let id = &bytes[offset..offset + 4];
            let size = u32::from_le_bytes(bytes[offset + 4..offset + 8].try_into().ok()?);
            let body = offset + 8;
            if id == b"fmt " {
                let chunk = bytes.get(body..body + 16)?;
                format = Some((
                    u16::from_le_bytes([chunk[2], chunk[3]]),
                    u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]),
                    u16::from_le_bytes([chunk[14], chunk[15]]),
                ));
            } else if id == b"data" {
                let (channels, sample_rate, bits_per_sample) = format?;
                let present = u32::try_from(bytes.len() - body).unwrap_or(u32::MAX);
                return Some(Self {
                    sample_rate,
                    channels,
                    bits_per_sample,
                    // Streamed WAVs (espeak-ng's `--stdout`) leave the size at its maximum.
                    data_bytes: size.min(present),
                });
            }
            let padded = usize::try_from(size)
                .ok()?
                .checked_add(usize::from(size % 2 == 1))?;
            offset = body.checked_add(padded)?;
        }
        None
    }

    /// How long the samples play, in milliseconds.
    #[must_use]
    pub fn duration_ms(&self) -> Option<u32> {
        let frame = u64::from(self.channels) * u64::from(self.bits_per_sample / 8);
        if frame == 0 || self.sample_rate == 0 {
            return None;
        }
        let frames = u64::from(self.data_bytes) / frame;
        u32::try_from(frames * 1000 / u64::from(self.sample_rate)).ok()
    }
}

/// Wraps 16-bit mono PCM samples in a RIFF WAVE header.
#[must_use]
pub fn wav_from_pcm16(pcm: &[u8], sample_rate: u32) -> Vec<u8> {
    let data = u32::try_from(pcm.len()).unwrap_or(u32::MAX);
    let mut wav = Vec::with_capacity(pcm.len() + 44);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&data.saturating_add(36).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16_u32.to_le_bytes());
    wav.extend_from_slice(&1_u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1_u16.to_le_bytes()); // mono
    wav.extend_from_slice(&sample_rate.to_le_bytes());
    wav.extend_from_slice(&sample_rate.saturating_mul(2).to_le_bytes());
    wav.extend_from_slice(&2_u16.to_le_bytes()); // block align
    wav.extend_from_slice(&16_u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data.to_le_bytes());
    wav.extend_from_slice(&pcm[..usize::try_from(data).unwrap_or(pcm.len())]);
    wav
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_round_trip_their_wire_names() {
        for format in [
            AudioFormat::Webm,
            AudioFormat::Wav,
            AudioFormat::Pcm16,
            AudioFormat::Mp3,
            AudioFormat::OggOpus,
        ] {
            assert_eq!(AudioFormat::parse(format.as_str()), Some(format));
            let json = serde_json::to_value(format).unwrap();
            assert_eq!(json, format.as_str());
        }
        assert_eq!(AudioFormat::parse("flac"), None);
    }

    #[test]
    fn a_wav_reads_back_its_rate_and_duration() {
        let pcm = vec![0_u8; 16_000 * 2 * 3 / 2]; // 1.5 s at 16 kHz
        let wav = wav_from_pcm16(&pcm, 16_000);
        let info = WavInfo::read(&wav).unwrap();
        assert_eq!(info.sample_rate, 16_000);
        assert_eq!(info.channels, 1);
        assert_eq!(info.bits_per_sample, 16);
        assert_eq!(info.duration_ms(), Some(1500));
        assert_eq!(pcm16_duration_ms(pcm.len(), 16_000), Some(1500));
    }

    #[test]
    fn a_streamed_wav_counts_the_samples_present() {
        let mut wav = wav_from_pcm16(&[0_u8; 22_050 * 2], 22_050);
        // espeak-ng writes 0xFFFFFFFF as the data size when it writes to a pipe.
        let data = wav.len() - 22_050 * 2 - 4;
        wav[data..data + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(WavInfo::read(&wav).unwrap().duration_ms(), Some(1000));
    }

    #[test]
    fn what_is_not_a_wav_is_refused() {
        assert_eq!(WavInfo::read(b"RIFF"), None);
        assert_eq!(WavInfo::read(b"OggS\0\0\0\0\0\0\0\0\0\0\0\0"), None);
        let mut no_format = b"RIFF\0\0\0\0WAVEdata\x04\0\0\0\0\0\0\0".to_vec();
        assert_eq!(WavInfo::read(&no_format), None);
        no_format.truncate(10);
        assert_eq!(WavInfo::read(&no_format), None);
        assert_eq!(pcm16_duration_ms(100, 0), None);
    }
}
