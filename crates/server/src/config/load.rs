//! Loading and validating the configuration: defaults → optional TOML file → environment.
//!
//! [`load`] reads the process environment; [`load_from`] takes the environment as pairs so that
//! tests never touch process-global state.

use super::settings::{Config, Environment};
use figment::Figment;
use figment::providers::{Format, Toml};
use figment::value::Value;
use secrecy::ExposeSecret;
use std::path::{Path, PathBuf};

/// The embedded defaults, in the file's own format. `.env.example` lists the same values.
const DEFAULTS: &str = r#"
bind = "127.0.0.1:8000"
metrics_bind = "127.0.0.1:9100"
data_dir = "./data"
web_dir = "./web/dist"
cors_allowed_origins = ""
database_max_connections = 20
workos_issuer = "https://api.workos.com"
workos_api_url = "https://api.workos.com"
log_level = "info"
prometheus_metrics_enabled = true
stage_timeout_ms = 30000
circuit_breaker_failure_threshold = 3
circuit_breaker_window_seconds = 60
circuit_breaker_open_seconds = 60
summary_enabled = true
summary_threshold = 8
summary_keep_last_n = 6
guardrails_enabled = true
guardrails_pii_mode = "redact"
guardrails_max_input_chars = 8000
quality_mode = "balanced"
chat_max_tokens = 1024
llm_stage_timeout_ms = 120000
ws_max_frame_bytes = 65536
ws_auth_timeout_ms = 10000
llm_provider = "local"
llm_request_timeout_ms = 30000
llm_retry_max_attempts = 3
llm_retry_base_delay_ms = 250
llm_retry_max_delay_ms = 10000
provider_calls_store_prompts = true
local_model_context = 4096
local_model_concurrency = 1
local_model_queue = 4
local_model_max_tokens = 1024
local_model_seed = 42
local_model_preload = true
retention_days = 30
retention_interval_hours = 24
retention_batch_size = 1000
prices = []
rate_limit_requests_per_minute = 600
rate_limit_chat_per_minute = 30
rate_limit_generations_per_minute = 10
rate_limit_redis_prefix = "hellosales:ratelimit:"
dlq_max_retries = 3
dlq_backoff_base_ms = 30000
dlq_worker_enabled = true
dlq_poll_interval_ms = 5000
dlq_batch_size = 10
dlq_lease_seconds = 120
embedding_provider = "local"
embedding_index_interval_ms = 5000
embedding_batch_size = 32
memory_top_k = 3
memory_min_similarity = 0.3
memory_timeout_ms = 2000
stt_provider = "none"
stt_live = true
stt_timeout_ms = 30000
tts_provider = "local"
tts_format = "wav"
tts_timeout_ms = 60000
espeak_ng_path = "espeak-ng"
voice_max_audio_bytes = 5242880
"#;

/// How an environment value is read.
#[derive(Clone, Copy)]
enum Kind {
    /// Taken verbatim (ids, URLs, names).
    Text,
    /// Parsed as a number or a boolean.
    Scalar,
}

/// Every environment variable the server reads, the configuration key it sets, and its kind.
const ENV_VARS: &[(&str, &str, Kind)] = &[
    ("ENVIRONMENT", "environment", Kind::Text),
    ("HELLOSALES_BIND", "bind", Kind::Text),
    ("HELLOSALES_METRICS_BIND", "metrics_bind", Kind::Text),
    ("HELLOSALES_DATA_DIR", "data_dir", Kind::Text),
    ("HELLOSALES_WEB_DIR", "web_dir", Kind::Text),
    (
        "HELLOSALES_CORS_ALLOWED_ORIGINS",
        "cors_allowed_origins",
        Kind::Text,
    ),
    ("DATABASE_URL", "database_url", Kind::Text),
    (
        "DATABASE_MAX_CONNECTIONS",
        "database_max_connections",
        Kind::Scalar,
    ),
    ("REDIS_URL", "redis_url", Kind::Text),
    ("WORKOS_CLIENT_ID", "workos_client_id", Kind::Text),
    ("WORKOS_API_KEY", "workos_api_key", Kind::Text),
    ("WORKOS_ISSUER", "workos_issuer", Kind::Text),
    ("WORKOS_API_URL", "workos_api_url", Kind::Text),
    ("WORKOS_AUDIENCE", "workos_audience", Kind::Text),
    ("WORKOS_JWKS_URL", "workos_jwks_url", Kind::Text),
    ("LOG_LEVEL", "log_level", Kind::Text),
    ("LOG_FORMAT", "log_format", Kind::Text),
    ("OTEL_ENDPOINT", "otel_endpoint", Kind::Text),
    (
        "PROMETHEUS_METRICS_ENABLED",
        "prometheus_metrics_enabled",
        Kind::Scalar,
    ),
    ("STAGE_TIMEOUT_MS", "stage_timeout_ms", Kind::Scalar),
    (
        "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
        "circuit_breaker_failure_threshold",
        Kind::Scalar,
    ),
    (
        "CIRCUIT_BREAKER_WINDOW_SECONDS",
        "circuit_breaker_window_seconds",
        Kind::Scalar,
    ),
    (
        "CIRCUIT_BREAKER_OPEN_SECONDS",
        "circuit_breaker_open_seconds",
        Kind::Scalar,
    ),
    ("SUMMARY_ENABLED", "summary_enabled", Kind::Scalar),
    ("SUMMARY_THRESHOLD", "summary_threshold", Kind::Scalar),
    ("SUMMARY_KEEP_LAST_N", "summary_keep_last_n", Kind::Scalar),
    ("GUARDRAILS_ENABLED", "guardrails_enabled", Kind::Scalar),
    ("GUARDRAILS_PII_MODE", "guardrails_pii_mode", Kind::Text),
    (
        "GUARDRAILS_MAX_INPUT_CHARS",
        "guardrails_max_input_chars",
        Kind::Scalar,
    ),
    ("QUALITY_MODE", "quality_mode", Kind::Text),
    ("LLM_MODEL_FAST", "llm_model_fast", Kind::Text),
    ("LLM_MODEL_QUALITY", "llm_model_quality", Kind::Text),
    ("CHAT_MAX_TOKENS", "chat_max_tokens", Kind::Scalar),
    ("LLM_STAGE_TIMEOUT_MS", "llm_stage_timeout_ms", Kind::Scalar),
    ("WS_MAX_FRAME_BYTES", "ws_max_frame_bytes", Kind::Scalar),
    ("WS_AUTH_TIMEOUT_MS", "ws_auth_timeout_ms", Kind::Scalar),
    ("LLM_PROVIDER", "llm_provider", Kind::Text),
    ("LOCAL_MODEL_PATH", "local_model_path", Kind::Text),
    ("LOCAL_MODEL_THREADS", "local_model_threads", Kind::Scalar),
    ("LOCAL_MODEL_CONTEXT", "local_model_context", Kind::Scalar),
    (
        "LOCAL_MODEL_CONCURRENCY",
        "local_model_concurrency",
        Kind::Scalar,
    ),
    ("LOCAL_MODEL_QUEUE", "local_model_queue", Kind::Scalar),
    (
        "LOCAL_MODEL_MAX_TOKENS",
        "local_model_max_tokens",
        Kind::Scalar,
    ),
    ("LOCAL_MODEL_SEED", "local_model_seed", Kind::Scalar),
    ("LOCAL_MODEL_PRELOAD", "local_model_preload", Kind::Scalar),
    ("LLM_MODEL", "llm_model", Kind::Text),
    ("LLM_FALLBACK_PROVIDER", "llm_fallback_provider", Kind::Text),
    ("LLM_FALLBACK_MODEL", "llm_fallback_model", Kind::Text),
    (
        "LLM_REQUEST_TIMEOUT_MS",
        "llm_request_timeout_ms",
        Kind::Scalar,
    ),
    (
        "LLM_RETRY_MAX_ATTEMPTS",
        "llm_retry_max_attempts",
        Kind::Scalar,
    ),
    (
        "LLM_RETRY_BASE_DELAY_MS",
        "llm_retry_base_delay_ms",
        Kind::Scalar,
    ),
    (
        "LLM_RETRY_MAX_DELAY_MS",
        "llm_retry_max_delay_ms",
        Kind::Scalar,
    ),
    (
        "PROVIDER_CALLS_STORE_PROMPTS",
        "provider_calls_store_prompts",
        Kind::Scalar,
    ),
    ("RETENTION_DAYS", "retention_days", Kind::Scalar),
    (
        "RETENTION_INTERVAL_HOURS",
        "retention_interval_hours",
        Kind::Scalar,
    ),
    ("RETENTION_BATCH_SIZE", "retention_batch_size", Kind::Scalar),
    ("DLQ_MAX_RETRIES", "dlq_max_retries", Kind::Scalar),
    ("DLQ_BACKOFF_BASE_MS", "dlq_backoff_base_ms", Kind::Scalar),
    ("DLQ_WORKER_ENABLED", "dlq_worker_enabled", Kind::Scalar),
    ("DLQ_POLL_INTERVAL_MS", "dlq_poll_interval_ms", Kind::Scalar),
    ("DLQ_BATCH_SIZE", "dlq_batch_size", Kind::Scalar),
    ("DLQ_LEASE_SECONDS", "dlq_lease_seconds", Kind::Scalar),
    ("EMBEDDING_PROVIDER", "embedding_provider", Kind::Text),
    ("EMBEDDING_MODEL", "embedding_model", Kind::Text),
    ("EMBEDDING_BASE_URL", "embedding_base_url", Kind::Text),
    ("EMBEDDING_API_KEY", "embedding_api_key", Kind::Text),
    (
        "LOCAL_EMBEDDING_MODEL_DIR",
        "local_embedding_model_dir",
        Kind::Text,
    ),
    (
        "EMBEDDING_INDEX_INTERVAL_MS",
        "embedding_index_interval_ms",
        Kind::Scalar,
    ),
    ("EMBEDDING_BATCH_SIZE", "embedding_batch_size", Kind::Scalar),
    ("MEMORY_TOP_K", "memory_top_k", Kind::Scalar),
    (
        "MEMORY_MIN_SIMILARITY",
        "memory_min_similarity",
        Kind::Scalar,
    ),
    ("MEMORY_TIMEOUT_MS", "memory_timeout_ms", Kind::Scalar),
    ("STT_PROVIDER", "stt_provider", Kind::Text),
    ("STT_MODEL", "stt_model", Kind::Text),
    ("STT_LIVE", "stt_live", Kind::Scalar),
    ("STT_TIMEOUT_MS", "stt_timeout_ms", Kind::Scalar),
    ("DEEPGRAM_API_KEY", "deepgram_api_key", Kind::Text),
    ("DEEPGRAM_BASE_URL", "deepgram_base_url", Kind::Text),
    ("GOOGLE_STT_BASE_URL", "google_stt_base_url", Kind::Text),
    ("GOOGLE_TTS_BASE_URL", "google_tts_base_url", Kind::Text),
    ("TTS_PROVIDER", "tts_provider", Kind::Text),
    ("TTS_MODEL", "tts_model", Kind::Text),
    ("TTS_VOICE", "tts_voice", Kind::Text),
    ("TTS_LANGUAGE", "tts_language", Kind::Text),
    ("TTS_FORMAT", "tts_format", Kind::Text),
    ("TTS_TIMEOUT_MS", "tts_timeout_ms", Kind::Scalar),
    ("ESPEAK_NG_PATH", "espeak_ng_path", Kind::Text),
    (
        "VOICE_MAX_AUDIO_BYTES",
        "voice_max_audio_bytes",
        Kind::Scalar,
    ),
    (
        "VOICE_MAX_DURATION_MS",
        "voice_max_duration_ms",
        Kind::Scalar,
    ),
    ("GROQ_API_KEY", "groq_api_key", Kind::Text),
    ("GROQ_BASE_URL", "groq_base_url", Kind::Text),
    // The specification's name first, so that GEMINI_API_KEY wins when both are set.
    ("GOOGLE_API_KEY", "gemini_api_key", Kind::Text),
    // Google Cloud Speech-to-Text and Text-to-Speech (the same variable as above).
    ("GOOGLE_API_KEY", "google_api_key", Kind::Text),
    ("GEMINI_API_KEY", "gemini_api_key", Kind::Text),
    ("GEMINI_BASE_URL", "gemini_base_url", Kind::Text),
    ("OPENROUTER_API_KEY", "openrouter_api_key", Kind::Text),
    ("OPENROUTER_BASE_URL", "openrouter_base_url", Kind::Text),
    ("OPENAI_API_KEY", "openai_api_key", Kind::Text),
    ("OPENAI_BASE_URL", "openai_base_url", Kind::Text),
    ("OLLAMA_BASE_URL", "ollama_base_url", Kind::Text),
    (
        "RATE_LIMIT_REQUESTS_PER_MINUTE",
        "rate_limit_requests_per_minute",
        Kind::Scalar,
    ),
    (
        "RATE_LIMIT_CHAT_PER_MINUTE",
        "rate_limit_chat_per_minute",
        Kind::Scalar,
    ),
    (
        "RATE_LIMIT_GENERATIONS_PER_MINUTE",
        "rate_limit_generations_per_minute",
        Kind::Scalar,
    ),
    (
        "RATE_LIMIT_REDIS_PREFIX",
        "rate_limit_redis_prefix",
        Kind::Text,
    ),
];

/// The variable that names the configuration file (default `./hellosales.toml`, optional).
const CONFIG_FILE_VAR: &str = "HELLOSALES_CONFIG";
const DEFAULT_CONFIG_FILE: &str = "hellosales.toml";

/// A configuration that cannot be used, naming the setting at fault.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {setting}: {message}")]
pub struct ConfigError {
    /// The environment variable (or file key) at fault.
    pub setting: String,
    /// What is wrong with it.
    pub message: String,
}

impl ConfigError {
    pub(super) fn new(setting: &str, message: impl Into<String>) -> Self {
        Self {
            setting: setting.to_owned(),
            message: message.into(),
        }
    }
}

/// Loads the configuration from the process environment and the optional file.
///
/// # Errors
/// A [`ConfigError`] naming the first bad setting.
pub fn load() -> Result<Config, ConfigError> {
    load_from(std::env::vars())
}

/// Loads the configuration from the given environment pairs and the file they point to.
///
/// # Errors
/// A [`ConfigError`] naming the first bad setting.
pub fn load_from(env: impl IntoIterator<Item = (String, String)>) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = env.into_iter().collect();
    let lookup = |name: &str| {
        env.iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
    };

    let mut figment = Figment::new().merge(Toml::string(DEFAULTS));

    let (file, required) = match lookup(CONFIG_FILE_VAR) {
        Some(path) => (PathBuf::from(path), true),
        None => (PathBuf::from(DEFAULT_CONFIG_FILE), false),
    };
    if file.exists() {
        figment = figment.merge(Toml::file_exact(&file));
    } else if required {
        return Err(ConfigError::new(
            CONFIG_FILE_VAR,
            format!("file {} does not exist", file.display()),
        ));
    }

    for (var, key, kind) in ENV_VARS {
        if let Some(raw) = lookup(var) {
            figment = match kind {
                Kind::Text => figment.merge((*key, raw)),
                Kind::Scalar => figment.merge((*key, scalar(&raw))),
            };
        }
    }

    let config: Config = figment.extract().map_err(|e| from_figment(&e, &file))?;
    validate(&config)?;
    Ok(config)
}

fn scalar(raw: &str) -> Value {
    let trimmed = raw.trim();
    match trimmed.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Value::from(true),
        "false" | "no" | "off" => Value::from(false),
        _ => trimmed
            .parse::<u64>()
            .map(Value::from)
            .or_else(|_| trimmed.parse::<f64>().map(Value::from))
            .unwrap_or_else(|_| Value::from(trimmed.to_owned())),
    }
}

/// Names the setting of a figment error by its environment variable.
fn from_figment(error: &figment::Error, file: &Path) -> ConfigError {
    let key = error.path.last().cloned().unwrap_or_default();
    let setting = ENV_VARS.iter().find(|(_, k, _)| *k == key).map_or_else(
        || {
            if key.is_empty() {
                file.display().to_string()
            } else {
                key.clone()
            }
        },
        |(var, _, _)| (*var).to_owned(),
    );
    ConfigError::new(&setting, error.kind.to_string())
}

fn validate(config: &Config) -> Result<(), ConfigError> {
    let production = config.environment() == Environment::Production;
    if production && config.workos_client_id.is_none() {
        return Err(ConfigError::new(
            "WORKOS_CLIENT_ID",
            "required when ENVIRONMENT=production (only WorkOS tokens are accepted there)",
        ));
    }
    if config.bind == config.metrics_bind && config.bind.port() != 0 {
        return Err(ConfigError::new(
            "HELLOSALES_METRICS_BIND",
            "must differ from HELLOSALES_BIND: metrics are never served on the public listener",
        ));
    }
    if let Some(url) = &config.database_url {
        let url = url.expose_secret();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError::new(
                "DATABASE_URL",
                "must start with postgres://, postgresql:// or sqlite:",
            ));
        }
    }
    if let Some(url) = &config.redis_url
        && !(url.expose_secret().starts_with("redis://")
            || url.expose_secret().starts_with("rediss://"))
    {
        return Err(ConfigError::new(
            "REDIS_URL",
            "must start with redis:// or rediss://",
        ));
    }
    validate_llm(config)?;
    validate_embedding(config)?;
    super::speech::validate_speech(config)?;
    for (setting, value) in [
        ("WORKOS_ISSUER", Some(config.workos_issuer.as_str())),
        ("WORKOS_JWKS_URL", config.workos_jwks_url.as_deref()),
        ("OTEL_ENDPOINT", config.otel_endpoint.as_deref()),
        ("GROQ_BASE_URL", config.groq_base_url.as_deref()),
        ("GEMINI_BASE_URL", config.gemini_base_url.as_deref()),
        ("OPENROUTER_BASE_URL", config.openrouter_base_url.as_deref()),
        ("OPENAI_BASE_URL", config.openai_base_url.as_deref()),
        ("OLLAMA_BASE_URL", config.ollama_base_url.as_deref()),
        ("EMBEDDING_BASE_URL", config.embedding_base_url.as_deref()),
    ] {
        if let Some(value) = value
            && !is_http_url(value)
        {
            return Err(ConfigError::new(
                setting,
                "must be an http:// or https:// URL",
            ));
        }
    }
    for origin in config.cors_origins() {
        if origin != "*" && !is_http_url(&origin) {
            return Err(ConfigError::new(
                "HELLOSALES_CORS_ALLOWED_ORIGINS",
                format!("{origin:?} is not * or an http(s) origin"),
            ));
        }
    }
    for (setting, value) in [
        (
            "DATABASE_MAX_CONNECTIONS",
            u64::from(config.database_max_connections),
        ),
        ("STAGE_TIMEOUT_MS", config.stage_timeout_ms),
        (
            "CIRCUIT_BREAKER_FAILURE_THRESHOLD",
            u64::from(config.circuit_breaker_failure_threshold),
        ),
        (
            "CIRCUIT_BREAKER_WINDOW_SECONDS",
            config.circuit_breaker_window_seconds,
        ),
        (
            "CIRCUIT_BREAKER_OPEN_SECONDS",
            config.circuit_breaker_open_seconds,
        ),
        ("SUMMARY_THRESHOLD", u64::from(config.summary_threshold)),
        (
            "GUARDRAILS_MAX_INPUT_CHARS",
            config.guardrails_max_input_chars,
        ),
        ("CHAT_MAX_TOKENS", u64::from(config.chat_max_tokens)),
        ("LLM_STAGE_TIMEOUT_MS", config.llm_stage_timeout_ms),
        ("WS_MAX_FRAME_BYTES", config.ws_max_frame_bytes),
        ("WS_AUTH_TIMEOUT_MS", config.ws_auth_timeout_ms),
        ("LLM_REQUEST_TIMEOUT_MS", config.llm_request_timeout_ms),
        (
            "LLM_RETRY_MAX_ATTEMPTS",
            u64::from(config.llm_retry_max_attempts),
        ),
        ("RETENTION_DAYS", config.retention_days),
        ("RETENTION_INTERVAL_HOURS", config.retention_interval_hours),
        ("RETENTION_BATCH_SIZE", config.retention_batch_size),
        ("DLQ_POLL_INTERVAL_MS", config.dlq_poll_interval_ms),
        ("DLQ_BATCH_SIZE", config.dlq_batch_size),
        ("DLQ_LEASE_SECONDS", config.dlq_lease_seconds),
        (
            "LOCAL_MODEL_CONCURRENCY",
            u64::from(config.local_model_concurrency),
        ),
        (
            "LOCAL_MODEL_MAX_TOKENS",
            u64::from(config.local_model_max_tokens),
        ),
        (
            "LOCAL_MODEL_THREADS",
            config.local_model_threads.map_or(1, u64::from),
        ),
        (
            "EMBEDDING_INDEX_INTERVAL_MS",
            config.embedding_index_interval_ms,
        ),
        ("EMBEDDING_BATCH_SIZE", config.embedding_batch_size),
        ("MEMORY_TIMEOUT_MS", config.memory_timeout_ms),
    ] {
        if value == 0 {
            return Err(ConfigError::new(setting, "must be greater than 0"));
        }
    }
    if config.local_model_context < 256 {
        return Err(ConfigError::new(
            "LOCAL_MODEL_CONTEXT",
            "must be at least 256",
        ));
    }
    let max_days = hellosales_domain::retention::MAX_RETENTION_DAYS;
    if i64::try_from(config.retention_days).map_or(true, |days| days > max_days) {
        return Err(ConfigError::new(
            "RETENTION_DAYS",
            format!("must be at most {max_days}"),
        ));
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&config.log_level) {
        return Err(ConfigError::new("LOG_LEVEL", e.to_string()));
    }
    Ok(())
}

/// The chosen providers must be usable: a key for those that need one, a fallback that differs
/// from the primary, prices that are real numbers.
fn validate_llm(config: &Config) -> Result<(), ConfigError> {
    let primary = config.llm_primary();
    let fallback = config.llm_fallback();
    for endpoint in std::iter::once(&primary).chain(fallback.as_ref()) {
        if let Some(key_var) = endpoint.provider.api_key_var()
            && endpoint.api_key.is_none()
        {
            return Err(ConfigError::new(
                key_var,
                format!(
                    "required when {} is the LLM provider or its fallback",
                    endpoint.provider
                ),
            ));
        }
        if endpoint.model.trim().is_empty() {
            return Err(ConfigError::new("LLM_MODEL", "must not be blank"));
        }
    }
    if let Some(fallback) = &fallback
        && fallback.provider == primary.provider
        && fallback.model == primary.model
    {
        return Err(ConfigError::new(
            "LLM_FALLBACK_PROVIDER",
            "must differ from LLM_PROVIDER (or use another LLM_FALLBACK_MODEL)",
        ));
    }
    for price in &config.prices {
        let valid = |usd: f64| usd.is_finite() && usd >= 0.0;
        if !valid(price.input_usd_per_million) || !valid(price.output_usd_per_million) {
            return Err(ConfigError::new(
                "prices",
                format!(
                    "the price of {}/{} must be a number of USD, 0 or more",
                    price.provider, price.model
                ),
            ));
        }
    }
    Ok(())
}

/// The most inputs of one embedding request (OpenAI's limit).
const MAX_EMBEDDING_BATCH: u64 = 2048;

/// The embedding provider must be usable: a key for OpenAI, a model, a batch a provider
/// accepts, a similarity threshold that is a cosine.
fn validate_embedding(config: &Config) -> Result<(), ConfigError> {
    if let Some(endpoint) = config.embedding_endpoint() {
        if endpoint.provider == super::EmbeddingProviderName::Openai && endpoint.api_key.is_none() {
            return Err(ConfigError::new(
                "EMBEDDING_API_KEY",
                "required (or OPENAI_API_KEY) when EMBEDDING_PROVIDER=openai",
            ));
        }
        if endpoint.model.trim().is_empty() {
            return Err(ConfigError::new("EMBEDDING_MODEL", "must not be blank"));
        }
    }
    if config.embedding_batch_size > MAX_EMBEDDING_BATCH {
        return Err(ConfigError::new(
            "EMBEDDING_BATCH_SIZE",
            format!("must be at most {MAX_EMBEDDING_BATCH}"),
        ));
    }
    let similarity = config.memory_min_similarity;
    if !(similarity.is_finite() && (-1.0..=1.0).contains(&similarity)) {
        return Err(ConfigError::new(
            "MEMORY_MIN_SIMILARITY",
            "must be a number from -1 to 1",
        ));
    }
    Ok(())
}

pub(super) fn is_http_url(value: &str) -> bool {
    (value.starts_with("http://") || value.starts_with("https://")) && value.len() > 8
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::LogFormat;

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
    fn retention_settings_default_and_are_bounded() {
        let config = load_from(env(&[])).unwrap();
        let settings = crate::retention::RetentionSettings::from_config(&config);
        assert_eq!(settings.days, 30);
        assert_eq!(settings.interval, std::time::Duration::from_secs(24 * 3600));
        assert_eq!(settings.batch, 1000);
        let config = load_from(env(&[
            ("RETENTION_DAYS", "7"),
            ("RETENTION_INTERVAL_HOURS", "6"),
            ("RETENTION_BATCH_SIZE", "50"),
        ]))
        .unwrap();
        let settings = crate::retention::RetentionSettings::from_config(&config);
        assert_eq!((settings.days, settings.batch), (7, 50));
        assert_eq!(settings.interval, std::time::Duration::from_secs(6 * 3600));
        for (var, value) in [
            ("RETENTION_DAYS", "0"),
            ("RETENTION_DAYS", "3651"),
            ("RETENTION_BATCH_SIZE", "0"),
            ("RETENTION_INTERVAL_HOURS", "0"),
        ] {
            let err = load_from(env(&[(var, value)])).unwrap_err();
            assert_eq!(err.setting, var, "{value}");
        }
    }

    #[test]
    fn defaults_are_development_on_sqlite() {
        let config = load_from(env(&[])).unwrap();
        assert_eq!(config.environment(), Environment::Development);
        assert_eq!(config.log_format(), LogFormat::Pretty);
        assert_eq!(config.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(config.stage_timeout_ms, 30_000);
        assert!(
            config
                .database_url()
                .expose_secret()
                .starts_with("sqlite://")
        );
    }

    #[test]
    fn environment_overrides_and_workos_implies_production() {
        let config = load_from(env(&[
            ("WORKOS_CLIENT_ID", "client_123"),
            ("STAGE_TIMEOUT_MS", "1500"),
            ("GUARDRAILS_ENABLED", "false"),
            ("HELLOSALES_BIND", "0.0.0.0:9000"),
        ]))
        .unwrap();
        assert_eq!(config.environment(), Environment::Production);
        assert_eq!(config.log_format(), LogFormat::Json);
        assert_eq!(config.stage_timeout_ms, 1500);
        assert!(!config.guardrails_enabled);
        assert_eq!(config.bind.port(), 9000);
        assert_eq!(
            config.workos_jwks_url().unwrap(),
            "https://api.workos.com/sso/jwks/client_123"
        );
    }

    #[test]
    fn errors_name_the_setting() {
        let err = load_from(env(&[("STAGE_TIMEOUT_MS", "soon")])).unwrap_err();
        assert_eq!(err.setting, "STAGE_TIMEOUT_MS");
        let err = load_from(env(&[("ENVIRONMENT", "production")])).unwrap_err();
        assert_eq!(err.setting, "WORKOS_CLIENT_ID");
        let err = load_from(env(&[("DATABASE_URL", "mysql://x")])).unwrap_err();
        assert_eq!(err.setting, "DATABASE_URL");
        let err = load_from(env(&[("HELLOSALES_BIND", "not an address")])).unwrap_err();
        assert_eq!(err.setting, "HELLOSALES_BIND");
        let err = load_from(env(&[("CIRCUIT_BREAKER_OPEN_SECONDS", "0")])).unwrap_err();
        assert_eq!(err.setting, "CIRCUIT_BREAKER_OPEN_SECONDS");
        let err = load_from(env(&[("LOG_FORMAT", "xml")])).unwrap_err();
        assert_eq!(err.setting, "LOG_FORMAT");
    }

    #[test]
    fn the_file_sits_between_defaults_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hs.toml");
        std::fs::write(&path, "stage_timeout_ms = 2000\nsummary_threshold = 4\n").unwrap();
        let path = path.display().to_string();
        let config = load_from(env(&[
            ("HELLOSALES_CONFIG", &path),
            ("SUMMARY_THRESHOLD", "5"),
        ]))
        .unwrap();
        assert_eq!(config.stage_timeout_ms, 2000);
        assert_eq!(config.summary_threshold, 5);
        let err = load_from(env(&[("HELLOSALES_CONFIG", "/nonexistent/hs.toml")])).unwrap_err();
        assert_eq!(err.setting, "HELLOSALES_CONFIG");
    }

    #[test]
    fn llm_defaults_to_the_local_model_and_providers_need_their_key() {
        let config = load_from(env(&[])).unwrap();
        let primary = config.llm_primary();
        assert_eq!(primary.provider.as_str(), "local");
        assert!(config.llm_fallback().is_none());
        assert!(config.provider_calls_store_prompts);

        let err = load_from(env(&[("LLM_PROVIDER", "groq")])).unwrap_err();
        assert_eq!(err.setting, "GROQ_API_KEY");
        let err = load_from(env(&[
            ("LLM_PROVIDER", "local"),
            ("LLM_FALLBACK_PROVIDER", "gemini"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "GEMINI_API_KEY");
        let err = load_from(env(&[("LLM_PROVIDER", "anthropic")])).unwrap_err();
        assert_eq!(err.setting, "LLM_PROVIDER");
        let err = load_from(env(&[
            ("LLM_PROVIDER", "groq"),
            ("GROQ_API_KEY", "gsk_1"),
            ("GROQ_BASE_URL", "ftp://x"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "GROQ_BASE_URL");
        let err = load_from(env(&[
            ("LLM_PROVIDER", "ollama"),
            ("LLM_FALLBACK_PROVIDER", "ollama"),
        ]))
        .unwrap_err();
        assert_eq!(err.setting, "LLM_FALLBACK_PROVIDER");
    }

    #[test]
    fn llm_endpoints_resolve_model_key_and_base_url() {
        let config = load_from(env(&[
            ("LLM_PROVIDER", "groq"),
            ("LLM_MODEL", "llama-3.3-70b-versatile"),
            ("GROQ_API_KEY", "gsk_secret_1"),
            ("GROQ_BASE_URL", "http://127.0.0.1:9999/openai/v1"),
            ("LLM_FALLBACK_PROVIDER", "gemini"),
            ("GOOGLE_API_KEY", "from-google-var"),
            ("GEMINI_API_KEY", "from-gemini-var"),
        ]))
        .unwrap();
        let primary = config.llm_primary();
        assert_eq!(primary.model, "llama-3.3-70b-versatile");
        assert_eq!(
            primary.base_url.as_deref(),
            Some("http://127.0.0.1:9999/openai/v1")
        );
        assert_eq!(
            primary.api_key.as_ref().map(ExposeSecret::expose_secret),
            Some("gsk_secret_1")
        );
        let fallback = config.llm_fallback().unwrap();
        assert_eq!(fallback.model, "gemini-2.0-flash");
        assert_eq!(
            fallback.api_key.as_ref().map(ExposeSecret::expose_secret),
            Some("from-gemini-var"),
            "GEMINI_API_KEY wins over GOOGLE_API_KEY"
        );
        let shown = format!("{config:?}");
        assert!(!shown.contains("gsk_secret_1"), "{shown}");
        assert!(!shown.contains("from-gemini-var"), "{shown}");
    }

    #[test]
    fn pipeline_settings_reach_the_interceptors() {
        let config = load_from(env(&[
            ("STAGE_TIMEOUT_MS", "1500"),
            ("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "5"),
            ("CIRCUIT_BREAKER_WINDOW_SECONDS", "30"),
            ("CIRCUIT_BREAKER_OPEN_SECONDS", "90"),
        ]))
        .unwrap();
        let interceptors = config.interceptor_config();
        assert_eq!(interceptors.stage_timeout.as_millis(), 1500);
        let breakers = interceptors.circuit_breakers.config();
        assert_eq!(breakers.failure_threshold, 5);
        assert_eq!(breakers.window.as_secs(), 30);
        assert_eq!(breakers.open_duration.as_secs(), 90);
    }

    #[test]
    fn prices_come_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hs.toml");
        std::fs::write(
            &path,
            "[[prices]]\nprovider = \"groq\"\nmodel = \"llama-3.1-8b-instant\"\n\
             input_usd_per_million = 0.04\noutput_usd_per_million = 0.07\n\
             effective_from = \"2026-12-01\"\n",
        )
        .unwrap();
        let path = path.display().to_string();
        let config = load_from(env(&[("HELLOSALES_CONFIG", &path)])).unwrap();
        assert_eq!(config.prices.len(), 1);
        assert_eq!(config.prices[0].model, "llama-3.1-8b-instant");
        assert!((config.prices[0].input_usd_per_million - 0.04).abs() < f64::EPSILON);

        std::fs::write(
            &path,
            "[[prices]]\nprovider = \"groq\"\nmodel = \"x\"\n\
             input_usd_per_million = -1.0\noutput_usd_per_million = 0.0\n\
             effective_from = \"2026-12-01\"\n",
        )
        .unwrap();
        let err = load_from(env(&[("HELLOSALES_CONFIG", &path)])).unwrap_err();
        assert_eq!(err.setting, "prices");
    }

    #[test]
    fn rate_limits_default_to_the_documented_budgets() {
        let config = load_from(env(&[])).unwrap();
        assert_eq!(config.rate_limit_requests_per_minute, 600);
        assert_eq!(config.rate_limit_chat_per_minute, 30);
        assert_eq!(config.rate_limit_generations_per_minute, 10);
        assert_eq!(config.rate_limit_redis_prefix, "hellosales:ratelimit:");
        let config = load_from(env(&[
            ("RATE_LIMIT_REQUESTS_PER_MINUTE", "0"),
            ("RATE_LIMIT_CHAT_PER_MINUTE", "5"),
            ("RATE_LIMIT_REDIS_PREFIX", "test:42:"),
        ]))
        .unwrap();
        assert_eq!(config.rate_limit_requests_per_minute, 0, "0 disables");
        assert_eq!(config.rate_limit_chat_per_minute, 5);
        assert_eq!(config.rate_limit_redis_prefix, "test:42:");
        let err = load_from(env(&[("RATE_LIMIT_GENERATIONS_PER_MINUTE", "many")])).unwrap_err();
        assert_eq!(err.setting, "RATE_LIMIT_GENERATIONS_PER_MINUTE");
    }

    #[test]
    fn embeddings_default_to_the_local_model_and_resolve_url_and_key() {
        let config = load_from(env(&[("HELLOSALES_DATA_DIR", "/var/hs")])).unwrap();
        let local = config.embedding_endpoint().unwrap();
        assert_eq!(local.provider.as_str(), "local");
        assert_eq!(local.model, "all-MiniLM-L6-v2");
        assert_eq!(
            local.model_dir,
            Path::new("/var/hs/models/all-MiniLM-L6-v2")
        );
        assert_eq!(config.indexer_config().batch_size, 32);
        assert_eq!(config.indexer_config().interval.as_millis(), 5000);
        let memory = config.memory_config();
        assert_eq!(memory.top_k, 3);
        assert!((memory.min_similarity - 0.3).abs() < 1e-6);
        assert_eq!(memory.timeout.as_millis(), 2000);

        let config = load_from(env(&[
            ("EMBEDDING_PROVIDER", "openai"),
            ("OPENAI_API_KEY", "sk-openai-SECRET"),
            ("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"),
            ("MEMORY_TOP_K", "0"),
            ("MEMORY_MIN_SIMILARITY", "0.55"),
            ("EMBEDDING_BATCH_SIZE", "8"),
        ]))
        .unwrap();
        let openai = config.embedding_endpoint().unwrap();
        assert_eq!(openai.model, "text-embedding-3-small");
        assert_eq!(openai.base_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(
            openai.api_key.as_ref().map(ExposeSecret::expose_secret),
            Some("sk-openai-SECRET")
        );
        assert_eq!(config.memory_config().top_k, 0, "0 disables memory");
        assert!((config.memory_config().min_similarity - 0.55).abs() < 1e-6);
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-openai-SECRET"), "{shown}");

        let config = load_from(env(&[
            ("EMBEDDING_PROVIDER", "ollama"),
            ("EMBEDDING_MODEL", "all-minilm"),
            ("EMBEDDING_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("EMBEDDING_API_KEY", "emb-SECRET"),
        ]))
        .unwrap();
        let ollama = config.embedding_endpoint().unwrap();
        assert_eq!(ollama.model, "all-minilm");
        assert_eq!(
            ollama.base_url.as_deref(),
            Some("http://127.0.0.1:11434/v1")
        );
        assert!(!format!("{config:?}").contains("emb-SECRET"));

        let none = load_from(env(&[("EMBEDDING_PROVIDER", "none")])).unwrap();
        assert!(none.embedding_endpoint().is_none());
    }

    #[test]
    fn bad_embedding_settings_name_their_variable() {
        for (pairs, setting) in [
            (vec![("EMBEDDING_PROVIDER", "cohere")], "EMBEDDING_PROVIDER"),
            (vec![("EMBEDDING_PROVIDER", "openai")], "EMBEDDING_API_KEY"),
            (
                vec![("EMBEDDING_BASE_URL", "ftp://x")],
                "EMBEDDING_BASE_URL",
            ),
            (vec![("EMBEDDING_BATCH_SIZE", "0")], "EMBEDDING_BATCH_SIZE"),
            (
                vec![("EMBEDDING_BATCH_SIZE", "5000")],
                "EMBEDDING_BATCH_SIZE",
            ),
            (
                vec![("EMBEDDING_INDEX_INTERVAL_MS", "0")],
                "EMBEDDING_INDEX_INTERVAL_MS",
            ),
            (vec![("MEMORY_TOP_K", "many")], "MEMORY_TOP_K"),
            (
                vec![("MEMORY_MIN_SIMILARITY", "1.5")],
                "MEMORY_MIN_SIMILARITY",
            ),
            (
                vec![("MEMORY_MIN_SIMILARITY", "high")],
                "MEMORY_MIN_SIMILARITY",
            ),
            (vec![("MEMORY_TIMEOUT_MS", "0")], "MEMORY_TIMEOUT_MS"),
        ] {
            let err = load_from(env(&pairs)).unwrap_err();
            assert_eq!(err.setting, setting, "{pairs:?}");
        }
    }

    #[test]
    fn debug_never_shows_secrets() {
        let config = load_from(env(&[
            ("DATABASE_URL", "postgres://app:S3cret@db:5432/hs"),
            ("WORKOS_API_KEY", "sk_live_abcdef"),
            ("REDIS_URL", "redis://:R3dis@cache:6379"),
        ]))
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("S3cret"), "{shown}");
        assert!(!shown.contains("sk_live_abcdef"), "{shown}");
        assert!(!shown.contains("R3dis"), "{shown}");
        assert!(shown.contains("postgres://app:***@db:5432/hs"), "{shown}");
    }
}
