//! HelloSales use cases: the application services that handlers call, the pipelines, stages
//! and prompts built on `stageflow` (the chat assistant, script and email generation), the
//! streaming of LLM answers they share, guardrails, semantic search and memory, and background
//! jobs.
//!
//! Services depend on the domain's ports only (`Arc<dyn …Repository>`); the server wires the
//! concrete store and providers in.

/// `Debug` for pipeline stages: their name only (their dependencies are services without one).
macro_rules! stage_debug {
    ($($stage:ident),* $(,)?) => {$(
        impl std::fmt::Debug for $stage {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($stage)).finish_non_exhaustive()
            }
        }
    )*};
}

pub mod chat;
pub mod dead_letters;
pub mod generation;
pub mod guardrails;
pub mod observability;
mod route_notices;
pub mod semantic;
pub mod services;
mod streamed;
pub mod voice;

pub use guardrails::{GuardConfig, PiiMode, RuleBasedGuard};
pub use observability::{RunLogger, RunTotals};
pub use services::content::{CompanyProfileService, EditableService, VersionedService};
pub use services::identity::IdentityService;
pub use services::pulse::PulseService;
pub use services::sessions::SessionService;
