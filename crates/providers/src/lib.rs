//! HelloSales provider adapters (LLM, speech, embeddings) and the dated price table that costs
//! every provider call exactly, in micro-USD.
//!
//! The adapters implement the ports of `hellosales-domain`; this crate holds no business rules.

pub mod openai_compatible;
pub mod pricing;
pub mod sse;

pub use openai_compatible::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
pub use pricing::{ModelPrice, PriceTable, TokenCost};
