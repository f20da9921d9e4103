//! The Deepgram speech-to-text client: prerecorded and live transcription (`/v1/listen`).
//!
//! [`SttProvider::transcribe`] posts the raw audio to
//! `{base_url}/v1/listen?model=…&smart_format=true[&language=…]` with the format's media type
//! (raw PCM adds `encoding=linear16&sample_rate=…`, which it needs) and reads the first
//! alternative of the first channel. [`SttProvider::start_stream`] opens a live session over a
//! WebSocket to the same path (`ws://`/`wss://`, see `deepgram_stream`). Failures become
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider) with operation `stt`
//! and the typed failures listed in the crate documentation.
//!
//! The API key is held in a [`SecretString`] and sent only as `Authorization: Token …`: never
//! in the URL, `Debug` output, error messages or logs.

use crate::deepgram_stream::{self, LiveTarget};
use crate::failure::Fault;
use crate::http::{self, KeyHeader, ProviderHttp};
use crate::openai_compatible::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT};
use crate::stt_wire;
use hellosales_domain::error::AppResult;
use hellosales_domain::ports::speech::{
    AudioFormat, STT_OPERATION, SttProvider, SttRequest, SttStream, Transcript,
};
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use secrecy::SecretString;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Deepgram's API.
pub const DEEPGRAM_BASE_URL: &str = "https://api.deepgram.com";

/// The provider's name, as recorded and shown in errors.
pub const DEEPGRAM_PROVIDER: &str = "deepgram";

/// Configuration of the Deepgram client.
#[derive(Clone, Debug)]
pub struct DeepgramConfig {
    /// The API root, up to and excluding `/v1/listen` (`https://api.deepgram.com`); a live
    /// session connects to the same host with `ws`/`wss` for `http`/`https`.
    pub base_url: String,
    /// The API key, sent as `Authorization: Token …`.
    pub api_key: SecretString,
    /// How long to wait for the response (prerecorded), the WebSocket handshake, each piece of
    /// audio to be sent, and the final transcript after the audio ended (live).
    pub request_timeout: Duration,
    /// How long to wait for the connection to be established.
    pub connect_timeout: Duration,
}

impl DeepgramConfig {
    /// Deepgram at its public base URL with the given key and the default timeouts (30 s
    /// request, 5 s connect).
    #[must_use]
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: DEEPGRAM_BASE_URL.to_owned(),
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

/// A speech-to-text client for Deepgram. Cheap to clone.
#[derive(Clone)]
pub struct DeepgramStt {
    inner: Arc<Inner>,
}

struct Inner {
    http: ProviderHttp,
    listen_url: Url,
    api_key: SecretString,
    connect_timeout: Duration,
}

impl fmt::Debug for DeepgramStt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeepgramStt")
            .field("http", &self.inner.http)
            .field("endpoint", &self.inner.listen_url.as_str())
            .finish_non_exhaustive()
    }
}

impl DeepgramStt {
    /// A client for the configured API.
    ///
    /// Installs rustls' ring crypto provider as the process default if none is installed yet.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `stt`) when the base URL is not an absolute
    /// http(s) URL or the HTTP client cannot be built.
    pub fn new(config: DeepgramConfig) -> AppResult<Self> {
        let DeepgramConfig {
            base_url,
            api_key,
            request_timeout,
            connect_timeout,
        } = config;
        let listen_url = http::join_url(&base_url, &["v1", "listen"]).ok_or_else(|| {
            http::not_configured_for(
                DEEPGRAM_PROVIDER,
                STT_OPERATION,
                "the base URL is not an absolute http(s) URL",
            )
        })?;
        let http = ProviderHttp::new(
            DEEPGRAM_PROVIDER.to_owned(),
            Some(api_key.clone()),
            KeyHeader::Token,
            request_timeout,
            connect_timeout,
        )?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                listen_url,
                api_key,
                connect_timeout,
            }),
        })
    }

    /// The URL that prerecorded audio is posted to.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        self.inner.listen_url.as_str()
    }

    /// `/v1/listen` with the request's options; `live` adds `interim_results=false`.
    fn listen_url(&self, request: &SttRequest, live: bool) -> Result<Url, Fault> {
        let mut url = self.inner.listen_url.clone();
        {
            let mut query = url.query_pairs_mut();
            if !request.model.is_empty() {
                query.append_pair("model", &request.model);
            }
            query.append_pair("smart_format", "true");
            if let Some(language) = request.language.as_deref().filter(|l| !l.is_empty()) {
                query.append_pair("language", language);
            }
            // Containers (WAV, WebM, Ogg, MP3) are detected; raw PCM must be described.
            if request.format == AudioFormat::Pcm16 {
                let rate = stt_wire::pcm_sample_rate(request)?;
                query.append_pair("encoding", "linear16");
                query.append_pair("sample_rate", &rate.to_string());
            }
            if live {
                query.append_pair("interim_results", "false");
            }
        }
        Ok(url)
    }
}

#[async_trait::async_trait]
impl SttProvider for DeepgramStt {
    fn name(&self) -> &str {
        self.inner.http.name()
    }

    async fn transcribe(&self, request: SttRequest) -> AppResult<Transcript> {
        let http = &self.inner.http;
        let url = self
            .listen_url(&request, false)
            .map_err(|fault| http.error(STT_OPERATION, fault))?;
        tracing::debug!(provider = %http.name(), model = %request.model, bytes = request.audio.len(), "stt transcription request");
        let audio_ms = stt_wire::audio_duration_ms(&request);
        let builder = http
            .post(&url)
            .header(CONTENT_TYPE, request.format.mime_type())
            .body(request.audio);
        let answer: WirePrerecorded = http.send_for_json(STT_OPERATION, builder).await?;
        let results = answer.results.ok_or_else(|| {
            http.error(STT_OPERATION, Fault::malformed("the answer has no results"))
        })?;
        let alternative = results
            .channels
            .into_iter()
            .next()
            .and_then(|channel| channel.alternatives.into_iter().next());
        let metadata = answer.metadata.unwrap_or_default();
        Ok(Transcript {
            text: alternative
                .as_ref()
                .map(|a| a.transcript.trim().to_owned())
                .unwrap_or_default(),
            duration_ms: metadata
                .duration
                .and_then(stt_wire::seconds_to_ms)
                .or(audio_ms),
            model: metadata.model(),
            confidence: alternative.and_then(|a| a.confidence),
        })
    }

    async fn start_stream(&self, request: SttRequest) -> AppResult<Option<Box<dyn SttStream>>> {
        let inner = &self.inner;
        let url = self
            .listen_url(&request, true)
            .map_err(|fault| inner.http.error(STT_OPERATION, fault))?;
        tracing::debug!(provider = %inner.http.name(), model = %request.model, "stt live session request");
        let target = LiveTarget {
            url,
            api_key: &inner.api_key,
            connect_timeout: inner.connect_timeout,
        };
        let session = deepgram_stream::open(&inner.http, target).await?;
        Ok(Some(Box::new(session)))
    }
}

/// A prerecorded answer (other fields are ignored).
#[derive(Deserialize)]
struct WirePrerecorded {
    metadata: Option<WireMetadata>,
    results: Option<WireResults>,
}

#[derive(Deserialize)]
struct WireResults {
    #[serde(default)]
    channels: Vec<WireChannel>,
}

/// One channel's transcripts, best first (prerecorded results and live `Results` messages).
#[derive(Deserialize)]
pub(crate) struct WireChannel {
    #[serde(default)]
    pub(crate) alternatives: Vec<WireAlternative>,
}

/// One transcript of a channel.
#[derive(Deserialize)]
pub(crate) struct WireAlternative {
    #[serde(default)]
    pub(crate) transcript: String,
    pub(crate) confidence: Option<f32>,
}

/// The `metadata` of a prerecorded answer, and the live `Metadata` message.
#[derive(Default, Deserialize)]
pub(crate) struct WireMetadata {
    /// Seconds of audio.
    pub(crate) duration: Option<f64>,
    /// The ids of the models that answered, keys of `model_info`.
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    model_info: HashMap<String, WireModelInfo>,
}

impl WireMetadata {
    /// The model that answered (`nova-2`), when reported.
    pub(crate) fn model(&self) -> Option<String> {
        let id = self.models.first()?;
        self.model_info.get(id)?.model()
    }
}

/// What Deepgram says of a model.
#[derive(Deserialize)]
pub(crate) struct WireModelInfo {
    /// `2-general-nova`.
    name: Option<String>,
    /// `nova-2`: the id the model is asked for by.
    arch: Option<String>,
}

impl WireModelInfo {
    /// Its architecture (the id it is asked for by), else its name.
    pub(crate) fn model(&self) -> Option<String> {
        self.arch.clone().or_else(|| self.name.clone())
    }
}
