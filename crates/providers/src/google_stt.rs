//! The Google Cloud Speech-to-Text client (`v1`, synchronous recognition).
//!
//! [`SttProvider::transcribe`] posts `{base_url}/v1/speech:recognize` with the audio inline in
//! base64 and a `config` naming its encoding (`LINEAR16` for WAV and raw PCM, `WEBM_OPUS`,
//! `OGG_OPUS`, `MP3`), its sample rate when known (raw PCM needs one; WAV's is read from its
//! header; Opus decodes at 48 kHz), the language (`en-US` when the request has none) and the
//! model. The text is the best alternative of each result, joined with spaces (empty when
//! there are no results); the duration is the last `resultEndTime`, else `totalBilledTime`.
//! Failures become [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with
//! operation `stt` and the typed failures listed in the crate documentation.
//!
//! The API key is held in a [`SecretString`] and sent only in the `x-goog-api-key` header:
//! never in the URL, `Debug` output, error messages or logs.

use crate::failure::Fault;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use crate::stt_wire;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hellosales_domain::error::AppResult;
use hellosales_domain::ports::speech::{
    AudioFormat, STT_OPERATION, SttProvider, SttRequest, Transcript,
};
use reqwest::Url;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Google Cloud Speech-to-Text's API.
pub const GOOGLE_STT_BASE_URL: &str = "https://speech.googleapis.com";

/// The provider's name, as recorded and shown in errors.
pub const GOOGLE_STT_PROVIDER: &str = "google";

/// The language asked for when a request has none.
pub const GOOGLE_STT_DEFAULT_LANGUAGE: &str = "en-US";

/// The rate Opus always decodes at, sent when a WebM or Ogg request gives none.
const OPUS_SAMPLE_RATE: u32 = 48_000;

/// Configuration of the Google Speech-to-Text client.
#[derive(Clone, Debug)]
pub struct GoogleSttConfig {
    /// The API root, up to and excluding `/v1` (`https://speech.googleapis.com`).
    pub base_url: String,
    /// The API key, sent as `x-goog-api-key`.
    pub api_key: SecretString,
    /// How long to wait for the answer's headers, and then for its body.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl GoogleSttConfig {
    /// Google at its public base URL with the given key and the default timeouts (30 s
    /// request, 5 s connect).
    #[must_use]
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: GOOGLE_STT_BASE_URL.to_owned(),
            api_key,
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

    /// Sets the request timeout.
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

/// A speech-to-text client for Google Cloud. Cheap to clone.
#[derive(Clone)]
pub struct GoogleStt {
    inner: Arc<Inner>,
}

struct Inner {
    http: ProviderHttp,
    url: Url,
}

impl fmt::Debug for GoogleStt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleStt")
            .field("http", &self.inner.http)
            .field("endpoint", &self.inner.url.as_str())
            .finish_non_exhaustive()
    }
}

impl GoogleStt {
    /// A client for the configured API.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `stt`) when the base URL is not an absolute
    /// http(s) URL or the HTTP client cannot be built.
    pub fn new(config: GoogleSttConfig) -> AppResult<Self> {
        let GoogleSttConfig {
            base_url,
            api_key,
            request_timeout,
            connect_timeout,
        } = config;
        let url = http::join_url(&base_url, &["v1", "speech:recognize"]).ok_or_else(|| {
            http::not_configured_for(
                GOOGLE_STT_PROVIDER,
                STT_OPERATION,
                "the base URL is not an absolute http(s) URL",
            )
        })?;
        let http = ProviderHttp::new(
            GOOGLE_STT_PROVIDER.to_owned(),
            Some(api_key),
            KeyHeader::Named("x-goog-api-key"),
            request_timeout,
            connect_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner { http, url }),
        })
    }

    /// The URL that recognition requests are posted to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.inner.url.as_str()
    }
}

#[async_trait::async_trait]
impl SttProvider for GoogleStt {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn transcribe(&self, request: SttRequest) -> AppResult<Transcript> {
        let http = &self.inner.http;
        tracing::debug!(provider = %http.name(), model = %request.model, bytes = request.audio.len(), "stt transcription request");
        let body =
            RecognizeBody::new(&request).map_err(|fault| http.error(STT_OPERATION, fault))?;
        let answer: WireRecognize = http
            .post_for_json(STT_OPERATION, &self.inner.url, &body)
            .await?;
        Ok(answer.into_transcript(stt_wire::audio_duration_ms(&request)))
    }
}

/// A `speech:recognize` request.
#[derive(Serialize)]
struct RecognizeBody<'a> {
    config: RecognitionConfig<'a>,
    audio: RecognitionAudio,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecognitionConfig<'a> {
    encoding: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_rate_hertz: Option<u32>,
    language_code: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    model: &'a str,
}

#[derive(Serialize)]
struct RecognitionAudio {
    /// The audio, base64.
    content: String,
}

impl<'a> RecognizeBody<'a> {
    fn new(request: &'a SttRequest) -> Result<Self, Fault> {
        let (encoding, sample_rate_hertz) = match request.format {
            AudioFormat::Pcm16 => ("LINEAR16", Some(stt_wire::pcm_sample_rate(request)?)),
            AudioFormat::Wav => ("LINEAR16", stt_wire::known_sample_rate(request)),
            AudioFormat::Webm => ("WEBM_OPUS", Some(opus_rate(request))),
            AudioFormat::OggOpus => ("OGG_OPUS", Some(opus_rate(request))),
            AudioFormat::Mp3 => ("MP3", stt_wire::known_sample_rate(request)),
        };
        let language_code = request
            .language
            .as_deref()
            .filter(|language| !language.is_empty())
            .unwrap_or(GOOGLE_STT_DEFAULT_LANGUAGE);
        Ok(Self {
            config: RecognitionConfig {
                encoding,
                sample_rate_hertz,
                language_code,
                model: &request.model,
            },
            audio: RecognitionAudio {
                content: STANDARD.encode(&request.audio),
            },
        })
    }
}

fn opus_rate(request: &SttRequest) -> u32 {
    stt_wire::known_sample_rate(request).unwrap_or(OPUS_SAMPLE_RATE)
}

/// A `speech:recognize` answer (other fields are ignored).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRecognize {
    #[serde(default)]
    results: Vec<WireResult>,
    /// `"4s"`.
    total_billed_time: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireResult {
    #[serde(default)]
    alternatives: Vec<WireAlternative>,
    /// `"3.200s"`: where this result ends in the audio.
    result_end_time: Option<String>,
}

#[derive(Deserialize)]
struct WireAlternative {
    #[serde(default)]
    transcript: String,
    confidence: Option<f32>,
}

impl WireRecognize {
    fn into_transcript(self, audio_ms: Option<u32>) -> Transcript {
        let end_ms = self
            .results
            .iter()
            .filter_map(|result| result.result_end_time.as_deref().and_then(duration_ms))
            .max();
        let billed_ms = self.total_billed_time.as_deref().and_then(duration_ms);
        let mut texts = Vec::new();
        let mut confidences = Vec::new();
        for best in self
            .results
            .into_iter()
            .filter_map(|result| result.alternatives.into_iter().next())
        {
            let text = best.transcript.trim();
            if !text.is_empty() {
                texts.push(text.to_owned());
                confidences.extend(best.confidence);
            }
        }
        Transcript {
            text: texts.join(" "),
            duration_ms: end_ms.or(billed_ms).or(audio_ms),
            model: None,
            confidence: stt_wire::mean(&confidences),
        }
    }
}

/// A protobuf JSON duration (`"3.200s"`) in milliseconds.
fn duration_ms(text: &str) -> Option<u32> {
    let seconds = text.trim().strip_suffix('s')?.parse::<f64>().ok()?;
    stt_wire::seconds_to_ms(seconds)
}

#[cfg(test)]
mod tests {
    use super::duration_ms;

    #[test]
    fn protobuf_durations_become_milliseconds() {
        assert_eq!(duration_ms("3.200s"), Some(3200));
        assert_eq!(duration_ms("4s"), Some(4000));
        assert_eq!(duration_ms("0.000000001s"), Some(0));
        assert_eq!(duration_ms("4"), None);
        assert_eq!(duration_ms("-1s"), None);
    }
}
