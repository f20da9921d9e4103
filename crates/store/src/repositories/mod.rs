//! Repositories: the implementations of the domain's storage ports, on SeaORM.
//!
//! # The tenancy rule
//! Every query on a tenant-owned table (products, clients, scripts, emails, sessions, …)
//! starts from a constructor that takes the tenant's [`OrgId`](hellosales_domain::OrgId), for
//! example `Products::for_org(&store, org_id)`, and every statement it issues filters on that
//! organization. There is no constructor without one, so forgetting the tenant does not
//! compile. A row of another organization is answered exactly like a missing row
//! (`AppError::NotFound`): never a permission error, never its data.
//!
//! The identity repository is the one exception: it creates the tenants themselves, from a
//! verified token, and reads a caller's own membership.
//!
//! Repositories return domain types and [`AppResult`](hellosales_domain::AppResult); database
//! errors go through [`crate::error::db_error`].

mod content;
mod dead_letters;
mod idempotency;
mod identity;
mod paging;
mod pipeline_runs;
mod provider_calls;
mod pulse;
mod pulse_metrics;
mod retention;
mod semantic;
mod sessions;

pub use content::{
    ClientStore, CompanyProfiles, ContentEntity, ContentTable, EditableEntity, EmailStore,
    ProductStore, ScriptStore, VersionedEntity,
};
pub use dead_letters::DeadLetters;
pub use idempotency::{Claim, IDEMPOTENCY_TTL, IdempotencyKeys, StoredResponse};
pub use identity::IdentityStore;
pub use pipeline_runs::PipelineRuns;
pub(crate) use pipeline_runs::clip;
pub use provider_calls::ProviderCalls;
pub use pulse::Pulse;
pub use retention::Retention;
pub use semantic::SemanticIndex;
pub use sessions::Sessions;

use chrono::{DateTime, Duration, SubsecRound, Utc};

/// The current time at the precision both backends store (microseconds), so that a value
/// written and read back compares equal on SQLite and PostgreSQL alike.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// The timestamp of a write after one at `previous`: now, but always strictly later, so that
/// every write changes a record's entity tag even within one microsecond.
pub(crate) fn later_than(previous: DateTime<Utc>) -> DateTime<Utc> {
    Ord::max(now(), previous + Duration::microseconds(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_always_move_time_forward() {
        let future = now() + Duration::seconds(5);
        assert_eq!(later_than(future), future + Duration::microseconds(1));
        assert!(later_than(now() - Duration::seconds(5)) > now() - Duration::seconds(1));
    }
}
