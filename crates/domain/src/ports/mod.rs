//! Ports: the traits through which the application reaches storage and outside providers.
//! Implementations live in `hellosales-store` and `hellosales-providers`; tests may supply fakes.

pub mod content;
pub mod dead_letters;
pub mod embedding;
pub mod guard;
pub mod identity;
pub mod llm;
pub mod pipeline_runs;
pub mod provider_calls;
pub mod pulse;
pub mod semantic;
pub mod sessions;
pub mod speech;

pub use content::{CompanyProfileStore, EditableStore, VersionedStore};
pub use dead_letters::DeadLetterStore;
pub use embedding::{EMBEDDING_OPERATION, EmbeddingProvider, EmbeddingRequest, Embeddings};
pub use guard::{GuardCategory, GuardPolicy, GuardService, GuardVerdict};
pub use identity::IdentityRepository;
pub use llm::ChatCompletion;
pub use llm::{
    ChatEvent, ChatMessage, ChatRequest, ChatRole, ChatStream, LLM_OPERATION, LlmProvider,
};
pub use pipeline_runs::{
    PipelineRunOutcome, PipelineRunStart, PipelineRunStatus, PipelineRunStore, RUN_ABANDONED,
};
pub use provider_calls::{AiService, CallContext, ProviderCallRecord, ProviderCallStore};
pub use pulse::{MAX_RUN_EVENTS, PulseStore};
pub use semantic::SemanticIndexStore;
pub use sessions::SessionStore;
pub use speech::{
    AudioFormat, STT_OPERATION, SpeechAudio, SttProvider, SttRequest, SttStream, TTS_OPERATION,
    Transcript, TtsProvider, TtsRequest,
};
