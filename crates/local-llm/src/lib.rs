//! The embedded local LLM: a llama-architecture GGUF (SmolLM2-135M-Instruct by default) run
//! in-process on the CPU with llama.cpp, behind the same [`LlmProvider`] port as the hosted
//! providers.
//!
//! * [`LocalLlm::load`] reads the GGUF once and starts a fixed number of worker threads, each
//!   owning one llama.cpp context; requests wait in a bounded queue and a full queue answers a
//!   typed `PROVIDER_BUSY` ([`ProviderFailure::Busy`](hellosales_domain::ProviderFailure)).
//! * The prompt is rendered with the model's chat template (ChatML for SmolLM2) and tokenized
//!   from the GGUF's own vocabulary and merges.
//! * Tokens stream as [`ChatEvent::Delta`](hellosales_domain::ports::ChatEvent)s as soon as they
//!   form whole UTF-8 text; stop sequences are honoured; dropping the stream (a cancelled run)
//!   stops generation at the next token.
//! * A request with a response schema (or JSON mode) is decoded under a grammar generated from
//!   the schema, so that even a 135M-parameter model yields a document that parses; when the
//!   token budget runs out the decoder steers towards closing the document instead of cutting
//!   it ([`decode`]).
//!
//! [`LlmProvider`]: hellosales_domain::ports::LlmProvider

mod backend;
mod decode;
mod error;
mod prompt;
mod provider;
mod sampling;
mod settings;
mod text;
mod worker;

pub use error::LoadError;
pub use provider::LocalLlm;
pub use settings::LocalLlmSettings;

/// The provider name recorded in `provider_calls.provider`.
pub const PROVIDER_NAME: &str = "local";

/// The file name of the default model inside the models directory.
pub const DEFAULT_MODEL_FILE: &str = "SmolLM2-135M-Instruct.Q4_1.gguf";

/// The model id recorded for the default model.
pub const DEFAULT_MODEL_ID: &str = "SmolLM2-135M-Instruct";
