//! The AI wiring, built once at start-up from the configuration:
//!
//! * the LLM routes: `LLM_PROVIDER` (with `LLM_MODEL`) then `LLM_FALLBACK_PROVIDER`, each adapter
//!   wrapped in the recording wrapper that writes a `provider_calls` row per attempt, priced
//!   from the shipped price table plus the file's `[[prices]]`;
//! * the pipeline run logger (`pipeline_runs`) and the database event sink
//!   (`pipeline_events`, batched);
//! * the interceptor settings every pipeline shares (`STAGE_TIMEOUT_MS`, `CIRCUIT_BREAKER_*`),
//!   built once so that breaker state outlives runs; the LLM routes use the same breakers
//!   (one per provider and model) and retry retryable refusals (`LLM_RETRY_*`);
//! * the chat assistant: the guardrails (`GUARDRAILS_*`), the `chat` pipeline, the summary
//!   cadence (`SUMMARY_*`) and the chat service (`QUALITY_MODE`, `LLM_MODEL_*`);
//! * script and email generation: their pipelines, with the same guardrails and model;
//! * semantic search and chat memory (`EMBEDDING_*`, `MEMORY_*`, see [`crate::embeddings`]),
//!   whose local model comes from [`local_embedder`];
//! * voice turns (`STT_*`, `TTS_*`, `VOICE_*`, see `crate::voice`): the speech adapters, the
//!   `voice_chat` pipeline on the chat pipeline's own dependencies, and the voice service;
//!   none when `STT_PROVIDER=none`.

use crate::config::{Config, LlmEndpoint, LlmProviderName, PiiModeSetting};
use anyhow::Context as _;
use hellosales_app::RunLogger;
use hellosales_app::VersionedService;
use hellosales_app::chat::{
    ChatDeps, ChatService, ChatServiceParts, SummaryService, chat_pipeline,
};
use hellosales_app::dead_letters::DeadLetterRecorder;
use hellosales_app::generation::{
    EMAIL_PIPELINE, GenerationDeps, GenerationService, GenerationServiceParts, SCRIPT_PIPELINE,
    generation_pipeline,
};
use hellosales_app::guardrails::{GuardConfig, PiiMode, RuleBasedGuard};
use hellosales_app::semantic::Semantic;
use hellosales_app::voice::VoiceService;
use hellosales_domain::content::{Client, Product};
use hellosales_domain::ports::EmbeddingProvider;
use hellosales_domain::ports::LlmProvider;
use hellosales_domain::ports::{EditableStore, GuardService, SessionStore};
use hellosales_local_embeddings::{EmbedderOptions, LocalEmbedder};
use hellosales_local_llm::LocalLlm;
use hellosales_providers::openai_compatible::{
    GROQ_BASE_URL, OLLAMA_BASE_URL, OPENAI_BASE_URL, OPENROUTER_BASE_URL,
};
use hellosales_providers::{
    GeminiConfig, GeminiProvider, LlmRoute, LlmRoutes, ModelPrice, OpenAiCompatibleConfig,
    OpenAiCompatibleProvider, PriceTable, RecordingLlm, RecordingOptions, RoutePolicy,
    UnavailableLlm,
};
use hellosales_store::{EventWriterStats, Store};
use stageflow::events::{BatchConfig, BatchedEventSink};
use stageflow::interceptors::InterceptorConfig;
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// What AI work needs, shared by every request.
#[derive(Clone)]
pub struct AiServices {
    llm: LlmRoutes,
    local: Option<LocalLlm>,
    runs: RunLogger,
    events: BatchedEventSink,
    event_stats: EventWriterStats,
    interceptors: InterceptorConfig,
    chat: ChatService,
    generation: GenerationService,
    semantic: Option<Semantic>,
    voice: Option<VoiceService>,
}

impl fmt::Debug for AiServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AiServices")
            .field("llm", &self.llm.primary().llm.provider_name())
            .field("model", &self.llm.primary().model)
            .field("fallbacks", &self.llm.routes().count().saturating_sub(1))
            .field("semantic", &self.semantic.is_some())
            .field("voice", &self.voice.is_some())
            .finish_non_exhaustive()
    }
}

impl AiServices {
    /// Builds the routes, the run logger and the event sink on `store`.
    ///
    /// # Panics
    /// Outside a Tokio runtime (the event sink spawns its writer task).
    ///
    /// # Errors
    /// A provider cannot be set up (an unusable base URL, an unsafe espeak-ng voice).
    pub fn build(config: &Config, store: &Store) -> anyhow::Result<Self> {
        let prices = Arc::new(price_table(config));
        let options = RecordingOptions {
            store_prompts: config.provider_calls_store_prompts,
        };
        let timeout = Duration::from_millis(config.llm_request_timeout_ms);
        let calls = Arc::new(store.provider_calls());
        let local = local_llm(config)?;
        let route = |endpoint: LlmEndpoint| -> anyhow::Result<LlmRoute> {
            let provider = llm_provider(&endpoint, timeout, local.as_ref())?;
            Ok(LlmRoute {
                llm: RecordingLlm::new(provider, calls.clone(), prices.clone(), options),
                model: endpoint.model,
            })
        };
        let primary = route(config.llm_primary())?;
        let fallbacks = config
            .llm_fallback()
            .map(route)
            .transpose()?
            .into_iter()
            .collect::<Vec<_>>();
        let (events, event_stats) = store.event_sink(BatchConfig::default());
        let interceptors = config.interceptor_config();
        // One breaker registry for the stages and the provider calls (keyed `provider:model`).
        let llm = LlmRoutes::new(primary, fallbacks).with_policy(RoutePolicy {
            breakers: Some(Arc::clone(&interceptors.circuit_breakers)),
            retry: config.llm_retry(),
        });
        let runs = RunLogger::new(Arc::new(store.pipeline_runs()));
        let semantic =
            crate::embeddings::semantic_services(config, store, prices.clone(), options)?;
        let wiring = Wiring {
            config,
            store,
            llm: &llm,
            runs: &runs,
            events: &events,
            interceptors: &interceptors,
            guard: guardrails(config)?,
            semantic: semantic.as_ref(),
        };
        let chat_deps = chat_deps(&wiring);
        let chat = chat_service(&wiring, &chat_deps)?;
        let generation = generation_service(&wiring)?;
        let voice = crate::voice::voice_service(
            config,
            store,
            crate::voice::VoiceWiring {
                chat: &chat,
                chat_deps: &chat_deps,
                interceptors: &interceptors,
                prices,
                options,
            },
        )?;
        Ok(Self {
            llm,
            local,
            runs,
            events,
            event_stats,
            interceptors,
            chat,
            generation,
            semantic,
            voice,
        })
    }

    /// Semantic search, chat memory and the indexer; `None` when embeddings are off.
    #[must_use]
    pub fn semantic(&self) -> Option<&Semantic> {
        self.semantic.as_ref()
    }

    /// The chat assistant.
    #[must_use]
    pub fn chat(&self) -> &ChatService {
        &self.chat
    }

    /// Voice turns; `None` when `STT_PROVIDER=none` (`voice.start` answers
    /// `STT_NOT_CONFIGURED`).
    #[must_use]
    pub fn voice(&self) -> Option<&VoiceService> {
        self.voice.as_ref()
    }

    /// Script and email generation.
    #[must_use]
    pub fn generation(&self) -> &GenerationService {
        &self.generation
    }

    /// The LLM routes (primary, then fallback).
    #[must_use]
    pub fn llm(&self) -> &LlmRoutes {
        &self.llm
    }

    /// The embedded local model, when a route uses it.
    #[must_use]
    pub fn local_llm(&self) -> Option<&LocalLlm> {
        self.local.as_ref()
    }

    /// The pipeline run logger.
    #[must_use]
    pub fn runs(&self) -> &RunLogger {
        &self.runs
    }

    /// The database event sink every pipeline run emits to.
    #[must_use]
    pub fn events(&self) -> &BatchedEventSink {
        &self.events
    }

    /// What the event writer has written, lost and skipped.
    #[must_use]
    pub fn event_stats(&self) -> &EventWriterStats {
        &self.event_stats
    }

    /// The interceptor settings of every pipeline.
    #[must_use]
    pub fn interceptors(&self) -> &InterceptorConfig {
        &self.interceptors
    }

    /// Writes what is still queued: summaries being written, provider-call records (LLM and
    /// embedding calls), then pipeline events.
    pub async fn shutdown(&self) {
        self.chat.summaries().idle().await;
        self.llm.flush().await;
        if let Some(semantic) = &self.semantic {
            semantic.flush().await;
        }
        self.events.shutdown().await;
    }
}

/// What the pipelines of both services are built from.
struct Wiring<'a> {
    config: &'a Config,
    store: &'a Store,
    llm: &'a LlmRoutes,
    runs: &'a RunLogger,
    events: &'a BatchedEventSink,
    interceptors: &'a InterceptorConfig,
    guard: Arc<dyn GuardService>,
    semantic: Option<&'a Semantic>,
}

/// The guardrails of `GUARDRAILS_*`.
fn guardrails(config: &Config) -> anyhow::Result<Arc<dyn GuardService>> {
    let guard = RuleBasedGuard::new(GuardConfig {
        enabled: config.guardrails_enabled,
        max_input_chars: usize::try_from(config.guardrails_max_input_chars).unwrap_or(usize::MAX),
        pii_mode: match config.guardrails_pii_mode {
            PiiModeSetting::Redact => PiiMode::Redact,
            PiiModeSetting::Block => PiiMode::Block,
        },
        ..GuardConfig::default()
    })
    .context("building the guardrails")?;
    Ok(Arc::new(guard))
}

/// What the chat stages work with, shared by the `chat` and `voice_chat` pipelines.
fn chat_deps(wiring: &Wiring<'_>) -> ChatDeps {
    let Wiring {
        store,
        llm,
        guard,
        semantic,
        ..
    } = wiring;
    let sessions: Arc<dyn SessionStore> = Arc::new(store.sessions());
    ChatDeps {
        guard: guard.clone(),
        sessions,
        company_profiles: Arc::new(store.company_profiles()),
        identities: Arc::new(store.identities()),
        llm: (*llm).clone(),
        memory: semantic.map(|s| s.memory.clone()),
    }
}

/// The chat service: the `chat` pipeline on `deps`, summaries.
fn chat_service(wiring: &Wiring<'_>, deps: &ChatDeps) -> anyhow::Result<ChatService> {
    let Wiring {
        config,
        store,
        llm,
        runs,
        events,
        interceptors,
        ..
    } = wiring;
    let sessions = deps.sessions.clone();
    let pipeline = chat_pipeline(
        deps,
        interceptors,
        Duration::from_millis(config.llm_stage_timeout_ms),
    )
    .context("building the chat pipeline")?;
    Ok(ChatService::new(ChatServiceParts {
        sessions: sessions.clone(),
        pipeline,
        runs: (*runs).clone(),
        events: Arc::new((*events).clone()),
        summaries: SummaryService::new(sessions, (*llm).clone(), config.summary_config()),
        config: config.chat_config(),
        dead_letters: Some(dead_letter_recorder(config, store)),
    }))
}

/// The generation service: the `script_generation` and `email_generation` pipelines.
fn generation_service(wiring: &Wiring<'_>) -> anyhow::Result<GenerationService> {
    let Wiring {
        config,
        store,
        llm,
        runs,
        events,
        interceptors,
        guard,
        ..
    } = wiring;
    let products: Arc<dyn EditableStore<Product>> = Arc::new(store.products());
    let clients: Arc<dyn EditableStore<Client>> = Arc::new(store.clients());
    let scripts =
        VersionedService::new(Arc::new(store.scripts()), products.clone(), clients.clone());
    let emails = VersionedService::new(Arc::new(store.emails()), products.clone(), clients.clone());
    let deps = GenerationDeps {
        guard: guard.clone(),
        identities: Arc::new(store.identities()),
        company_profiles: Arc::new(store.company_profiles()),
        products: products.clone(),
        clients: clients.clone(),
        scripts: scripts.clone(),
        emails: emails.clone(),
        llm: (*llm).clone(),
    };
    let timeout = Duration::from_millis(config.llm_stage_timeout_ms);
    let pipeline = |name| {
        generation_pipeline(name, &deps, interceptors, timeout)
            .with_context(|| format!("building the {name} pipeline"))
    };
    Ok(GenerationService::new(GenerationServiceParts {
        scripts_pipeline: pipeline(SCRIPT_PIPELINE)?,
        emails_pipeline: pipeline(EMAIL_PIPELINE)?,
        sessions: Arc::new(store.sessions()),
        products,
        clients,
        scripts,
        emails,
        runs: (*runs).clone(),
        events: Arc::new((*events).clone()),
        model: config.chat_config().model().to_owned(),
        dead_letters: Some(dead_letter_recorder(config, store)),
    }))
}

/// The in-process local embedding model (`EMBEDDING_PROVIDER=local`, all-MiniLM-L6-v2 on
/// candle), loaded from `dir` (`LOCAL_EMBEDDING_MODEL_DIR`). Blocking for the load (well under
/// a second): called once at start-up.
///
/// # Errors
/// The model cannot be loaded from `dir` (the message says how to fetch it).
pub fn local_embedder(dir: &Path) -> anyhow::Result<Arc<dyn EmbeddingProvider>> {
    let embedder = LocalEmbedder::load(dir, EmbedderOptions::default())
        .with_context(|| format!("loading the local embedding model from {}", dir.display()))?;
    Ok(Arc::new(embedder))
}

/// Where both services write their failed runs (`DLQ_MAX_RETRIES`, `DLQ_BACKOFF_BASE_MS`).
fn dead_letter_recorder(config: &Config, store: &Store) -> DeadLetterRecorder {
    DeadLetterRecorder::new(Arc::new(store.dead_letters()), config.dead_letter_config())
}

/// The shipped prices, with the configuration file's `[[prices]]` replacing or extending them.
fn price_table(config: &Config) -> PriceTable {
    let mut table = PriceTable::seeded();
    table.extend(config.prices.iter().map(|price| {
        ModelPrice::per_million_usd(
            &price.provider,
            &price.model,
            price.input_usd_per_million,
            price.output_usd_per_million,
            price.effective_from,
        )
    }));
    table
}

/// The adapter for one configured provider.
fn llm_provider(
    endpoint: &LlmEndpoint,
    timeout: Duration,
    local: Option<&LocalLlm>,
) -> anyhow::Result<Arc<dyn LlmProvider>> {
    let name = endpoint.provider.as_str();
    let openai_compatible = |default_base: &str| -> anyhow::Result<Arc<dyn LlmProvider>> {
        let mut config =
            OpenAiCompatibleConfig::new(name, endpoint.base_url.as_deref().unwrap_or(default_base))
                .with_request_timeout(timeout);
        if let Some(key) = &endpoint.api_key {
            config = config.with_api_key(key.clone());
        }
        let provider = OpenAiCompatibleProvider::new(config)
            .with_context(|| format!("setting up the {name} LLM provider"))?;
        Ok(Arc::new(provider))
    };
    match endpoint.provider {
        LlmProviderName::Groq => openai_compatible(GROQ_BASE_URL),
        LlmProviderName::Openrouter => openai_compatible(OPENROUTER_BASE_URL),
        LlmProviderName::Openai => openai_compatible(OPENAI_BASE_URL),
        LlmProviderName::Ollama => openai_compatible(OLLAMA_BASE_URL),
        LlmProviderName::Gemini => {
            let api_key = endpoint
                .api_key
                .clone()
                .context("GEMINI_API_KEY is required for the gemini provider")?;
            let mut config = GeminiConfig::new(api_key).with_request_timeout(timeout);
            if let Some(base_url) = &endpoint.base_url {
                config = config.with_base_url(base_url.clone());
            }
            let provider =
                GeminiProvider::new(config).context("setting up the gemini LLM provider")?;
            Ok(Arc::new(provider))
        }
        LlmProviderName::Local => match local {
            Some(local) => Ok(Arc::new(local.clone())),
            None => Ok(Arc::new(UnavailableLlm::new(
                name,
                "the local model is not set up on this server",
            ))),
        },
    }
}

/// The local model, when the primary or the fallback provider is `local`: its file must be
/// there (`hellosales models fetch`); it is loaded on first use or by the start-up preload.
fn local_llm(config: &Config) -> anyhow::Result<Option<LocalLlm>> {
    std::iter::once(config.llm_primary())
        .chain(config.llm_fallback())
        .find(|endpoint| endpoint.provider == LlmProviderName::Local)
        .map(|endpoint| {
            LocalLlm::new(config.local_llm(&endpoint.model))
                .context("setting up the local LLM provider (LLM_PROVIDER=local)")
        })
        .transpose()
}
