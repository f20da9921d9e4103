//! HelloSales provider adapters (LLM, speech, embeddings), the dated price table that costs
//! every provider call exactly, in micro-USD, and the recording wrapper through which every
//! call is recorded, traced and counted ([`RecordingLlm`]).
//!
//! The adapters implement the ports of `hellosales-domain`; this crate holds no business rules.

pub mod fallback;
pub mod openai_compatible;
pub mod pricing;
pub mod recording;
pub mod sse;
pub mod tokens;
pub mod unavailable;

pub use fallback::{LlmRoute, LlmRoutes};
pub use openai_compatible::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
pub use pricing::{ModelPrice, PriceTable, TokenCost};
pub use recording::{Completion, RecordedStream, RecordingLlm, RecordingOptions, TokenUsage};
pub use unavailable::UnavailableLlm;
