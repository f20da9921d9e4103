//! The validated configuration values and their defaults.

use super::embedding::{EmbeddingEndpoint, EmbeddingProviderName};
use super::llm::{LlmEndpoint, LlmProviderName, PriceSetting};
use super::speech::{SttProviderName, TtsFormat, TtsProviderName};
use hellosales_app::chat::{ChatConfig, QualityMode, SummaryConfig};
use hellosales_app::dead_letters::{DeadLetterConfig, WorkerConfig};
use hellosales_app::semantic::{IndexerConfig, MemoryConfig};
use hellosales_local_llm::LocalLlmSettings;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use stageflow::interceptors::{
    CircuitBreakerConfig, CircuitBreakers, InterceptorConfig, RetryConfig,
};
use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where the server runs. Production refuses development tokens and requires WorkOS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer's machine or a test: development tokens are accepted.
    Development,
    /// Real users: only WorkOS tokens are accepted.
    Production,
}

impl Environment {
    /// Whether this is production.
    #[must_use]
    pub const fn is_production(self) -> bool {
        matches!(self, Self::Production)
    }

    /// The environment's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Production => "production",
        }
    }
}

/// What the guardrails do with personal data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PiiModeSetting {
    /// Replace it (`[email]`, `[phone]`, `[card]`) before the model sees it.
    #[default]
    Redact,
    /// Refuse the message.
    Block,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (default in production).
    Json,
    /// Human-readable lines (default in development).
    Pretty,
}

/// The server's configuration. Built by [`crate::config::load`], which validates it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `ENVIRONMENT`: development or production. Defaults to production when WorkOS is
    /// configured, development otherwise.
    pub environment: Option<Environment>,
    /// `HELLOSALES_BIND`: the public HTTP and WebSocket address.
    pub bind: SocketAddr,
    /// `HELLOSALES_METRICS_BIND`: the Prometheus address (a listener of its own).
    pub metrics_bind: SocketAddr,
    /// `HELLOSALES_DATA_DIR`: the SQLite database, the development token secret, local models.
    pub data_dir: PathBuf,
    /// `HELLOSALES_WEB_DIR`: the built web client (`npm run build` in `web/`), served at `/`;
    /// when the directory is missing only the API is served.
    pub web_dir: PathBuf,
    /// `HELLOSALES_CORS_ALLOWED_ORIGINS`: comma-separated origins allowed by CORS (`*` for any);
    /// empty means same-origin only.
    pub cors_allowed_origins: String,
    /// `DATABASE_URL`: `postgres://…`; when unset, SQLite in the data directory.
    pub database_url: Option<SecretString>,
    /// `DATABASE_MAX_CONNECTIONS`: the pool size.
    pub database_max_connections: u32,
    /// `REDIS_URL`: shared state for several instances; optional.
    pub redis_url: Option<SecretString>,
    /// `WORKOS_CLIENT_ID`.
    pub workos_client_id: Option<String>,
    /// `WORKOS_API_KEY`.
    pub workos_api_key: Option<SecretString>,
    /// `WORKOS_ISSUER`: the expected `iss` of access tokens.
    pub workos_issuer: String,
    /// `WORKOS_API_URL`: WorkOS's API, for AuthKit sign-in (`/user_management/…`).
    pub workos_api_url: String,
    /// `WORKOS_AUDIENCE`: the expected `aud`, checked when set.
    pub workos_audience: Option<String>,
    /// `WORKOS_JWKS_URL`: overrides the JWKS address derived from the client id.
    pub workos_jwks_url: Option<String>,
    /// `LOG_LEVEL`: a level (`info`) or a tracing filter (`info,hellosales=debug`).
    pub log_level: String,
    /// `LOG_FORMAT`: json or pretty; defaults by environment.
    pub log_format: Option<LogFormat>,
    /// `OTEL_ENDPOINT`: OTLP collector for traces; optional.
    pub otel_endpoint: Option<String>,
    /// `PROMETHEUS_METRICS_ENABLED`.
    pub prometheus_metrics_enabled: bool,
    /// `STAGE_TIMEOUT_MS`: the default per-stage timeout of pipelines.
    pub stage_timeout_ms: u64,
    /// `CIRCUIT_BREAKER_FAILURE_THRESHOLD`: failures within the window that open a breaker.
    pub circuit_breaker_failure_threshold: u32,
    /// `CIRCUIT_BREAKER_WINDOW_SECONDS`: the window over which failures are counted.
    pub circuit_breaker_window_seconds: u64,
    /// `CIRCUIT_BREAKER_OPEN_SECONDS`: how long an open breaker refuses calls.
    pub circuit_breaker_open_seconds: u64,
    /// `SUMMARY_ENABLED`: rolling conversation summaries.
    pub summary_enabled: bool,
    /// `SUMMARY_THRESHOLD`: turns between summaries.
    pub summary_threshold: u32,
    /// `SUMMARY_KEEP_LAST_N`: recent messages always sent verbatim.
    pub summary_keep_last_n: u32,
    /// `GUARDRAILS_ENABLED`: input and output guards.
    pub guardrails_enabled: bool,
    /// `GUARDRAILS_PII_MODE`: `redact` (default) replaces personal data before it reaches the
    /// model; `block` refuses the message.
    pub guardrails_pii_mode: PiiModeSetting,
    /// `GUARDRAILS_MAX_INPUT_CHARS`: the longest chat message, in characters.
    pub guardrails_max_input_chars: u64,
    /// `QUALITY_MODE`: fast, balanced (default) or quality: which model chat runs ask for.
    pub quality_mode: QualityMode,
    /// `LLM_MODEL_FAST`: the model of the fast mode; `LLM_MODEL` when unset.
    pub llm_model_fast: Option<String>,
    /// `LLM_MODEL_QUALITY`: the model of the quality mode; `LLM_MODEL` when unset.
    pub llm_model_quality: Option<String>,
    /// `CHAT_MAX_TOKENS`: the longest answer, in tokens.
    pub chat_max_tokens: u32,
    /// `LLM_STAGE_TIMEOUT_MS`: the longest a streamed answer may take (the LLM stage's
    /// timeout; other stages have `STAGE_TIMEOUT_MS`).
    pub llm_stage_timeout_ms: u64,
    /// `WS_MAX_FRAME_BYTES`: the largest WebSocket frame accepted (default 64 KiB).
    pub ws_max_frame_bytes: u64,
    /// `WS_AUTH_TIMEOUT_MS`: how long a new socket may take to send its `auth` frame.
    pub ws_auth_timeout_ms: u64,
    /// `LLM_PROVIDER`: local (the default: no account, no network), groq, gemini, openrouter,
    /// openai or ollama.
    pub llm_provider: LlmProviderName,
    /// `LLM_MODEL`: the model; each provider has a default.
    pub llm_model: Option<String>,
    /// `LLM_FALLBACK_PROVIDER`: asked when the primary provider fails with a retryable error
    /// before answering.
    pub llm_fallback_provider: Option<LlmProviderName>,
    /// `LLM_FALLBACK_MODEL`: the fallback's model; its provider's default when unset.
    pub llm_fallback_model: Option<String>,
    /// `LLM_REQUEST_TIMEOUT_MS`: the longest wait for a provider's headers, then for each chunk.
    pub llm_request_timeout_ms: u64,
    /// `LLM_RETRY_MAX_ATTEMPTS`: attempts per provider for a retryable refusal before anything
    /// was streamed (1 disables retries).
    pub llm_retry_max_attempts: u32,
    /// `LLM_RETRY_BASE_DELAY_MS`: the wait before the second attempt, doubling after each one
    /// (with jitter; a rate limit waits at least its `Retry-After`).
    pub llm_retry_base_delay_ms: u64,
    /// `LLM_RETRY_MAX_DELAY_MS`: the longest wait between attempts; a `Retry-After` asking for
    /// more is not waited for.
    pub llm_retry_max_delay_ms: u64,
    /// `LOCAL_MODEL_PATH`: the GGUF the local provider runs (any llama-architecture model);
    /// `<HELLOSALES_DATA_DIR>/models/SmolLM2-135M-Instruct.Q4_1.gguf` when unset.
    pub local_model_path: Option<PathBuf>,
    /// `LOCAL_MODEL_THREADS`: CPU threads per local generation; up to 4 of the machine's cores
    /// when unset. On a busy machine fewer threads decode faster.
    pub local_model_threads: Option<u16>,
    /// `LOCAL_MODEL_CONTEXT`: tokens of context (prompt and answer) per local generation.
    pub local_model_context: u32,
    /// `LOCAL_MODEL_CONCURRENCY`: local generations that run at once, each with its context.
    pub local_model_concurrency: u16,
    /// `LOCAL_MODEL_QUEUE`: local requests that may wait before `PROVIDER_BUSY`.
    pub local_model_queue: u16,
    /// `LOCAL_MODEL_MAX_TOKENS`: tokens a local generation writes when the caller sets no limit.
    pub local_model_max_tokens: u32,
    /// `LOCAL_MODEL_SEED`: the sampling seed of the first local request (then one more each).
    pub local_model_seed: u32,
    /// `LOCAL_MODEL_PRELOAD`: load the local model in the background at start-up rather than
    /// on the first request.
    pub local_model_preload: bool,
    /// `PROVIDER_CALLS_STORE_PROMPTS`: keep prompt and output text in `provider_calls`.
    pub provider_calls_store_prompts: bool,
    /// `RETENTION_DAYS`: pipeline events and provider-call payloads older than this are
    /// swept (an organization may set its own: `{"retention": {"days": N}}`).
    pub retention_days: u64,
    /// `RETENTION_INTERVAL_HOURS`: time between retention sweeps.
    pub retention_interval_hours: u64,
    /// `RETENTION_BATCH_SIZE`: rows per retention statement.
    pub retention_batch_size: u64,
    /// `GROQ_API_KEY`.
    pub groq_api_key: Option<SecretString>,
    /// `GROQ_BASE_URL`.
    pub groq_base_url: Option<String>,
    /// `GEMINI_API_KEY` (or the specification's `GOOGLE_API_KEY`).
    pub gemini_api_key: Option<SecretString>,
    /// `GOOGLE_API_KEY`: Google Cloud Speech-to-Text and Text-to-Speech (also Gemini's key
    /// when `GEMINI_API_KEY` is unset).
    pub google_api_key: Option<SecretString>,
    /// `GEMINI_BASE_URL`.
    pub gemini_base_url: Option<String>,
    /// `OPENROUTER_API_KEY`.
    pub openrouter_api_key: Option<SecretString>,
    /// `OPENROUTER_BASE_URL`.
    pub openrouter_base_url: Option<String>,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<SecretString>,
    /// `OPENAI_BASE_URL`.
    pub openai_base_url: Option<String>,
    /// `OLLAMA_BASE_URL`.
    pub ollama_base_url: Option<String>,
    /// `[[prices]]` in the file: prices that replace or extend the shipped price table.
    pub prices: Vec<PriceSetting>,
    /// `RATE_LIMIT_REQUESTS_PER_MINUTE`: authenticated REST requests per user and minute
    /// (also the burst); 0 disables the limit.
    pub rate_limit_requests_per_minute: u32,
    /// `RATE_LIMIT_CHAT_PER_MINUTE`: chat messages per user and minute (WebSocket and HTTP);
    /// 0 disables the limit.
    pub rate_limit_chat_per_minute: u32,
    /// `RATE_LIMIT_GENERATIONS_PER_MINUTE`: script and email generations per user and minute;
    /// 0 disables the limit.
    pub rate_limit_generations_per_minute: u32,
    /// `RATE_LIMIT_REDIS_PREFIX`: the prefix of the rate-limit keys in Redis (when `REDIS_URL`
    /// is set).
    pub rate_limit_redis_prefix: String,
    /// `DLQ_MAX_RETRIES`: replays of a failed run before its dead-letter entry is abandoned.
    pub dlq_max_retries: u32,
    /// `DLQ_BACKOFF_BASE_MS`: the wait before a failed run's first replay (doubled for each
    /// further one, with jitter).
    pub dlq_backoff_base_ms: u64,
    /// `DLQ_WORKER_ENABLED`: replay due dead-letter entries in the background.
    pub dlq_worker_enabled: bool,
    /// `DLQ_POLL_INTERVAL_MS`: how often the worker looks for due entries.
    pub dlq_poll_interval_ms: u64,
    /// `DLQ_BATCH_SIZE`: the most entries the worker claims at once.
    pub dlq_batch_size: u64,
    /// `DLQ_LEASE_SECONDS`: how long a claimed entry is kept from other workers (a crashed
    /// worker's entry is due again after it).
    pub dlq_lease_seconds: u64,
    /// `EMBEDDING_PROVIDER`: local (the default: in process, no network), openai, ollama, or
    /// none (no semantic search or memory).
    pub embedding_provider: EmbeddingProviderName,
    /// `EMBEDDING_MODEL`: the embedding model; each provider has a default.
    pub embedding_model: Option<String>,
    /// `EMBEDDING_BASE_URL`: the embedding API's address; else the provider's own setting
    /// (`OPENAI_BASE_URL`, `OLLAMA_BASE_URL`), else its public address.
    pub embedding_base_url: Option<String>,
    /// `EMBEDDING_API_KEY`: the embedding API's key; else `OPENAI_API_KEY` for openai.
    pub embedding_api_key: Option<SecretString>,
    /// `LOCAL_EMBEDDING_MODEL_DIR`: the local model's files; default
    /// `<HELLOSALES_DATA_DIR>/models/all-MiniLM-L6-v2`.
    pub local_embedding_model_dir: Option<PathBuf>,
    /// `EMBEDDING_INDEX_INTERVAL_MS`: time between passes of the background indexer.
    pub embedding_index_interval_ms: u64,
    /// `EMBEDDING_BATCH_SIZE`: the most items of one kind embedded per pass.
    pub embedding_batch_size: u64,
    /// `MEMORY_TOP_K`: the most earlier messages a chat prompt recalls (0 disables memory).
    pub memory_top_k: u32,
    /// `MEMORY_MIN_SIMILARITY`: the least cosine similarity of a recalled message (-1 to 1).
    pub memory_min_similarity: f64,
    /// `MEMORY_TIMEOUT_MS`: the longest a memory lookup may take before the turn goes on
    /// without it.
    pub memory_timeout_ms: u64,
    /// `STT_PROVIDER`: none (the default: there is no local speech-to-text, voice turns are
    /// off), deepgram, groq, openai or google.
    pub stt_provider: SttProviderName,
    /// `STT_MODEL`: the speech-to-text model; each provider has a default.
    pub stt_model: Option<String>,
    /// `STT_LIVE`: transcribe while the audio arrives when the provider can (Deepgram).
    pub stt_live: bool,
    /// `STT_TIMEOUT_MS`: the longest one transcription may take (the `stt` stage's timeout).
    pub stt_timeout_ms: u64,
    /// `DEEPGRAM_API_KEY`.
    pub deepgram_api_key: Option<SecretString>,
    /// `DEEPGRAM_BASE_URL`.
    pub deepgram_base_url: Option<String>,
    /// `GOOGLE_STT_BASE_URL`: Google Cloud Speech-to-Text's address.
    pub google_stt_base_url: Option<String>,
    /// `GOOGLE_TTS_BASE_URL`: Google Cloud Text-to-Speech's address.
    pub google_tts_base_url: Option<String>,
    /// `TTS_PROVIDER`: local (the default: the `espeak-ng` program), google, gemini or none
    /// (voice turns are answered in text only).
    pub tts_provider: TtsProviderName,
    /// `TTS_MODEL`: the text-to-speech model; each provider has a default.
    pub tts_model: Option<String>,
    /// `TTS_VOICE`: the voice; each provider has a default (Google: the language's).
    pub tts_voice: Option<String>,
    /// `TTS_LANGUAGE`: the language spoken (BCP-47, `en-US`); the provider's default when
    /// unset.
    pub tts_language: Option<String>,
    /// `TTS_FORMAT`: wav (default), pcm16, mp3 or ogg_opus.
    pub tts_format: TtsFormat,
    /// `TTS_TIMEOUT_MS`: the longest speaking a whole answer may take (the `tts` stage's
    /// timeout).
    pub tts_timeout_ms: u64,
    /// `ESPEAK_NG_PATH`: the espeak-ng program of `TTS_PROVIDER=local` (a path, or a name
    /// looked up on `PATH`).
    pub espeak_ng_path: PathBuf,
    /// `VOICE_MAX_AUDIO_BYTES`: the most audio one voice turn may carry.
    pub voice_max_audio_bytes: u64,
    /// `VOICE_MAX_DURATION_MS`: the longest recording; see [`Config::voice_max_duration_ms`].
    pub voice_max_duration_ms: Option<u64>,
}

impl Config {
    /// The environment, resolved: explicit, else production when WorkOS is configured.
    #[must_use]
    pub fn environment(&self) -> Environment {
        self.environment
            .unwrap_or(if self.workos_client_id.is_some() {
                Environment::Production
            } else {
                Environment::Development
            })
    }

    /// The log format, resolved: explicit, else JSON in production and pretty in development.
    #[must_use]
    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(match self.environment() {
            Environment::Production => LogFormat::Json,
            Environment::Development => LogFormat::Pretty,
        })
    }

    /// The database URL to connect to: `DATABASE_URL`, else the SQLite file in the data dir.
    #[must_use]
    pub fn database_url(&self) -> SecretString {
        self.database_url.clone().unwrap_or_else(|| {
            let path = self.data_dir.join("hellosales.db");
            SecretString::from(format!("sqlite://{}?mode=rwc", path.display()))
        })
    }

    /// The WorkOS JWKS address: `WORKOS_JWKS_URL`, else derived from the client id as WorkOS
    /// documents it.
    #[must_use]
    pub fn workos_jwks_url(&self) -> Option<String> {
        self.workos_jwks_url.clone().or_else(|| {
            self.workos_client_id
                .as_ref()
                .map(|id| format!("https://api.workos.com/sso/jwks/{id}"))
        })
    }

    /// The settings of stageflow's default interceptors: `STAGE_TIMEOUT_MS` and the
    /// `CIRCUIT_BREAKER_*` thresholds. Build it once: its breaker registry must outlive runs.
    #[must_use]
    pub fn interceptor_config(&self) -> InterceptorConfig {
        InterceptorConfig {
            stage_timeout: Duration::from_millis(self.stage_timeout_ms),
            circuit_breakers: Arc::new(CircuitBreakers::new(CircuitBreakerConfig {
                failure_threshold: self.circuit_breaker_failure_threshold,
                window: Duration::from_secs(self.circuit_breaker_window_seconds),
                open_duration: Duration::from_secs(self.circuit_breaker_open_seconds),
            })),
            ..InterceptorConfig::default()
        }
    }

    /// The retry policy of LLM provider calls (`LLM_RETRY_*`).
    #[must_use]
    pub fn llm_retry(&self) -> RetryConfig {
        RetryConfig {
            max_attempts: self.llm_retry_max_attempts,
            base_delay: Duration::from_millis(self.llm_retry_base_delay_ms),
            max_delay: Duration::from_millis(self.llm_retry_max_delay_ms),
            ..RetryConfig::default()
        }
    }

    /// The chat settings: the model of each quality mode (`LLM_MODEL_FAST`, `LLM_MODEL`,
    /// `LLM_MODEL_QUALITY`; unset: the provider's configured model), `QUALITY_MODE`,
    /// `CHAT_MAX_TOKENS`.
    #[must_use]
    pub fn chat_config(&self) -> ChatConfig {
        let balanced = self.llm_model.clone().unwrap_or_default();
        ChatConfig {
            quality_mode: self.quality_mode,
            fast_model: self
                .llm_model_fast
                .clone()
                .unwrap_or_else(|| balanced.clone()),
            quality_model: self
                .llm_model_quality
                .clone()
                .unwrap_or_else(|| balanced.clone()),
            balanced_model: balanced,
            max_tokens: Some(self.chat_max_tokens),
            ..ChatConfig::default()
        }
    }

    /// The summary cadence: `SUMMARY_ENABLED`, `SUMMARY_THRESHOLD`, `SUMMARY_KEEP_LAST_N`.
    #[must_use]
    pub const fn summary_config(&self) -> SummaryConfig {
        SummaryConfig {
            enabled: self.summary_enabled,
            threshold: self.summary_threshold,
            keep_last: self.summary_keep_last_n,
        }
    }

    /// The dead-letter retry settings: `DLQ_MAX_RETRIES`, `DLQ_BACKOFF_BASE_MS`.
    #[must_use]
    pub fn dead_letter_config(&self) -> DeadLetterConfig {
        DeadLetterConfig {
            max_retries: i32::try_from(self.dlq_max_retries).unwrap_or(i32::MAX),
            backoff_base: Duration::from_millis(self.dlq_backoff_base_ms),
            ..DeadLetterConfig::default()
        }
    }

    /// The dead-letter worker's settings: `DLQ_POLL_INTERVAL_MS`, `DLQ_BATCH_SIZE`,
    /// `DLQ_LEASE_SECONDS`.
    #[must_use]
    pub fn dead_letter_worker_config(&self) -> WorkerConfig {
        WorkerConfig {
            poll_interval: Duration::from_millis(self.dlq_poll_interval_ms),
            batch_size: self.dlq_batch_size,
            lease: Duration::from_secs(self.dlq_lease_seconds),
            ..WorkerConfig::default()
        }
    }

    /// Where `hellosales models fetch` puts the model files: `<HELLOSALES_DATA_DIR>/models`.
    #[must_use]
    pub fn models_dir(&self) -> PathBuf {
        self.data_dir.join("models")
    }

    /// The settings of the local LLM provider (`LOCAL_MODEL_*`).
    #[must_use]
    pub fn local_llm(&self, model_id: &str) -> LocalLlmSettings {
        let path = self.local_model_path.clone().unwrap_or_else(|| {
            self.models_dir()
                .join(hellosales_local_llm::DEFAULT_MODEL_FILE)
        });
        let defaults = LocalLlmSettings::new(path, model_id);
        LocalLlmSettings {
            threads: self.local_model_threads.unwrap_or(defaults.threads),
            context_tokens: self.local_model_context,
            workers: self.local_model_concurrency,
            queue_depth: self.local_model_queue,
            default_max_tokens: self.local_model_max_tokens,
            seed: self.local_model_seed,
            ..defaults
        }
    }

    /// The embedding provider, resolved; `None` when `EMBEDDING_PROVIDER=none`.
    #[must_use]
    pub fn embedding_endpoint(&self) -> Option<EmbeddingEndpoint> {
        let provider = self.embedding_provider;
        let (own_key, own_base) = match provider {
            EmbeddingProviderName::Disabled => return None,
            EmbeddingProviderName::Local => (None, None),
            EmbeddingProviderName::Openai => {
                (self.openai_api_key.as_ref(), self.openai_base_url.as_ref())
            }
            EmbeddingProviderName::Ollama => (None, self.ollama_base_url.as_ref()),
        };
        Some(EmbeddingEndpoint {
            provider,
            model: self
                .embedding_model
                .clone()
                .unwrap_or_else(|| provider.default_model().to_owned()),
            api_key: self.embedding_api_key.as_ref().or(own_key).cloned(),
            base_url: self.embedding_base_url.as_ref().or(own_base).cloned(),
            model_dir: self
                .local_embedding_model_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("models").join(provider.default_model())),
        })
    }

    /// The background indexer's settings: `EMBEDDING_INDEX_INTERVAL_MS`,
    /// `EMBEDDING_BATCH_SIZE`.
    #[must_use]
    pub const fn indexer_config(&self) -> IndexerConfig {
        IndexerConfig {
            interval: Duration::from_millis(self.embedding_index_interval_ms),
            batch_size: self.embedding_batch_size,
        }
    }

    /// Chat memory: `MEMORY_TOP_K`, `MEMORY_MIN_SIMILARITY`, `MEMORY_TIMEOUT_MS`.
    #[must_use]
    pub fn memory_config(&self) -> MemoryConfig {
        #[allow(clippy::cast_possible_truncation)] // validated to -1..=1
        let min_similarity = self.memory_min_similarity as f32;
        MemoryConfig {
            top_k: usize::try_from(self.memory_top_k).unwrap_or(usize::MAX),
            min_similarity,
            timeout: Duration::from_millis(self.memory_timeout_ms),
        }
    }

    /// The primary LLM provider, resolved.
    #[must_use]
    pub fn llm_primary(&self) -> LlmEndpoint {
        self.llm_endpoint(self.llm_provider, self.llm_model.as_deref())
    }

    /// The fallback LLM provider, when one is configured.
    #[must_use]
    pub fn llm_fallback(&self) -> Option<LlmEndpoint> {
        self.llm_fallback_provider
            .map(|provider| self.llm_endpoint(provider, self.llm_fallback_model.as_deref()))
    }

    fn llm_endpoint(&self, provider: LlmProviderName, model: Option<&str>) -> LlmEndpoint {
        let (api_key, base_url) = match provider {
            LlmProviderName::Local => (&None, &None),
            LlmProviderName::Groq => (&self.groq_api_key, &self.groq_base_url),
            LlmProviderName::Gemini => (&self.gemini_api_key, &self.gemini_base_url),
            LlmProviderName::Openrouter => (&self.openrouter_api_key, &self.openrouter_base_url),
            LlmProviderName::Openai => (&self.openai_api_key, &self.openai_base_url),
            LlmProviderName::Ollama => (&None, &self.ollama_base_url),
        };
        LlmEndpoint {
            provider,
            model: model.map_or_else(|| provider.default_model().to_owned(), str::to_owned),
            api_key: api_key.clone(),
            base_url: base_url.clone(),
        }
    }

    /// CORS origins, parsed from the comma-separated setting.
    #[must_use]
    pub fn cors_origins(&self) -> Vec<String> {
        self.cors_allowed_origins
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

fn redacted(secret: Option<&SecretString>) -> Option<String> {
    secret.map(|s| hellosales_store::redact_url(s.expose_secret()))
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("environment", &self.environment())
            .field("bind", &self.bind)
            .field("metrics_bind", &self.metrics_bind)
            .field("data_dir", &self.data_dir)
            .field("web_dir", &self.web_dir)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field("database_url", &redacted(self.database_url.as_ref()))
            .field("database_max_connections", &self.database_max_connections)
            .field("redis_url", &redacted(self.redis_url.as_ref()))
            .field("workos_client_id", &self.workos_client_id)
            .field(
                "workos_api_key",
                &self.workos_api_key.as_ref().map(|_| "***"),
            )
            .field("workos_issuer", &self.workos_issuer)
            .field("workos_api_url", &self.workos_api_url)
            .field("workos_audience", &self.workos_audience)
            .field("workos_jwks_url", &self.workos_jwks_url)
            .field("log_level", &self.log_level)
            .field("log_format", &self.log_format())
            .field("otel_endpoint", &self.otel_endpoint)
            .field(
                "prometheus_metrics_enabled",
                &self.prometheus_metrics_enabled,
            )
            .field("stage_timeout_ms", &self.stage_timeout_ms)
            .field(
                "circuit_breaker_failure_threshold",
                &self.circuit_breaker_failure_threshold,
            )
            .field(
                "circuit_breaker_window_seconds",
                &self.circuit_breaker_window_seconds,
            )
            .field(
                "circuit_breaker_open_seconds",
                &self.circuit_breaker_open_seconds,
            )
            .field("summary_enabled", &self.summary_enabled)
            .field("summary_threshold", &self.summary_threshold)
            .field("summary_keep_last_n", &self.summary_keep_last_n)
            .field("guardrails_enabled", &self.guardrails_enabled)
            .field("guardrails_pii_mode", &self.guardrails_pii_mode)
            .field(
                "guardrails_max_input_chars",
                &self.guardrails_max_input_chars,
            )
            .field("quality_mode", &self.quality_mode)
            .field("llm_model_fast", &self.llm_model_fast)
            .field("llm_model_quality", &self.llm_model_quality)
            .field("chat_max_tokens", &self.chat_max_tokens)
            .field("llm_stage_timeout_ms", &self.llm_stage_timeout_ms)
            .field("ws_max_frame_bytes", &self.ws_max_frame_bytes)
            .field("ws_auth_timeout_ms", &self.ws_auth_timeout_ms)
            .field("llm_primary", &self.llm_primary())
            .field("llm_fallback", &self.llm_fallback())
            .field("llm_request_timeout_ms", &self.llm_request_timeout_ms)
            .field("llm_retry_max_attempts", &self.llm_retry_max_attempts)
            .field("llm_retry_base_delay_ms", &self.llm_retry_base_delay_ms)
            .field("llm_retry_max_delay_ms", &self.llm_retry_max_delay_ms)
            .field(
                "provider_calls_store_prompts",
                &self.provider_calls_store_prompts,
            )
            .field("retention_days", &self.retention_days)
            .field("retention_interval_hours", &self.retention_interval_hours)
            .field("retention_batch_size", &self.retention_batch_size)
            .field("prices", &self.prices)
            .field(
                "rate_limit_requests_per_minute",
                &self.rate_limit_requests_per_minute,
            )
            .field(
                "rate_limit_chat_per_minute",
                &self.rate_limit_chat_per_minute,
            )
            .field(
                "rate_limit_generations_per_minute",
                &self.rate_limit_generations_per_minute,
            )
            .field("rate_limit_redis_prefix", &self.rate_limit_redis_prefix)
            .field("dlq_max_retries", &self.dlq_max_retries)
            .field("dlq_backoff_base_ms", &self.dlq_backoff_base_ms)
            .field("dlq_worker_enabled", &self.dlq_worker_enabled)
            .field("dlq_poll_interval_ms", &self.dlq_poll_interval_ms)
            .field("dlq_batch_size", &self.dlq_batch_size)
            .field("dlq_lease_seconds", &self.dlq_lease_seconds)
            .field("local_model_path", &self.local_model_path)
            .field("local_model_threads", &self.local_model_threads)
            .field("local_model_context", &self.local_model_context)
            .field("local_model_concurrency", &self.local_model_concurrency)
            .field("local_model_queue", &self.local_model_queue)
            .field("local_model_max_tokens", &self.local_model_max_tokens)
            .field("local_model_seed", &self.local_model_seed)
            .field("local_model_preload", &self.local_model_preload)
            .field("embedding", &self.embedding_endpoint())
            .field(
                "embedding_index_interval_ms",
                &self.embedding_index_interval_ms,
            )
            .field("embedding_batch_size", &self.embedding_batch_size)
            .field("memory_top_k", &self.memory_top_k)
            .field("memory_min_similarity", &self.memory_min_similarity)
            .field("memory_timeout_ms", &self.memory_timeout_ms)
            .field(
                "google_api_key",
                &self.google_api_key.as_ref().map(|_| "***"),
            )
            .field("stt", &self.stt_endpoint())
            .field("stt_live", &self.stt_live)
            .field("google_stt_base_url", &self.google_stt_base_url)
            .field("tts", &self.tts_endpoint())
            .field("google_tts_base_url", &self.google_tts_base_url)
            .field("voice", &self.voice_config())
            .finish()
    }
}
