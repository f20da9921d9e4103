//! The LLM settings: which provider answers (`LLM_PROVIDER`), with which model (`LLM_MODEL`),
//! the optional fallback (`LLM_FALLBACK_PROVIDER`, `LLM_FALLBACK_MODEL`), each provider's key
//! and base URL (`GROQ_API_KEY`, `GROQ_BASE_URL`, …) and price overrides from the file.

use secrecy::SecretString;
use serde::Deserialize;
use std::fmt;

/// The LLM providers HelloSales can talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LlmProviderName {
    /// The embedded local model (no account, no network).
    Local,
    /// Groq's OpenAI-compatible API.
    Groq,
    /// Google Gemini.
    Gemini,
    /// OpenRouter's OpenAI-compatible API.
    Openrouter,
    /// OpenAI.
    Openai,
    /// A local Ollama server's OpenAI-compatible API.
    Ollama,
}

impl LlmProviderName {
    /// The name recorded in `provider_calls.provider` and used to look prices up.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Groq => "groq",
            Self::Gemini => "gemini",
            Self::Openrouter => "openrouter",
            Self::Openai => "openai",
            Self::Ollama => "ollama",
        }
    }

    /// The model used when `LLM_MODEL` is not set.
    #[must_use]
    pub const fn default_model(self) -> &'static str {
        match self {
            Self::Local => "SmolLM2-135M-Instruct",
            Self::Groq => "llama-3.1-8b-instant",
            Self::Gemini => "gemini-2.0-flash",
            Self::Openrouter => "meta-llama/llama-3.1-8b-instruct",
            Self::Openai => "gpt-4o-mini",
            Self::Ollama => "llama3.1",
        }
    }

    /// The environment variable holding its API key, for the providers that need one.
    #[must_use]
    pub const fn api_key_var(self) -> Option<&'static str> {
        match self {
            Self::Local | Self::Ollama => None,
            Self::Groq => Some("GROQ_API_KEY"),
            Self::Gemini => Some("GEMINI_API_KEY"),
            Self::Openrouter => Some("OPENROUTER_API_KEY"),
            Self::Openai => Some("OPENAI_API_KEY"),
        }
    }
}

impl fmt::Display for LlmProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A price from the configuration file (`[[prices]]`), in USD per million tokens as providers
/// publish them; it replaces the shipped price of the same provider, model and date.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceSetting {
    /// `groq`, `gemini`, `local`, …
    pub provider: String,
    /// The model id, or a prefix of model ids.
    pub model: String,
    /// USD per million input tokens.
    pub input_usd_per_million: f64,
    /// USD per million output tokens.
    pub output_usd_per_million: f64,
    /// First day the price applies (`2026-01-01`).
    pub effective_from: chrono::NaiveDate,
}

/// One provider, resolved: its name, model, key and base URL.
#[derive(Clone)]
pub struct LlmEndpoint {
    /// Which provider.
    pub provider: LlmProviderName,
    /// The model to ask for.
    pub model: String,
    /// Its API key, when it needs one.
    pub api_key: Option<SecretString>,
    /// Its base URL, when overridden (`GROQ_BASE_URL`); the adapter's default otherwise.
    pub base_url: Option<String>,
}

impl fmt::Debug for LlmEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LlmEndpoint")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("base_url", &self.base_url)
            .finish()
    }
}
