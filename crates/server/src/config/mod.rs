//! Server configuration: embedded defaults, then an optional `hellosales.toml`, then the
//! environment, validated once at start-up.
//!
//! Environment variables keep the specification's names (Appendix B: `ENVIRONMENT`,
//! `DATABASE_URL`, `WORKOS_*`, `LOG_LEVEL`, `STAGE_TIMEOUT_MS`, …); HelloSales' own settings use
//! the `HELLOSALES_` prefix, which the file omits (`HELLOSALES_BIND` is `bind` in the file).
//! Secrets (`DATABASE_URL` may hold a password, `WORKOS_API_KEY`, `REDIS_URL`, the LLM API keys) are wrapped so
//! that `Debug` and logs never show them (so are `EMBEDDING_API_KEY` and the speech keys,
//! `DEEPGRAM_API_KEY` and `GOOGLE_API_KEY`).

mod embedding;
mod llm;
mod load;
mod settings;
mod speech;

pub use embedding::{EmbeddingEndpoint, EmbeddingProviderName};
pub use llm::{LlmEndpoint, LlmProviderName, PriceSetting};
pub use load::{ConfigError, load, load_from};
pub use settings::{Config, Environment, LogFormat, PiiModeSetting};
pub use speech::{
    MAX_VOICE_AUDIO_BYTES, SttEndpoint, SttProviderName, TtsEndpoint, TtsFormat, TtsProviderName,
};
