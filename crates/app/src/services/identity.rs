//! Resolving a verified token identity to our user, organization and role.
//!
//! The first sight of a (subject, organization) creates the rows through the
//! [`IdentityRepository`]; later tokens update email, name and role. Resolutions are cached in
//! memory, keyed by everything the token asserts, so that an authenticated request costs no
//! database round trip while a token with a changed role or email still reaches the database.

use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{AppResult, ExternalIdentity, Me, OrgId, UserId};
use moka::future::Cache;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// How long a resolved identity is trusted without asking the database again.
const CACHE_TTL: Duration = Duration::from_secs(300);
/// How many identities are kept.
const CACHE_CAPACITY: u64 = 10_000;

/// Resolves token identities to database ids, with a cache in front of the repository.
#[derive(Clone)]
pub struct IdentityService {
    repository: Arc<dyn IdentityRepository>,
    cache: Cache<ExternalIdentity, ResolvedIdentity>,
}

impl fmt::Debug for IdentityService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityService")
            .field("cached", &self.cache.entry_count())
            .finish_non_exhaustive()
    }
}

impl IdentityService {
    /// A service over `repository` with the default cache.
    #[must_use]
    pub fn new(repository: Arc<dyn IdentityRepository>) -> Self {
        Self {
            repository,
            cache: Cache::builder()
                .max_capacity(CACHE_CAPACITY)
                .time_to_live(CACHE_TTL)
                .build(),
        }
    }

    /// The user, organization and role for a verified identity, creating or updating rows on
    /// first sight. Concurrent first sights are made safe by the repository (an upsert), not by
    /// the cache: failures are never cached.
    ///
    /// # Errors
    /// Whatever the repository returns (database unavailable, …).
    pub async fn resolve(&self, identity: &ExternalIdentity) -> AppResult<ResolvedIdentity> {
        if let Some(hit) = self.cache.get(identity).await {
            return Ok(hit);
        }
        let resolved = self.repository.upsert_identity(identity).await?;
        self.cache.insert(identity.clone(), resolved).await;
        Ok(resolved)
    }

    /// The caller as `GET /auth/me` shows it.
    ///
    /// # Errors
    /// `NotFound` when the user is not a member of the organization.
    pub async fn me(&self, user_id: UserId, org_id: OrgId) -> AppResult<Me> {
        self.repository.me(user_id, org_id).await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use async_trait::async_trait;
    use hellosales_domain::{AppError, Role};
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Default)]
    struct CountingRepository {
        upserts: AtomicUsize,
    }

    #[async_trait]
    impl IdentityRepository for CountingRepository {
        async fn upsert_identity(
            &self,
            identity: &ExternalIdentity,
        ) -> AppResult<ResolvedIdentity> {
            self.upserts.fetch_add(1, Ordering::SeqCst);
            if identity.subject == "broken" {
                return Err(AppError::ServiceUnavailable {
                    message: "database unavailable".into(),
                });
            }
            Ok(ResolvedIdentity {
                user_id: UserId::new(),
                org_id: OrgId::new(),
                role: identity.role,
            })
        }

        async fn me(&self, _: UserId, _: OrgId) -> AppResult<Me> {
            Err(AppError::not_found(
                hellosales_domain::error::Resource::User,
                "x",
            ))
        }

        async fn organization(&self, _: OrgId) -> AppResult<hellosales_domain::Organization> {
            Err(AppError::not_found(
                hellosales_domain::error::Resource::Organization,
                "x",
            ))
        }

        async fn user(&self, _: UserId) -> AppResult<hellosales_domain::User> {
            Err(AppError::not_found(
                hellosales_domain::error::Resource::User,
                "x",
            ))
        }
    }

    fn identity(subject: &str, role: Role) -> ExternalIdentity {
        ExternalIdentity {
            auth_provider: "dev".into(),
            subject: subject.into(),
            org_external_id: "org_acme".into(),
            email: Some("a@acme.test".into()),
            display_name: None,
            role,
        }
    }

    #[tokio::test]
    async fn repeated_resolutions_hit_the_cache_and_changed_claims_do_not() {
        let repo = Arc::new(CountingRepository::default());
        let service = IdentityService::new(repo.clone());
        let first = service
            .resolve(&identity("u1", Role::Member))
            .await
            .unwrap();
        let again = service
            .resolve(&identity("u1", Role::Member))
            .await
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(repo.upserts.load(Ordering::SeqCst), 1);

        let promoted = service.resolve(&identity("u1", Role::Admin)).await.unwrap();
        assert_eq!(promoted.role, Role::Admin);
        assert_eq!(repo.upserts.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn failures_are_returned_typed_and_not_cached() {
        let repo = Arc::new(CountingRepository::default());
        let service = IdentityService::new(repo.clone());
        let err = service
            .resolve(&identity("broken", Role::Member))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
        let _ = service.resolve(&identity("broken", Role::Member)).await;
        assert_eq!(repo.upserts.load(Ordering::SeqCst), 2);
    }
}
