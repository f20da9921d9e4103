//! The identity port: turning a verified token identity into users, organizations and
//! memberships, and reading them back.

use crate::error::AppResult;
use crate::identity::{ExternalIdentity, Me, Organization, ResolvedIdentity, User};
use crate::ids::{OrgId, UserId};
use async_trait::async_trait;

/// Storage of users, organizations and memberships.
#[async_trait]
pub trait IdentityRepository: Send + Sync + 'static {
    /// Creates or updates the user, the organization and the membership that `identity`
    /// describes, and returns their ids. Must be race-safe: any number of concurrent calls for a
    /// new (subject, organization) create exactly one user, one organization and one membership.
    /// Later calls update the user's email and name and the membership's role from the identity.
    async fn upsert_identity(&self, identity: &ExternalIdentity) -> AppResult<ResolvedIdentity>;

    /// The user, the organization and the role, for `GET /auth/me`.
    ///
    /// # Errors
    /// `NotFound` when the user is not a member of the organization.
    async fn me(&self, user_id: UserId, org_id: OrgId) -> AppResult<Me>;

    /// An organization (its name and settings, for the pipelines of its members).
    ///
    /// # Errors
    /// `ORGANIZATION_NOT_FOUND`.
    async fn organization(&self, org_id: OrgId) -> AppResult<Organization>;

    /// A user (their name, for the pipelines they run).
    ///
    /// # Errors
    /// `USER_NOT_FOUND`.
    async fn user(&self, user_id: UserId) -> AppResult<User>;
}
