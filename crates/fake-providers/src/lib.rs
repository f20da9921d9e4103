//! A fake LLM provider server for tests: a real HTTP server on `127.0.0.1` that speaks the
//! OpenAI chat completions (streamed and whole) and embeddings wire formats, and Gemini's
//! `generateContent` / `streamGenerateContent?alt=sse`.
//!
//! Each test scripts the replies ([`Reply`]: text in given chunks, usage or none, a delay
//! before the first chunk, a mid-stream disconnect, error statuses, invalid JSON) and reads
//! back every request the server received ([`RecordedRequest`]). Embeddings are fixed vectors
//! ([`Reply::embeddings`]) or computed from the inputs' words ([`Reply::hashed_embeddings`]),
//! so that a search can be ranked through the real HTTP path. [`Reply::matching_schema`]
//! answers whatever structured output a request asks for; the `fake-llm` binary serves that
//! on a fixed port for the web client's end-to-end tests.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use hellosales_fake_providers::{FakeProviderServer, Reply};
//! let server = FakeProviderServer::start().await?;
//! server.push(Reply::text(["Hel", "lo"]).with_usage(12, 2));
//! server.push(Reply::rate_limited(7));
//! // point a client at server.openai_base_url() or server.gemini_base_url() …
//! let sent = server.requests();
//! # Ok(()) }
//! ```

mod deliver;
mod gemini;
mod hashed;
mod openai;
mod recorded;
mod reply;
mod schema_instance;
mod server;
mod stt;
mod tts;

pub use recorded::RecordedRequest;
pub use reply::{Disconnect, Reply};
pub use server::FakeProviderServer;
pub use stt::{FakeSttServer, MultipartField, RecordedSttRequest, SttReply, sine_wav};
pub use tts::{
    FAKE_MP3, FAKE_OGG_OPUS, FakeTtsServer, MIN_TONE_MS, RecordedTtsRequest, TONE_MS_PER_CHAR,
    TONE_SAMPLE_RATE, TtsReply,
};
