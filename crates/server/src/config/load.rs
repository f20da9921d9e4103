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
cors_allowed_origins = ""
database_max_connections = 20
workos_issuer = "https://api.workos.com"
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
    fn new(setting: &str, message: impl Into<String>) -> Self {
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
    if config.bind == config.metrics_bind {
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
    for (setting, value) in [
        ("WORKOS_ISSUER", Some(config.workos_issuer.as_str())),
        ("WORKOS_JWKS_URL", config.workos_jwks_url.as_deref()),
        ("OTEL_ENDPOINT", config.otel_endpoint.as_deref()),
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
    ] {
        if value == 0 {
            return Err(ConfigError::new(setting, "must be greater than 0"));
        }
    }
    if let Err(e) = tracing_subscriber::EnvFilter::try_new(&config.log_level) {
        return Err(ConfigError::new("LOG_LEVEL", e.to_string()));
    }
    Ok(())
}

fn is_http_url(value: &str) -> bool {
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
