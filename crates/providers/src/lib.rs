//! HelloSales provider adapters (LLM, speech, embeddings), the dated price table that costs
//! every provider call exactly, in micro-USD, and the recording wrapper through which every
//! call is recorded, traced and counted ([`RecordingLlm`]).
//!
//! The adapters implement the ports of `hellosales-domain`; this crate holds no business rules.
//! Their shared plumbing (HTTP client, error mapping, SSE chat streams, trace context) lives in
//! private modules, so that each adapter holds only its wire format.
//!
//! # Failures
//! Every adapter maps what goes wrong to the same typed
//! [`ProviderFailure`](hellosales_domain::error::ProviderFailure)s:
//!
//! | What happened                                                  | `ProviderFailure`            |
//! |----------------------------------------------------------------|------------------------------|
//! | HTTP 401, 403                                                  | `Authentication`             |
//! | HTTP 429                                                       | `RateLimited` (`Retry-After` seconds, 1 when absent) |
//! | HTTP 400, 404, 422 (and any other 4xx but 408)                 | `BadRequest`                 |
//! | HTTP 5xx, an `error` object in the stream, connection refused  | `ServerError`                |
//! | no connection, headers or next chunk in time; HTTP 408         | `Timeout`                    |
//! | unparsable body or event data, stream ended or cut too early   | `MalformedStream`            |

mod chat_sse;
mod failure;
pub mod fallback;
pub mod gemini;
mod gemini_wire;
mod http;
pub mod openai_compatible;
mod openai_wire;
pub mod pricing;
pub mod recording;
pub mod route_policy;
pub mod sse;
pub mod tokens;
pub mod unavailable;

pub use fallback::{LlmRoute, LlmRoutes};
pub use route_policy::{IgnoreNotices, RouteNotice, RouteObserver, RoutePolicy, breaker_key};
mod trace_context;

pub use gemini::{GeminiConfig, GeminiProvider};
pub use openai_compatible::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
pub use pricing::{ModelPrice, PriceTable, TokenCost};
pub use recording::{
    CallMeasures, Completion, RecordWritten, RecordedEmbeddings, RecordedStream, RecordingEmbedder,
    RecordingLlm, RecordingOptions, TokenUsage,
};
pub use unavailable::UnavailableLlm;
