//! HelloSales use cases: the application services that handlers call, and (as they arrive) the
//! pipelines, stages, prompts, guardrails and background jobs built on `stageflow`.
//!
//! Services depend on the domain's ports only (`Arc<dyn …Repository>`); the server wires the
//! concrete store and providers in.

pub mod guardrails;
pub mod observability;
pub mod services;

pub use guardrails::{GuardConfig, PiiMode, RuleBasedGuard};
pub use observability::{RunLogger, RunTotals};
pub use services::content::{CompanyProfileService, EditableService, VersionedService};
pub use services::identity::IdentityService;
