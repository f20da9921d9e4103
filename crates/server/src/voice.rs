//! The voice wiring, built once at start-up from `STT_*`, `TTS_*`, `VOICE_*` and
//! `ESPEAK_NG_PATH`: the speech-to-text adapter (Deepgram, Groq or OpenAI `/audio/transcriptions`,
//! Google Cloud Speech-to-Text) and the text-to-speech one (the local espeak-ng program, Google
//! Cloud Text-to-Speech, Gemini), each wrapped in its recording wrapper (a `provider_calls` row
//! per call, operation `stt` / `tts`, priced from the same table as the LLM calls), the
//! `voice_chat` pipeline on the chat pipeline's own dependencies, and the [`VoiceService`].
//!
//! `STT_PROVIDER=none` (the default: there is no local speech-to-text) builds nothing:
//! `voice.start` then answers `STT_NOT_CONFIGURED`. `TTS_PROVIDER=none` builds the pipeline
//! without its `tts` stage: voice turns are answered in text only.

use crate::config::{Config, SttEndpoint, SttProviderName, TtsEndpoint, TtsProviderName};
use anyhow::Context as _;
use hellosales_app::chat::{ChatDeps, ChatService};
use hellosales_app::voice::{
    AudioInbox, SpeechDeps, TtsSettings, VoiceService, VoiceServiceParts, voice_pipeline,
};
use hellosales_domain::ports::{ProviderCallStore, SttProvider, TtsProvider};
use hellosales_providers::deepgram::{DeepgramConfig, DeepgramStt};
use hellosales_providers::espeak::{ESPEAK_DEFAULT_TIMEOUT, EspeakConfig, EspeakTts};
use hellosales_providers::gemini_tts::{GeminiTts, GeminiTtsConfig};
use hellosales_providers::google_stt::{GoogleStt, GoogleSttConfig};
use hellosales_providers::google_tts::{GoogleTts, GoogleTtsConfig};
use hellosales_providers::openai_compatible::{
    DEFAULT_REQUEST_TIMEOUT, GROQ_BASE_URL, OPENAI_BASE_URL,
};
use hellosales_providers::openai_transcription::{
    OpenAiTranscriptionConfig, OpenAiTranscriptionStt,
};
use hellosales_providers::{PriceTable, RecordingOptions, RecordingStt, RecordingTts};
use hellosales_store::Store;
use secrecy::SecretString;
use stageflow::interceptors::InterceptorConfig;
use std::sync::Arc;

/// What the voice service is built from, besides the configuration and the store.
pub(crate) struct VoiceWiring<'a> {
    /// The chat service voice turns share (session order, runs, events, dead letters).
    pub(crate) chat: &'a ChatService,
    /// The chat pipeline's dependencies, shared by the voice pipeline's chat stages.
    pub(crate) chat_deps: &'a ChatDeps,
    /// The interceptor settings every pipeline shares.
    pub(crate) interceptors: &'a InterceptorConfig,
    /// The price table of every provider call.
    pub(crate) prices: Arc<PriceTable>,
    /// Whether transcripts are kept in `provider_calls`.
    pub(crate) options: RecordingOptions,
}

/// The voice service of the configured speech providers; `None` when `STT_PROVIDER=none`.
///
/// # Errors
/// A speech adapter cannot be set up (an unusable base URL, an unsafe `TTS_VOICE` for
/// espeak-ng), or the pipeline cannot be built.
pub(crate) fn voice_service(
    config: &Config,
    store: &Store,
    wiring: VoiceWiring<'_>,
) -> anyhow::Result<Option<VoiceService>> {
    let Some(stt_endpoint) = config.stt_endpoint() else {
        tracing::info!(
            "STT_PROVIDER=none: voice turns are off (voice.start answers STT_NOT_CONFIGURED)"
        );
        return Ok(None);
    };
    let VoiceWiring {
        chat,
        chat_deps,
        interceptors,
        prices,
        options,
    } = wiring;
    let calls: Arc<dyn ProviderCallStore> = Arc::new(store.provider_calls());
    let stt = RecordingStt::new(
        stt_provider(&stt_endpoint)?,
        calls.clone(),
        prices.clone(),
        options,
    );
    let tts_endpoint = config.tts_endpoint();
    let tts = tts_endpoint
        .as_ref()
        .map(|endpoint| -> anyhow::Result<RecordingTts> {
            Ok(RecordingTts::new(
                tts_provider(endpoint)?,
                calls.clone(),
                prices.clone(),
                options,
            ))
        })
        .transpose()?;
    let tts_settings = tts_endpoint.as_ref().map_or_else(
        || TtsSettings {
            model: String::new(),
            voice: None,
            language: config.tts_language.clone(),
            format: config.tts_format.audio_format(),
        },
        TtsEndpoint::settings,
    );
    let inbox = AudioInbox::default();
    let speech = SpeechDeps {
        stt: stt.clone(),
        stt_model: stt_endpoint.model.clone(),
        tts,
        tts_settings,
        inbox: inbox.clone(),
    };
    let pipeline = voice_pipeline(chat_deps, &speech, interceptors, config.voice_timeouts())
        .context("building the voice_chat pipeline")?;
    tracing::info!(
        stt_provider = %stt_endpoint.provider,
        stt_model = %stt_endpoint.model,
        tts_provider = %config.tts_provider,
        tts_model = tts_endpoint.as_ref().map_or("", |e| e.model.as_str()),
        live = config.stt_live,
        "voice turns are on"
    );
    Ok(Some(VoiceService::new(VoiceServiceParts {
        chat: chat.clone(),
        pipeline,
        stt,
        stt_model: stt_endpoint.model,
        inbox,
        config: config.voice_config(),
    })))
}

/// The key of a provider that needs one (validation has checked it is there).
fn api_key(
    key: Option<&SecretString>,
    var: Option<&str>,
    setting: &str,
    provider: &str,
) -> anyhow::Result<SecretString> {
    key.cloned().with_context(|| {
        format!(
            "{} is required for {setting}={provider}",
            var.unwrap_or("an API key")
        )
    })
}

/// The speech-to-text adapter of `endpoint`.
fn stt_provider(endpoint: &SttEndpoint) -> anyhow::Result<Arc<dyn SttProvider>> {
    let provider = endpoint.provider;
    let key = || {
        api_key(
            endpoint.api_key.as_ref(),
            provider.api_key_var(),
            "STT_PROVIDER",
            provider.as_str(),
        )
    };
    let context = || format!("setting up the {provider} speech-to-text provider");
    let openai_compatible = |default_base: &str| -> anyhow::Result<Arc<dyn SttProvider>> {
        let base_url = endpoint.base_url.as_deref().unwrap_or(default_base);
        let config = OpenAiTranscriptionConfig::new(provider.as_str(), base_url)
            .with_api_key(key()?)
            .with_request_timeout(endpoint.timeout);
        Ok(Arc::new(
            OpenAiTranscriptionStt::new(config).with_context(context)?,
        ))
    };
    match provider {
        SttProviderName::Deepgram => {
            let mut config = DeepgramConfig::new(key()?).with_request_timeout(endpoint.timeout);
            if let Some(base_url) = &endpoint.base_url {
                config = config.with_base_url(base_url.clone());
            }
            Ok(Arc::new(DeepgramStt::new(config).with_context(context)?))
        }
        SttProviderName::Groq => openai_compatible(GROQ_BASE_URL),
        SttProviderName::Openai => openai_compatible(OPENAI_BASE_URL),
        SttProviderName::Google => {
            let mut config = GoogleSttConfig::new(key()?).with_request_timeout(endpoint.timeout);
            if let Some(base_url) = &endpoint.base_url {
                config = config.with_base_url(base_url.clone());
            }
            Ok(Arc::new(GoogleStt::new(config).with_context(context)?))
        }
        SttProviderName::Disabled => anyhow::bail!("STT_PROVIDER=none has no adapter"),
    }
}

/// The text-to-speech adapter of `endpoint`. One call speaks one sentence: it may take the
/// adapter's own limit, at most the whole answer's (`TTS_TIMEOUT_MS`).
fn tts_provider(endpoint: &TtsEndpoint) -> anyhow::Result<Arc<dyn TtsProvider>> {
    let provider = endpoint.provider;
    let key = || {
        api_key(
            endpoint.api_key.as_ref(),
            provider.api_key_var(),
            "TTS_PROVIDER",
            provider.as_str(),
        )
    };
    let context = || format!("setting up the {provider} text-to-speech provider");
    let request_timeout = DEFAULT_REQUEST_TIMEOUT.min(endpoint.timeout);
    match provider {
        TtsProviderName::Local => {
            let mut config = EspeakConfig::new()
                .with_program(endpoint.program.clone())
                .with_timeout(ESPEAK_DEFAULT_TIMEOUT.min(endpoint.timeout));
            if let Some(voice) = &endpoint.voice {
                config = config.with_voice(voice.clone());
            }
            let tts = EspeakTts::new(config)
                .with_context(context)
                .context("TTS_VOICE must be an espeak-ng voice name (en-us, en-gb-x-rp)")?;
            Ok(Arc::new(tts))
        }
        TtsProviderName::Google => {
            let mut config = GoogleTtsConfig::new(key()?).with_request_timeout(request_timeout);
            if let Some(base_url) = &endpoint.base_url {
                config = config.with_base_url(base_url.clone());
            }
            if let Some(language) = &endpoint.language {
                config = config.with_default_language(language.clone());
            }
            Ok(Arc::new(GoogleTts::new(config).with_context(context)?))
        }
        TtsProviderName::Gemini => {
            let mut config = GeminiTtsConfig::new(key()?)
                .with_default_model(endpoint.model.clone())
                .with_request_timeout(request_timeout);
            if let Some(voice) = &endpoint.voice {
                config = config.with_default_voice(voice.clone());
            }
            if let Some(base_url) = &endpoint.base_url {
                config = config.with_base_url(base_url.clone());
            }
            Ok(Arc::new(GeminiTts::new(config).with_context(context)?))
        }
        TtsProviderName::Disabled => anyhow::bail!("TTS_PROVIDER=none has no adapter"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::ai::AiServices;
    use crate::config::load_from;
    use hellosales_store::StoreOptions;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let mut env = vec![
            ("HELLOSALES_CONFIG".to_owned(), String::new()),
            // No local model file in a unit test: a remote LLM (never called) and no embeddings.
            ("LLM_PROVIDER".to_owned(), "groq".to_owned()),
            ("GROQ_API_KEY".to_owned(), "gsk-test".to_owned()),
            ("EMBEDDING_PROVIDER".to_owned(), "none".to_owned()),
        ];
        env.extend(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        load_from(env).unwrap()
    }

    #[test]
    fn each_stt_provider_is_built_under_its_recorded_name() {
        for (provider, key_var) in [
            ("deepgram", "DEEPGRAM_API_KEY"),
            ("groq", "GROQ_API_KEY"),
            ("openai", "OPENAI_API_KEY"),
            ("google", "GOOGLE_API_KEY"),
        ] {
            let config = config(&[("STT_PROVIDER", provider), (key_var, "key-1")]);
            let stt = stt_provider(&config.stt_endpoint().unwrap()).unwrap();
            assert_eq!(stt.name(), provider);
        }
    }

    #[test]
    fn each_tts_provider_is_built_under_its_recorded_name() {
        for (provider, name, extra) in [
            ("local", "local", ("TTS_VOICE", "en-gb-x-rp")),
            ("google", "google", ("GOOGLE_API_KEY", "key-1")),
            ("gemini", "gemini", ("GEMINI_API_KEY", "key-1")),
        ] {
            let config = config(&[("TTS_PROVIDER", provider), extra]);
            let tts = tts_provider(&config.tts_endpoint().unwrap()).unwrap();
            assert_eq!(tts.name(), name);
        }
    }

    #[test]
    fn an_unsafe_espeak_voice_stops_the_start_up_naming_the_setting() {
        let config = config(&[("TTS_VOICE", "en-us --stdout /etc/passwd")]);
        let err = tts_provider(&config.tts_endpoint().unwrap())
            .err()
            .expect("an unsafe voice is refused");
        assert!(format!("{err:#}").contains("TTS_VOICE"), "{err:#}");
    }

    #[tokio::test]
    async fn a_voice_service_is_built_only_with_a_speech_to_text_provider() {
        let store = Store::connect("sqlite::memory:", StoreOptions::default())
            .await
            .unwrap();
        let without = AiServices::build(&config(&[]), &store).unwrap();
        assert!(without.voice().is_none(), "STT_PROVIDER=none");
        without.shutdown().await;

        for tts in ["local", "none"] {
            let with = AiServices::build(
                &config(&[
                    ("STT_PROVIDER", "deepgram"),
                    ("DEEPGRAM_API_KEY", "dg-1"),
                    ("TTS_PROVIDER", tts),
                    ("VOICE_MAX_AUDIO_BYTES", "1000"),
                ]),
                &store,
            )
            .unwrap();
            let voice = with.voice().expect("a voice service");
            assert_eq!(voice.limits().max_bytes, 1000, "{tts}");
            with.shutdown().await;
        }
    }
}
