//! HelloSales provider adapters (LLM, speech, embeddings) and the dated price table that costs
//! every provider call exactly, in micro-USD.
//!
//! The adapters implement the ports of `hellosales-domain`; this crate holds no business rules.
//! Their shared plumbing (HTTP client, error mapping, SSE chat streams, trace context) lives in
//! private modules, so that each adapter holds only its wire format.

mod chat_sse;
mod failure;
pub mod gemini;
mod gemini_wire;
mod http;
pub mod openai_compatible;
mod openai_wire;
pub mod pricing;
pub mod sse;
mod trace_context;

pub use gemini::{GeminiConfig, GeminiProvider};
pub use openai_compatible::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
pub use pricing::{ModelPrice, PriceTable, TokenCost};
