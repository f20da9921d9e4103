//! The Gemini text-to-speech client (`v1beta/models/{model}:generateContent` with audio out).
//!
//! [`TtsProvider::synthesize`] posts the text as the one user part, with
//! `generationConfig.responseModalities: ["AUDIO"]` and the prebuilt voice (`Kore` by default),
//! and reads the base64 `inlineData` of the answer: 16-bit mono PCM whose rate is in its mime
//! type (`audio/L16;codec=pcm;rate=24000`, 24 kHz when absent). Gemini speaks only PCM: the
//! answer is raw PCM when [`AudioFormat::Pcm16`] was asked, a WAV for any other format (and
//! says so in [`SpeechAudio::format`]). Token usage comes from `usageMetadata`.
//!
//! Failures become [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with
//! operation `tts` and the typed failures of the crate documentation; an `error` object in a
//! successful answer is a `ServerError`, an answer without audio is `MalformedStream`. The API
//! key is held in a [`SecretString`] and sent only in the `x-goog-api-key` header.
//!
//! [`AudioFormat::Pcm16`]: hellosales_domain::ports::speech::AudioFormat::Pcm16

mod wire;

use crate::failure::Fault;
use crate::gemini::GEMINI_BASE_URL;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use crate::tts_wire;
use hellosales_domain::error::{AppResult, ProviderFailure};
use hellosales_domain::ports::speech::{SpeechAudio, TTS_OPERATION, TtsProvider, TtsRequest};
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;
use wire::{Answer, GenerateBody};

/// The provider's name, as recorded and shown in errors.
pub const GEMINI_TTS_PROVIDER: &str = "gemini";

/// The model used when a request names none.
pub const GEMINI_TTS_DEFAULT_MODEL: &str = "gemini-2.5-flash-preview-tts";

/// The prebuilt voice used when a request names none.
pub const GEMINI_TTS_DEFAULT_VOICE: &str = "Kore";

/// The sample rate of Gemini's PCM when its mime type says none.
pub const GEMINI_TTS_DEFAULT_SAMPLE_RATE: u32 = 24_000;

/// Configuration of the Gemini text-to-speech client.
#[derive(Clone, Debug)]
pub struct GeminiTtsConfig {
    /// The API root, up to and excluding `/v1beta` (`https://generativelanguage.googleapis.com`).
    pub base_url: String,
    /// The API key, sent as `x-goog-api-key`.
    pub api_key: SecretString,
    /// The model when the request's `model` is empty.
    pub default_model: String,
    /// The prebuilt voice when the request has none.
    pub default_voice: String,
    /// How long to wait for the response headers, and then for the body.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl GeminiTtsConfig {
    /// Gemini at its public base URL with the given key, the default model and voice, and the
    /// default timeouts.
    #[must_use]
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: GEMINI_BASE_URL.to_owned(),
            api_key,
            default_model: GEMINI_TTS_DEFAULT_MODEL.to_owned(),
            default_voice: GEMINI_TTS_DEFAULT_VOICE.to_owned(),
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

    /// Sets the model used when a request names none.
    #[must_use]
    pub fn with_default_model(mut self, model: impl Into<String>) -> Self {
        self.default_model = model.into();
        self
    }

    /// Sets the voice used when a request names none.
    #[must_use]
    pub fn with_default_voice(mut self, voice: impl Into<String>) -> Self {
        self.default_voice = voice.into();
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

/// A text-to-speech client for Gemini. Cheap to clone.
#[derive(Clone, Debug)]
pub struct GeminiTts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: ProviderHttp,
    base_url: String,
    default_model: String,
    default_voice: String,
}

impl GeminiTts {
    /// A client for the configured API.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `tts`) when the base URL is not an absolute
    /// http(s) URL or the HTTP client cannot be built.
    pub fn new(config: GeminiTtsConfig) -> AppResult<Self> {
        let GeminiTtsConfig {
            base_url,
            api_key,
            default_model,
            default_voice,
            request_timeout,
            connect_timeout,
        } = config;
        let http = ProviderHttp::new(
            GEMINI_TTS_PROVIDER.to_owned(),
            Some(api_key),
            KeyHeader::Named("x-goog-api-key"),
            request_timeout,
            connect_timeout,
        )?;
        if http::join_url(&base_url, &[]).is_none() {
            return Err(not_configured(&http));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                default_model,
                default_voice,
            }),
        })
    }
}

fn not_configured(http: &ProviderHttp) -> hellosales_domain::error::AppError {
    let message = "the base URL is not an absolute http(s) URL";
    http.error(
        TTS_OPERATION,
        Fault::new(ProviderFailure::NotConfigured, message),
    )
}

#[async_trait::async_trait]
impl TtsProvider for GeminiTts {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn synthesize(&self, request: TtsRequest) -> AppResult<SpeechAudio> {
        let inner = &self.inner;
        let http = &inner.http;
        let model = tts_wire::model_or(&request.model, &inner.default_model);
        let model = model.strip_prefix("models/").unwrap_or(&model);
        let action = format!("{model}:generateContent");
        let url = http::join_url(&inner.base_url, &["v1beta", "models", &action])
            .ok_or_else(|| not_configured(http))?;
        let voice = trimmed(&request.voice).unwrap_or(&inner.default_voice);
        let body = GenerateBody::new(&request.text, voice, trimmed(&request.language));
        tracing::debug!(provider = %http.name(), model, "tts request");
        let mut answer: Answer = http.post_for_json(TTS_OPERATION, &url, &body).await?;
        let usage = answer.usage_metadata.take().unwrap_or_default();
        let model_version = answer.model_version.take();
        let (rate, pcm) = answer
            .into_pcm(GEMINI_TTS_DEFAULT_SAMPLE_RATE)
            .map_err(|fault| http.error(TTS_OPERATION, fault))?;
        let mut speech = tts_wire::linear_audio(&pcm, rate, request.format);
        speech.model = Some(model_version.unwrap_or_else(|| model.to_owned()));
        speech.tokens_in = usage.prompt_token_count;
        speech.tokens_out = usage.candidates_token_count;
        Ok(speech)
    }
}

/// The value, unless it is absent or blank.
fn trimmed(value: &Option<String>) -> Option<&str> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|value| !value.is_empty())
}
