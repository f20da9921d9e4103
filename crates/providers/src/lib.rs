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
pub mod deepgram;
mod deepgram_stream;
pub mod espeak;
mod failure;
pub mod fallback;
pub mod gemini;
pub mod gemini_tts;
mod gemini_wire;
pub mod google_stt;
pub mod google_tts;
mod http;
pub mod openai_compatible;
pub mod openai_transcription;
mod openai_wire;
pub mod pricing;
pub mod recording;
pub mod route_policy;
pub mod speech_pricing;
pub mod sse;
mod stt_wire;
pub mod tokens;
mod tts_wire;
pub mod unavailable;

pub use fallback::{LlmRoute, LlmRoutes};
pub use route_policy::{IgnoreNotices, RouteNotice, RouteObserver, RoutePolicy, breaker_key};
mod trace_context;

pub use gemini::{GeminiConfig, GeminiProvider};
pub use openai_compatible::{OpenAiCompatibleConfig, OpenAiCompatibleProvider};
pub use pricing::{ModelPrice, PriceTable, TokenCost};
pub use recording::{
    CallMeasures, Completion, RecordWritten, RecordedEmbeddings, RecordedSpeech, RecordedStream,
    RecordedSttStream, RecordedTranscript, RecordingEmbedder, RecordingLlm, RecordingOptions,
    RecordingStt, RecordingTts, TokenUsage,
};
pub use speech_pricing::{SpeechPrice, SpeechUnit};
pub use unavailable::UnavailableLlm;
