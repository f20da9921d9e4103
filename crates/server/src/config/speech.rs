//! The speech settings of voice turns: which provider hears (`STT_PROVIDER`: none, deepgram,
//! groq, openai or google; `STT_MODEL`, `STT_LIVE`, `STT_TIMEOUT_MS`), which one speaks
//! (`TTS_PROVIDER`: local espeak-ng, google, gemini or none; `TTS_MODEL`, `TTS_VOICE`,
//! `TTS_LANGUAGE`, `TTS_FORMAT`, `TTS_TIMEOUT_MS`, `ESPEAK_NG_PATH`), and how much audio a turn
//! may carry (`VOICE_MAX_AUDIO_BYTES`, `VOICE_MAX_DURATION_MS`).
//!
//! Keys and base URLs: `DEEPGRAM_API_KEY` / `DEEPGRAM_BASE_URL`, `GOOGLE_API_KEY` /
//! `GOOGLE_STT_BASE_URL` / `GOOGLE_TTS_BASE_URL` (Google Cloud Speech-to-Text and
//! Text-to-Speech), and the LLM providers' own `GROQ_*`, `OPENAI_*` and `GEMINI_*` settings.
//! There is no local speech-to-text: `STT_PROVIDER=none` (the default) leaves voice turns off.
//!
//! What is resolved here is plain data; the adapters are built in `crate::voice`.

use super::load::ConfigError;
use super::settings::Config;
use hellosales_app::voice::{TtsSettings, VoiceConfig, VoiceLimits, VoiceTimeouts};
use hellosales_domain::ports::AudioFormat;
use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// The speech-to-text providers HelloSales can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SttProviderName {
    /// No speech-to-text (the default: this build has no local model): `voice.start` answers
    /// `STT_NOT_CONFIGURED`.
    #[serde(rename = "none")]
    Disabled,
    /// Deepgram (prerecorded, and live while the audio arrives).
    Deepgram,
    /// Groq's OpenAI-compatible `/audio/transcriptions` (Whisper).
    Groq,
    /// OpenAI's `/audio/transcriptions`.
    Openai,
    /// Google Cloud Speech-to-Text (synchronous recognition).
    Google,
}

impl SttProviderName {
    /// The name recorded in `provider_calls.provider` and used to look prices up.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Disabled => "none",
            Self::Deepgram => "deepgram",
            Self::Groq => "groq",
            Self::Openai => "openai",
            Self::Google => "google",
        }
    }

    /// The model used when `STT_MODEL` is not set.
    #[must_use]
    pub const fn default_model(self) -> &'static str {
        match self {
            Self::Disabled => "",
            Self::Deepgram => "nova-2",
            Self::Groq => "whisper-large-v3-turbo",
            Self::Openai => "whisper-1",
            Self::Google => "latest_short",
        }
    }

    /// The environment variable holding its API key.
    #[must_use]
    pub const fn api_key_var(self) -> Option<&'static str> {
        match self {
            Self::Disabled => None,
            Self::Deepgram => Some("DEEPGRAM_API_KEY"),
            Self::Groq => Some("GROQ_API_KEY"),
            Self::Openai => Some("OPENAI_API_KEY"),
            Self::Google => Some("GOOGLE_API_KEY"),
        }
    }

    /// The longest recording its one-shot transcription takes, in bytes, when it has a limit
    /// below [`MAX_VOICE_AUDIO_BYTES`] (Google: 10 MB inline; Groq, OpenAI: 25 MB files).
    #[must_use]
    pub const fn max_audio_bytes(self) -> Option<u64> {
        match self {
            Self::Google => Some(10_000_000),
            Self::Groq | Self::Openai => Some(25_000_000),
            Self::Disabled | Self::Deepgram => None,
        }
    }

    /// The longest recording it transcribes, in milliseconds, when it has a limit (Google's
    /// synchronous recognition: one minute).
    #[must_use]
    pub const fn max_duration_ms(self) -> Option<u64> {
        match self {
            Self::Google => Some(GOOGLE_MAX_DURATION_MS),
            Self::Disabled | Self::Deepgram | Self::Groq | Self::Openai => None,
        }
    }
}

impl fmt::Display for SttProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text-to-speech providers HelloSales can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TtsProviderName {
    /// The local `espeak-ng` program (the default: no account, no network).
    Local,
    /// Google Cloud Text-to-Speech.
    Google,
    /// Gemini's speech generation.
    Gemini,
    /// No speech out: voice turns are answered in text only.
    #[serde(rename = "none")]
    Disabled,
}

impl TtsProviderName {
    /// The name recorded in `provider_calls.provider` and used to look prices up.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Google => "google",
            Self::Gemini => "gemini",
            Self::Disabled => "none",
        }
    }

    /// The model used when `TTS_MODEL` is not set.
    #[must_use]
    pub const fn default_model(self) -> &'static str {
        match self {
            Self::Local => "espeak-ng",
            Self::Google => "standard",
            Self::Gemini => "gemini-2.5-flash-preview-tts",
            Self::Disabled => "",
        }
    }

    /// The voice used when `TTS_VOICE` is not set; `None`: the provider's default voice for
    /// the language (Google).
    #[must_use]
    pub const fn default_voice(self) -> Option<&'static str> {
        match self {
            Self::Local => Some("en-us"),
            Self::Gemini => Some("Kore"),
            Self::Google | Self::Disabled => None,
        }
    }

    /// The environment variable holding its API key, for the providers that need one.
    #[must_use]
    pub const fn api_key_var(self) -> Option<&'static str> {
        match self {
            Self::Local | Self::Disabled => None,
            Self::Google => Some("GOOGLE_API_KEY"),
            Self::Gemini => Some("GEMINI_API_KEY"),
        }
    }
}

impl fmt::Display for TtsProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The encodings the answer may be spoken in (`TTS_FORMAT`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TtsFormat {
    /// RIFF WAVE, 16-bit PCM (the default; what every provider can answer).
    #[default]
    Wav,
    /// Raw 16-bit little-endian mono PCM.
    Pcm16,
    /// MP3 (Google; the others answer WAV).
    Mp3,
    /// Ogg Opus (Google; the others answer WAV).
    OggOpus,
}

impl TtsFormat {
    /// The audio format asked of the provider.
    #[must_use]
    pub const fn audio_format(self) -> AudioFormat {
        match self {
            Self::Wav => AudioFormat::Wav,
            Self::Pcm16 => AudioFormat::Pcm16,
            Self::Mp3 => AudioFormat::Mp3,
            Self::OggOpus => AudioFormat::OggOpus,
        }
    }
}

/// The speech-to-text provider, resolved.
#[derive(Clone)]
pub struct SttEndpoint {
    /// Which provider (never `none`).
    pub provider: SttProviderName,
    /// The model to ask for.
    pub model: String,
    /// Its API key.
    pub api_key: Option<SecretString>,
    /// Its base URL, when overridden; the adapter's default otherwise.
    pub base_url: Option<String>,
    /// The longest wait for one transcription (`STT_TIMEOUT_MS`).
    pub timeout: Duration,
}

impl fmt::Debug for SttEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SttEndpoint")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The text-to-speech provider, resolved.
#[derive(Clone)]
pub struct TtsEndpoint {
    /// Which provider (never `none`).
    pub provider: TtsProviderName,
    /// The model (Google: the voice tier, recorded and priced, not sent).
    pub model: String,
    /// The voice; `None`: the provider's default for the language.
    pub voice: Option<String>,
    /// The language (BCP-47, `en-US`); `None`: the provider's default.
    pub language: Option<String>,
    /// The encoding asked for.
    pub format: AudioFormat,
    /// Its API key, when it needs one.
    pub api_key: Option<SecretString>,
    /// Its base URL, when overridden; the adapter's default otherwise.
    pub base_url: Option<String>,
    /// The espeak-ng program (`local`).
    pub program: PathBuf,
    /// The longest a whole spoken answer may take (`TTS_TIMEOUT_MS`).
    pub timeout: Duration,
}

impl TtsEndpoint {
    /// How the `tts` stage asks for speech.
    #[must_use]
    pub fn settings(&self) -> TtsSettings {
        TtsSettings {
            model: self.model.clone(),
            voice: self.voice.clone(),
            language: self.language.clone(),
            format: self.format,
        }
    }
}

impl fmt::Debug for TtsEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TtsEndpoint")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("voice", &self.voice)
            .field("language", &self.language)
            .field("format", &self.format)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .field("program", &self.program)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// The longest recording Google's synchronous recognition hears.
const GOOGLE_MAX_DURATION_MS: u64 = 60_000;
/// The longest recording otherwise, when `VOICE_MAX_DURATION_MS` is not set.
const DEFAULT_MAX_DURATION_MS: u64 = 120_000;
/// The most audio a turn may carry, whatever the provider (it is held in memory).
pub const MAX_VOICE_AUDIO_BYTES: u64 = 100 * 1024 * 1024;

impl Config {
    /// The speech-to-text provider, resolved; `None` when `STT_PROVIDER=none`.
    #[must_use]
    pub fn stt_endpoint(&self) -> Option<SttEndpoint> {
        let provider = self.stt_provider;
        let (api_key, base_url) = match provider {
            SttProviderName::Disabled => return None,
            SttProviderName::Deepgram => (&self.deepgram_api_key, &self.deepgram_base_url),
            SttProviderName::Groq => (&self.groq_api_key, &self.groq_base_url),
            SttProviderName::Openai => (&self.openai_api_key, &self.openai_base_url),
            SttProviderName::Google => (&self.google_api_key, &self.google_stt_base_url),
        };
        Some(SttEndpoint {
            provider,
            model: self
                .stt_model
                .clone()
                .unwrap_or_else(|| provider.default_model().to_owned()),
            api_key: api_key.clone(),
            base_url: base_url.clone(),
            timeout: Duration::from_millis(self.stt_timeout_ms),
        })
    }

    /// The text-to-speech provider, resolved; `None` when `TTS_PROVIDER=none`.
    #[must_use]
    pub fn tts_endpoint(&self) -> Option<TtsEndpoint> {
        let provider = self.tts_provider;
        let (api_key, base_url) = match provider {
            TtsProviderName::Disabled => return None,
            TtsProviderName::Local => (&None, &None),
            TtsProviderName::Google => (&self.google_api_key, &self.google_tts_base_url),
            TtsProviderName::Gemini => (&self.gemini_api_key, &self.gemini_base_url),
        };
        Some(TtsEndpoint {
            provider,
            model: self
                .tts_model
                .clone()
                .unwrap_or_else(|| provider.default_model().to_owned()),
            voice: self
                .tts_voice
                .clone()
                .or_else(|| provider.default_voice().map(str::to_owned)),
            language: self.tts_language.clone(),
            format: self.tts_format.audio_format(),
            api_key: api_key.clone(),
            base_url: base_url.clone(),
            program: self.espeak_ng_path.clone(),
            timeout: Duration::from_millis(self.tts_timeout_ms),
        })
    }

    /// The longest recording: `VOICE_MAX_DURATION_MS`, else 120 s (60 s with
    /// `STT_PROVIDER=google`, the most its synchronous recognition hears).
    #[must_use]
    pub fn voice_max_duration_ms(&self) -> u64 {
        self.voice_max_duration_ms.unwrap_or_else(|| {
            self.stt_provider
                .max_duration_ms()
                .unwrap_or(DEFAULT_MAX_DURATION_MS)
        })
    }

    /// The voice settings: `VOICE_MAX_AUDIO_BYTES`, `VOICE_MAX_DURATION_MS`, `STT_LIVE`.
    #[must_use]
    pub fn voice_config(&self) -> VoiceConfig {
        VoiceConfig {
            limits: VoiceLimits {
                max_bytes: usize::try_from(self.voice_max_audio_bytes).unwrap_or(usize::MAX),
                max_duration_ms: self.voice_max_duration_ms(),
            },
            live_transcription: self.stt_live,
        }
    }

    /// The time limits of the voice pipeline: `STT_TIMEOUT_MS`, `LLM_STAGE_TIMEOUT_MS`,
    /// `TTS_TIMEOUT_MS`.
    #[must_use]
    pub const fn voice_timeouts(&self) -> VoiceTimeouts {
        VoiceTimeouts {
            stt: Duration::from_millis(self.stt_timeout_ms),
            llm: Duration::from_millis(self.llm_stage_timeout_ms),
            tts: Duration::from_millis(self.tts_timeout_ms),
        }
    }
}

/// The chosen speech providers must be usable: a key for each remote one, a model, base URLs
/// that are http(s), limits and timeouts above 0 that the provider accepts.
pub(super) fn validate_speech(config: &Config) -> Result<(), ConfigError> {
    if let Some(stt) = config.stt_endpoint() {
        if let Some(key_var) = stt.provider.api_key_var()
            && stt.api_key.is_none()
        {
            return Err(ConfigError::new(
                key_var,
                format!("required when STT_PROVIDER={}", stt.provider),
            ));
        }
        if stt.model.trim().is_empty() {
            return Err(ConfigError::new("STT_MODEL", "must not be blank"));
        }
    }
    if let Some(tts) = config.tts_endpoint() {
        if let Some(key_var) = tts.provider.api_key_var()
            && tts.api_key.is_none()
        {
            let also = if tts.provider == TtsProviderName::Gemini {
                " (or GOOGLE_API_KEY)"
            } else {
                ""
            };
            return Err(ConfigError::new(
                key_var,
                format!("required{also} when TTS_PROVIDER={}", tts.provider),
            ));
        }
        if tts.model.trim().is_empty() {
            return Err(ConfigError::new("TTS_MODEL", "must not be blank"));
        }
        if tts.voice.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(ConfigError::new("TTS_VOICE", "must not be blank"));
        }
        if tts.language.as_deref().is_some_and(|l| l.trim().is_empty()) {
            return Err(ConfigError::new("TTS_LANGUAGE", "must not be blank"));
        }
        if tts.provider == TtsProviderName::Local && tts.program.as_os_str().is_empty() {
            return Err(ConfigError::new("ESPEAK_NG_PATH", "must not be blank"));
        }
    }
    for (setting, value) in [
        ("DEEPGRAM_BASE_URL", config.deepgram_base_url.as_deref()),
        ("GOOGLE_STT_BASE_URL", config.google_stt_base_url.as_deref()),
        ("GOOGLE_TTS_BASE_URL", config.google_tts_base_url.as_deref()),
    ] {
        if let Some(value) = value
            && !super::load::is_http_url(value)
        {
            return Err(ConfigError::new(
                setting,
                "must be an http:// or https:// URL",
            ));
        }
    }
    for (setting, value) in [
        ("VOICE_MAX_AUDIO_BYTES", config.voice_max_audio_bytes),
        ("VOICE_MAX_DURATION_MS", config.voice_max_duration_ms()),
        ("STT_TIMEOUT_MS", config.stt_timeout_ms),
        ("TTS_TIMEOUT_MS", config.tts_timeout_ms),
    ] {
        if value == 0 {
            return Err(ConfigError::new(setting, "must be greater than 0"));
        }
    }
    let provider = config.stt_provider;
    let max_bytes = provider.max_audio_bytes().unwrap_or(MAX_VOICE_AUDIO_BYTES);
    if config.voice_max_audio_bytes > max_bytes {
        let with = if provider.max_audio_bytes().is_some() {
            format!(" with STT_PROVIDER={provider}")
        } else {
            String::new()
        };
        return Err(ConfigError::new(
            "VOICE_MAX_AUDIO_BYTES",
            format!("must be at most {max_bytes}{with}"),
        ));
    }
    if let Some(max_ms) = provider.max_duration_ms()
        && config.voice_max_duration_ms() > max_ms
    {
        return Err(ConfigError::new(
            "VOICE_MAX_DURATION_MS",
            format!("must be at most {max_ms} with STT_PROVIDER={provider}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::load_from;
    use secrecy::ExposeSecret;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut all = vec![("HELLOSALES_CONFIG".to_owned(), String::new())];
        all.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        all
    }

    #[test]
    fn speech_defaults_to_no_stt_and_the_local_voice() {
        let config = load_from(env(&[])).unwrap();
        assert!(config.stt_endpoint().is_none(), "no local speech-to-text");
        assert!(config.stt_live);
        let tts = config.tts_endpoint().unwrap();
        assert_eq!(tts.provider, TtsProviderName::Local);
        assert_eq!(tts.model, "espeak-ng");
        assert_eq!(tts.voice.as_deref(), Some("en-us"));
        assert_eq!(tts.language, None);
        assert_eq!(tts.format, AudioFormat::Wav);
        assert_eq!(tts.program, PathBuf::from("espeak-ng"));
        assert!(tts.api_key.is_none());
        let voice = config.voice_config();
        assert_eq!(voice.limits.max_bytes, 5_242_880);
        assert_eq!(voice.limits.max_duration_ms, 120_000);
        assert!(voice.live_transcription);
        let timeouts = config.voice_timeouts();
        assert_eq!(timeouts.stt, Duration::from_millis(30_000));
        assert_eq!(timeouts.llm, Duration::from_millis(120_000));
        assert_eq!(timeouts.tts, Duration::from_millis(60_000));
    }

    #[test]
    fn each_stt_provider_has_its_default_model_key_and_base_url() {
        for (provider, key_var, model) in [
            ("deepgram", "DEEPGRAM_API_KEY", "nova-2"),
            ("groq", "GROQ_API_KEY", "whisper-large-v3-turbo"),
            ("openai", "OPENAI_API_KEY", "whisper-1"),
            ("google", "GOOGLE_API_KEY", "latest_short"),
        ] {
            let config = load_from(env(&[
                ("STT_PROVIDER", provider),
                (key_var, "stt-key-SECRET"),
            ]))
            .unwrap();
            let stt = config.stt_endpoint().unwrap();
            assert_eq!(stt.provider.as_str(), provider);
            assert_eq!(stt.model, model, "{provider}");
            assert_eq!(
                stt.api_key.as_ref().map(ExposeSecret::expose_secret),
                Some("stt-key-SECRET"),
                "{provider}"
            );
            assert!(stt.base_url.is_none());
        }

        let config = load_from(env(&[
            ("STT_PROVIDER", "deepgram"),
            ("STT_MODEL", "nova-3"),
            ("STT_LIVE", "false"),
            ("STT_TIMEOUT_MS", "5000"),
            ("DEEPGRAM_API_KEY", "dg-SECRET"),
            ("DEEPGRAM_BASE_URL", "http://127.0.0.1:9/deepgram"),
            ("VOICE_MAX_AUDIO_BYTES", "1000000"),
            ("VOICE_MAX_DURATION_MS", "30000"),
        ]))
        .unwrap();
        let stt = config.stt_endpoint().unwrap();
        assert_eq!(stt.model, "nova-3");
        assert_eq!(stt.timeout, Duration::from_millis(5000));
        assert_eq!(stt.base_url.as_deref(), Some("http://127.0.0.1:9/deepgram"));
        let voice = config.voice_config();
        assert!(!voice.live_transcription);
        assert_eq!(voice.limits.max_bytes, 1_000_000);
        assert_eq!(voice.limits.max_duration_ms, 30_000);

        let config = load_from(env(&[
            ("STT_PROVIDER", "groq"),
            ("GROQ_API_KEY", "gsk_1"),
            ("GROQ_BASE_URL", "http://127.0.0.1:9/openai/v1"),
        ]))
        .unwrap();
        assert_eq!(
            config.stt_endpoint().unwrap().base_url.as_deref(),
            Some("http://127.0.0.1:9/openai/v1"),
            "the LLM provider's base URL is reused"
        );
    }

    #[test]
    fn google_stt_hears_at_most_a_minute() {
        let config = load_from(env(&[
            ("STT_PROVIDER", "google"),
            ("GOOGLE_API_KEY", "g-1"),
            ("GOOGLE_STT_BASE_URL", "http://127.0.0.1:9"),
        ]))
        .unwrap();
        assert_eq!(config.voice_config().limits.max_duration_ms, 60_000);
        assert_eq!(
            config.stt_endpoint().unwrap().base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
        let err = load_from(env(&[
            ("STT_PROVIDER", "google"),
            ("GOOGLE_API_KEY", "g-1"),
            ("VOICE_MAX_DURATION_MS", "90000"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "VOICE_MAX_DURATION_MS");
        let err = load_from(env(&[
            ("STT_PROVIDER", "google"),
            ("GOOGLE_API_KEY", "g-1"),
            ("VOICE_MAX_AUDIO_BYTES", "20000000"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "VOICE_MAX_AUDIO_BYTES");
    }

    #[test]
    fn each_tts_provider_has_its_defaults() {
        let config = load_from(env(&[
            ("TTS_PROVIDER", "google"),
            ("GOOGLE_API_KEY", "google-SECRET"),
            ("GOOGLE_TTS_BASE_URL", "http://127.0.0.1:9"),
            ("TTS_LANGUAGE", "en-GB"),
            ("TTS_FORMAT", "mp3"),
        ]))
        .unwrap();
        let tts = config.tts_endpoint().unwrap();
        assert_eq!(tts.model, "standard");
        assert_eq!(tts.voice, None, "Google picks the language's default voice");
        assert_eq!(tts.language.as_deref(), Some("en-GB"));
        assert_eq!(tts.format, AudioFormat::Mp3);
        assert_eq!(tts.base_url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(
            tts.api_key.as_ref().map(ExposeSecret::expose_secret),
            Some("google-SECRET")
        );

        let config = load_from(env(&[
            ("TTS_PROVIDER", "gemini"),
            ("GEMINI_API_KEY", "gemini-SECRET"),
            ("TTS_FORMAT", "pcm16"),
        ]))
        .unwrap();
        let tts = config.tts_endpoint().unwrap();
        assert_eq!(tts.model, "gemini-2.5-flash-preview-tts");
        assert_eq!(tts.voice.as_deref(), Some("Kore"));
        assert_eq!(tts.format, AudioFormat::Pcm16);
        assert_eq!(tts.settings().voice.as_deref(), Some("Kore"));

        let config = load_from(env(&[
            ("TTS_VOICE", "en-gb-x-rp"),
            ("ESPEAK_NG_PATH", "/usr/bin/espeak-ng"),
            ("TTS_FORMAT", "ogg_opus"),
            ("TTS_TIMEOUT_MS", "9000"),
        ]))
        .unwrap();
        let tts = config.tts_endpoint().unwrap();
        assert_eq!(tts.voice.as_deref(), Some("en-gb-x-rp"));
        assert_eq!(tts.program, PathBuf::from("/usr/bin/espeak-ng"));
        assert_eq!(tts.format, AudioFormat::OggOpus);
        assert_eq!(tts.timeout, Duration::from_millis(9000));

        let none = load_from(env(&[("TTS_PROVIDER", "none")])).unwrap();
        assert!(none.tts_endpoint().is_none());
    }

    #[test]
    fn bad_speech_settings_name_their_variable() {
        for (pairs, setting) in [
            (vec![("STT_PROVIDER", "whisper")], "STT_PROVIDER"),
            (vec![("STT_PROVIDER", "deepgram")], "DEEPGRAM_API_KEY"),
            (vec![("STT_PROVIDER", "groq")], "GROQ_API_KEY"),
            (vec![("STT_PROVIDER", "openai")], "OPENAI_API_KEY"),
            (vec![("STT_PROVIDER", "google")], "GOOGLE_API_KEY"),
            (
                vec![("STT_PROVIDER", "google"), ("GEMINI_API_KEY", "gm-1")],
                "GOOGLE_API_KEY",
            ),
            (vec![("TTS_PROVIDER", "google")], "GOOGLE_API_KEY"),
            (vec![("TTS_PROVIDER", "gemini")], "GEMINI_API_KEY"),
            (vec![("TTS_PROVIDER", "polly")], "TTS_PROVIDER"),
            (vec![("TTS_FORMAT", "webm")], "TTS_FORMAT"),
            (vec![("STT_LIVE", "sometimes")], "STT_LIVE"),
            (vec![("DEEPGRAM_BASE_URL", "ftp://x")], "DEEPGRAM_BASE_URL"),
            (
                vec![("GOOGLE_STT_BASE_URL", "speech.local")],
                "GOOGLE_STT_BASE_URL",
            ),
            (
                vec![("GOOGLE_TTS_BASE_URL", "ftp://x")],
                "GOOGLE_TTS_BASE_URL",
            ),
            (
                vec![("VOICE_MAX_AUDIO_BYTES", "0")],
                "VOICE_MAX_AUDIO_BYTES",
            ),
            (
                vec![("VOICE_MAX_AUDIO_BYTES", "1000000000")],
                "VOICE_MAX_AUDIO_BYTES",
            ),
            (
                vec![("VOICE_MAX_DURATION_MS", "0")],
                "VOICE_MAX_DURATION_MS",
            ),
            (vec![("STT_TIMEOUT_MS", "0")], "STT_TIMEOUT_MS"),
            (vec![("TTS_TIMEOUT_MS", "soon")], "TTS_TIMEOUT_MS"),
        ] {
            let err = load_from(env(&pairs)).unwrap_err();
            assert_eq!(err.setting, setting, "{pairs:?}");
        }
        let err = load_from(env(&[
            ("STT_PROVIDER", "deepgram"),
            ("GROQ_API_KEY", "gsk-SECRET"),
            ("GOOGLE_API_KEY", "google-SECRET"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "DEEPGRAM_API_KEY");
        let shown = err.to_string();
        assert!(shown.contains("STT_PROVIDER=deepgram"), "{shown}");
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn the_google_key_serves_google_speech_and_gemini_speech() {
        let config = load_from(env(&[
            ("STT_PROVIDER", "google"),
            ("TTS_PROVIDER", "gemini"),
            ("GOOGLE_API_KEY", "AIza-google-SECRET"),
        ]))
        .unwrap();
        assert_eq!(
            config
                .stt_endpoint()
                .unwrap()
                .api_key
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some("AIza-google-SECRET")
        );
        assert_eq!(
            config
                .tts_endpoint()
                .unwrap()
                .api_key
                .as_ref()
                .map(ExposeSecret::expose_secret),
            Some("AIza-google-SECRET"),
            "GOOGLE_API_KEY stands in for GEMINI_API_KEY"
        );
    }

    #[test]
    fn debug_never_shows_speech_keys() {
        let config = load_from(env(&[
            ("STT_PROVIDER", "deepgram"),
            ("DEEPGRAM_API_KEY", "dg-key-SECRET"),
            ("TTS_PROVIDER", "google"),
            ("GOOGLE_API_KEY", "google-key-SECRET"),
        ]))
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("dg-key-SECRET"), "{shown}");
        assert!(!shown.contains("google-key-SECRET"), "{shown}");
        assert!(shown.contains("Deepgram"), "{shown}");
        let shown = format!("{:?} {:?}", config.stt_endpoint(), config.tts_endpoint());
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
