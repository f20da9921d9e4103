//! The chat assistant: the `chat` pipeline, its stages and prompt, the [`ChatService`] that
//! runs one turn, the per-session turn order and the rolling summaries. Transports (WebSocket,
//! Server-Sent Events) live in the server; they send [`ChatUpdate`]s as frames or events.

mod locks;
pub mod pipeline;
pub mod prompt;
mod service;
pub mod stages;
pub mod summaries;
mod updates;

pub use locks::{SessionLocks, SessionTurn};
pub use pipeline::{CHAT_PIPELINE, CHAT_TOPOLOGY, ChatDeps, chat_pipeline};
pub use service::{ChatConfig, ChatInput, ChatService, ChatServiceParts, QualityMode};
pub(crate) use service::{completed, turn_error};
pub use summaries::{CompletedTurn, SummaryConfig, SummaryService};
pub use updates::{
    ChatAck, ChatBlocked, ChatCancelled, ChatComplete, ChatToken, ChatUpdate, ChatUsage,
};
