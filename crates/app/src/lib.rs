//! HelloSales use cases: the application services that handlers call, the pipelines, stages
//! and prompts built on `stageflow` (the chat assistant), the prompts and structured-answer
//! parsing of script and email generation, guardrails and background jobs.
//!
//! Services depend on the domain's ports only (`Arc<dyn …Repository>`); the server wires the
//! concrete store and providers in.

pub mod chat;
pub mod generation;
pub mod guardrails;
pub mod observability;
pub mod services;

pub use guardrails::{GuardConfig, PiiMode, RuleBasedGuard};
pub use observability::{RunLogger, RunTotals};
pub use services::content::{CompanyProfileService, EditableService, VersionedService};
pub use services::identity::IdentityService;
pub use services::pulse::PulseService;
pub use services::sessions::SessionService;
