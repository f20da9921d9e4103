//! The Google Cloud Text-to-Speech client (`v1/text:synthesize`).
//!
//! [`TtsProvider::synthesize`] posts `{base_url}/v1/text:synthesize` with
//! `{"input":{"text"},"voice":{"languageCode","name"?},"audioConfig":{"audioEncoding",
//! "sampleRateHertz"?}}` and decodes the base64 `audioContent` of the answer. WAV and raw PCM
//! are asked as `LINEAR16` (which Google answers as a WAV: its header is stripped for
//! [`AudioFormat::Pcm16`]), MP3 as `MP3`, Ogg Opus and WebM as `OGG_OPUS` (the answer then says
//! [`AudioFormat::OggOpus`]). The request's `model` (the voice tier) is recorded, not sent:
//! Google reads the tier from the voice name. Failures become
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with operation `tts` and
//! the typed failures of the crate documentation.
//!
//! The API key is held in a [`SecretString`] and sent only in the `x-goog-api-key` header:
//! never in the URL, `Debug` output, error messages or logs.

use crate::failure::Fault;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use crate::tts_wire;
use hellosales_domain::error::{AppResult, ProviderFailure};
use hellosales_domain::ports::speech::{
    AudioFormat, SpeechAudio, TTS_OPERATION, TtsProvider, TtsRequest,
};
use reqwest::Url;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// Google's Text-to-Speech API.
pub const GOOGLE_TTS_BASE_URL: &str = "https://texttospeech.googleapis.com";

/// The provider's name, as recorded and shown in errors.
pub const GOOGLE_TTS_PROVIDER: &str = "google";

/// The language asked for when neither the request nor its voice name says one.
pub const GOOGLE_TTS_DEFAULT_LANGUAGE: &str = "en-US";

/// Configuration of the Google Text-to-Speech client.
#[derive(Clone, Debug)]
pub struct GoogleTtsConfig {
    /// The API root, up to and excluding `/v1` (`https://texttospeech.googleapis.com`).
    pub base_url: String,
    /// The API key, sent as `x-goog-api-key`.
    pub api_key: SecretString,
    /// The `languageCode` when the request has no language and its voice name shows none.
    pub default_language: String,
    /// The `sampleRateHertz` asked for; Google's default for the voice when `None`.
    pub sample_rate_hertz: Option<u32>,
    /// How long to wait for the response headers, and then for the body.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl GoogleTtsConfig {
    /// Google at its public base URL with the given key, `en-US`, the voice's sample rate and
    /// the default timeouts.
    #[must_use]
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: GOOGLE_TTS_BASE_URL.to_owned(),
            api_key,
            default_language: GOOGLE_TTS_DEFAULT_LANGUAGE.to_owned(),
            sample_rate_hertz: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Sets the base URL.
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Sets the default language (BCP-47, `en-GB`).
    #[must_use]
    pub fn with_default_language(mut self, language: impl Into<String>) -> Self {
        self.default_language = language.into();
        self
    }

    /// Asks Google for this sample rate.
    #[must_use]
    pub const fn with_sample_rate_hertz(mut self, sample_rate: u32) -> Self {
        self.sample_rate_hertz = Some(sample_rate);
        self
    }

    /// Sets the request timeout (headers, then body).
    #[must_use]
    pub const fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets the connect timeout.
    #[must_use]
    pub const fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
}

/// A text-to-speech client for Google. Cheap to clone.
#[derive(Clone, Debug)]
pub struct GoogleTts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: ProviderHttp,
    url: Url,
    default_language: String,
    sample_rate_hertz: Option<u32>,
}

impl GoogleTts {
    /// A client for the configured API.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `tts`) when the base URL is not an absolute
    /// http(s) URL or the HTTP client cannot be built.
    pub fn new(config: GoogleTtsConfig) -> AppResult<Self> {
        let GoogleTtsConfig {
            base_url,
            api_key,
            default_language,
            sample_rate_hertz,
            request_timeout,
            connect_timeout,
        } = config;
        let http = ProviderHttp::new(
            GOOGLE_TTS_PROVIDER.to_owned(),
            Some(api_key),
            KeyHeader::Named("x-goog-api-key"),
            request_timeout,
            connect_timeout,
        )?;
        let url = http::join_url(&base_url, &["v1", "text:synthesize"]).ok_or_else(|| {
            let message = "the base URL is not an absolute http(s) URL";
            http.error(
                TTS_OPERATION,
                Fault::new(ProviderFailure::NotConfigured, message),
            )
        })?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                url,
                default_language,
                sample_rate_hertz,
            }),
        })
    }
}

#[async_trait::async_trait]
impl TtsProvider for GoogleTts {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn synthesize(&self, request: TtsRequest) -> AppResult<SpeechAudio> {
        let inner = &self.inner;
        let http = &inner.http;
        let (encoding, format) = encoding(request.format);
        let voice = request
            .voice
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let language = request
            .language
            .as_deref()
            .map(str::trim)
            .filter(|language| !language.is_empty())
            .or_else(|| voice.and_then(voice_language))
            .unwrap_or(&inner.default_language);
        let body = SynthesizeBody {
            input: Input {
                text: &request.text,
            },
            voice: Voice {
                language_code: language,
                name: voice,
            },
            audio_config: AudioConfig {
                audio_encoding: encoding,
                sample_rate_hertz: inner.sample_rate_hertz,
            },
        };
        tracing::debug!(provider = %http.name(), model = %request.model, encoding, "tts request");
        let answer: SynthesizeAnswer = http.post_for_json(TTS_OPERATION, &inner.url, &body).await?;
        let audio = answer
            .audio_content
            .filter(|content| !content.is_empty())
            .ok_or_else(|| Fault::malformed("the answer has no audioContent"))
            .and_then(|content| tts_wire::decode_base64(&content))
            .map_err(|fault| http.error(TTS_OPERATION, fault))?;
        let mut speech = if encoding == "LINEAR16" {
            let (rate, pcm) =
                tts_wire::wav_pcm16(&audio).map_err(|fault| http.error(TTS_OPERATION, fault))?;
            tts_wire::linear_audio(pcm, rate, request.format)
        } else {
            SpeechAudio {
                audio,
                format,
                sample_rate: inner.sample_rate_hertz,
                duration_ms: None,
                model: None,
                tokens_in: None,
                tokens_out: None,
            }
        };
        let model = request.model.trim();
        speech.model = (!model.is_empty()).then(|| model.to_owned());
        Ok(speech)
    }
}

/// Google's `audioEncoding` for a format, and the format its answer is in.
const fn encoding(format: AudioFormat) -> (&'static str, AudioFormat) {
    match format {
        AudioFormat::Wav => ("LINEAR16", AudioFormat::Wav),
        AudioFormat::Pcm16 => ("LINEAR16", AudioFormat::Pcm16),
        AudioFormat::Mp3 => ("MP3", AudioFormat::Mp3),
        AudioFormat::OggOpus | AudioFormat::Webm => ("OGG_OPUS", AudioFormat::OggOpus),
    }
}

/// The language a Google voice name starts with (`en-GB` of `en-GB-Neural2-A`).
fn voice_language(voice: &str) -> Option<&str> {
    let mut dashes = voice.match_indices('-').map(|(index, _)| index);
    let second = dashes.nth(1)?;
    let language = &voice[..second];
    let (primary, region) = language.split_once('-')?;
    let letters = |part: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&part.len()) && part.chars().all(|c| c.is_ascii_alphabetic())
    };
    (letters(primary, 2..=3) && letters(region, 2..=3)).then_some(language)
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SynthesizeBody<'a> {
    input: Input<'a>,
    voice: Voice<'a>,
    audio_config: AudioConfig,
}

#[derive(Serialize)]
struct Input<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Voice<'a> {
    language_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AudioConfig {
    audio_encoding: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_rate_hertz: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SynthesizeAnswer {
    audio_content: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voice_name_tells_its_language() {
        assert_eq!(voice_language("en-GB-Neural2-A"), Some("en-GB"));
        assert_eq!(voice_language("cmn-CN-Standard-A"), Some("cmn-CN"));
        assert_eq!(voice_language("Kore"), None);
        assert_eq!(voice_language("en-US"), None);
        assert_eq!(voice_language("x-y-z"), None);
    }

    #[test]
    fn webm_and_ogg_are_asked_as_ogg_opus() {
        assert_eq!(
            encoding(AudioFormat::Webm),
            ("OGG_OPUS", AudioFormat::OggOpus)
        );
        assert_eq!(encoding(AudioFormat::Pcm16).0, "LINEAR16");
    }
}
