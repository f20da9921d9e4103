//! One speech-to-text client for every OpenAI-compatible `/audio/transcriptions` API: Groq (the
//! default, Whisper models), OpenAI and self-hosted Whisper servers differ only by name, base
//! URL and key.
//!
//! [`SttProvider::transcribe`] posts `{base_url}/audio/transcriptions` as `multipart/form-data`:
//! `file` (named `audio.{extension}`, with the format's media type), `model`,
//! `response_format=verbose_json` and, when the request has one, `language` in ISO-639-1 (the
//! part of the BCP-47 tag before `-`). Raw PCM is wrapped in a WAV header first (these APIs take
//! files), which needs its sample rate. The answer's `duration` is read when present, else
//! computed from WAV or PCM audio. Failures become
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with operation `stt`
//! and the typed failures listed in the crate documentation.
//!
//! The API key is held in a [`SecretString`]: it is sent only in the `Authorization` header and
//! never appears in `Debug` output, error messages or logs.

use crate::failure::Fault;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, GROQ_BASE_URL, OPENAI_BASE_URL,
};
use crate::stt_wire;
use hellosales_domain::error::{AppResult, ProviderFailure};
use hellosales_domain::ports::speech::{
    AudioFormat, STT_OPERATION, SttProvider, SttRequest, Transcript, wav_from_pcm16,
};
use reqwest::Url;
use reqwest::multipart::{Form, Part};
use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Configuration of one OpenAI-compatible transcription provider.
#[derive(Clone, Debug)]
pub struct OpenAiTranscriptionConfig {
    /// The provider's name, as recorded and shown in errors (`groq`, `openai`).
    pub name: String,
    /// The API root, up to and excluding `/audio/transcriptions`
    /// (`https://api.groq.com/openai/v1`).
    pub base_url: String,
    /// The API key, sent as `Authorization: Bearer …`; `None` for servers without keys.
    pub api_key: Option<SecretString>,
    /// How long to wait for the answer's headers, and then for its body.
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl OpenAiTranscriptionConfig {
    /// A provider named `name` at `base_url`, without a key and with the default timeouts (30 s
    /// request, 5 s connect).
    pub fn new(name: impl Into<String>, base_url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            base_url: base_url.into(),
            api_key: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Groq at its public base URL, with the given key.
    #[must_use]
    pub fn groq(api_key: SecretString) -> Self {
        Self::new("groq", GROQ_BASE_URL).with_api_key(api_key)
    }

    /// OpenAI at its public base URL, with the given key.
    #[must_use]
    pub fn openai(api_key: SecretString) -> Self {
        Self::new("openai", OPENAI_BASE_URL).with_api_key(api_key)
    }

    /// Sets the API key.
    #[must_use]
    pub fn with_api_key(mut self, api_key: SecretString) -> Self {
        self.api_key = Some(api_key);
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

/// A transcription client for an OpenAI-compatible API. Cheap to clone.
#[derive(Clone)]
pub struct OpenAiTranscriptionStt {
    inner: Arc<Inner>,
}

struct Inner {
    http: ProviderHttp,
    url: Url,
}

impl fmt::Debug for OpenAiTranscriptionStt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiTranscriptionStt")
            .field("http", &self.inner.http)
            .field("endpoint", &self.inner.url.as_str())
            .finish_non_exhaustive()
    }
}

impl OpenAiTranscriptionStt {
    /// A client for the configured provider.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `stt`) when the base URL is not an absolute
    /// http(s) URL or the HTTP client cannot be built.
    pub fn new(config: OpenAiTranscriptionConfig) -> AppResult<Self> {
        let OpenAiTranscriptionConfig {
            name,
            base_url,
            api_key,
            request_timeout,
            connect_timeout,
        } = config;
        let url = http::join_url(&base_url, &["audio", "transcriptions"]).ok_or_else(|| {
            http::not_configured_for(
                &name,
                STT_OPERATION,
                "the base URL is not an absolute http(s) URL",
            )
        })?;
        let http = ProviderHttp::new(
            name,
            api_key,
            KeyHeader::Bearer,
            request_timeout,
            connect_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner { http, url }),
        })
    }

    /// The URL that audio is posted to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.inner.url.as_str()
    }
}

/// The form of a request, and how long its audio plays when that can be computed.
fn form(request: SttRequest) -> Result<(Form, Option<u32>), Fault> {
    let duration_ms = stt_wire::audio_duration_ms(&request);
    let pcm_rate = (request.format == AudioFormat::Pcm16)
        .then(|| stt_wire::pcm_sample_rate(&request))
        .transpose()?;
    let SttRequest {
        model,
        audio,
        format,
        language,
        ..
    } = request;
    // These APIs take files: raw PCM travels as WAV.
    let (audio, format) = match pcm_rate {
        Some(rate) => (wav_from_pcm16(&audio, rate), AudioFormat::Wav),
        None => (audio, format),
    };
    let file = Part::bytes(audio)
        .file_name(format!("audio.{}", format.extension()))
        .mime_str(format.mime_type())
        .map_err(|_| Fault::new(ProviderFailure::BadRequest, "unusable audio media type"))?;
    let mut form = Form::new()
        .part("file", file)
        .text("model", model)
        .text("response_format", "verbose_json");
    if let Some(language) = language.as_deref().and_then(stt_wire::iso639_language) {
        form = form.text("language", language);
    }
    Ok((form, duration_ms))
}

#[async_trait::async_trait]
impl SttProvider for OpenAiTranscriptionStt {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn transcribe(&self, request: SttRequest) -> AppResult<Transcript> {
        let http = &self.inner.http;
        tracing::debug!(provider = %http.name(), model = %request.model, bytes = request.audio.len(), "stt transcription request");
        let (form, audio_ms) = form(request).map_err(|fault| http.error(STT_OPERATION, fault))?;
        let builder = http.post(&self.inner.url).multipart(form);
        let answer: WireTranscription = http.send_for_json(STT_OPERATION, builder).await?;
        Ok(Transcript {
            text: answer.text.trim().to_owned(),
            duration_ms: answer
                .duration
                .and_then(stt_wire::seconds_to_ms)
                .or(audio_ms),
            model: None,
            confidence: None,
        })
    }
}

/// A `verbose_json` (or `json`) answer; other fields are ignored.
#[derive(Deserialize)]
struct WireTranscription {
    text: String,
    /// Seconds of audio (`verbose_json` only).
    duration: Option<f64>,
}
