//! The HelloSales domain: typed ids, entities, typed errors and the ports (traits) that the
//! storage and provider layers implement.
//!
//! This crate performs no I/O and depends on no other HelloSales crate. Everything above it
//! (`store`, `providers`, `app`, `server`) speaks in these types.

pub mod content;
pub mod dead_letters;
pub mod error;
pub mod identity;
pub mod ids;
pub mod ports;
pub mod pulse;
pub mod pulse_metrics;
pub mod retention;
pub mod semantic;
pub mod sessions;

pub use error::{AppError, AppResult, ErrorDetails};
pub use identity::{ExternalIdentity, Me, Membership, OrgContext, Organization, Role, User};
pub use ids::{ClientId, EmailId, InteractionId, OrgId, ProductId, ScriptId, SessionId, UserId};
