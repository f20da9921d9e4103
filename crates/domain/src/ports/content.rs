//! The content ports: storage of company profiles, products, clients, scripts and emails.
//!
//! Every method takes the tenant's [`OrgId`] and touches only that organization's rows; a row
//! of another organization is answered exactly like a missing one. Writes that take an
//! `expected` timestamp are compare-and-swap: they apply only if the row still has that
//! `updated_at`, and answer `None` (or `false`) when it has changed, so that the service can
//! report `412 PRECONDITION_FAILED` or retry. Every write moves `updated_at` strictly forward.

use crate::content::{
    CompanyProfile, CompanyProfileFields, Editable, Generation, ListQuery, Page, Versioned,
};
use crate::error::AppResult;
use crate::ids::OrgId;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// Storage of the one company profile of each organization.
#[async_trait]
pub trait CompanyProfileStore: Send + Sync + 'static {
    /// The organization's profile, if it has one.
    async fn get(&self, org: OrgId) -> AppResult<Option<CompanyProfile>>;

    /// Creates the profile; `None` when the organization already has one.
    async fn create(
        &self,
        org: OrgId,
        fields: &CompanyProfileFields,
    ) -> AppResult<Option<CompanyProfile>>;

    /// Replaces the profile if it is still at `expected`; `None` when it changed or is gone.
    async fn replace(
        &self,
        org: OrgId,
        fields: &CompanyProfileFields,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<CompanyProfile>>;
}

/// Storage of records edited in place (products, clients).
#[async_trait]
pub trait EditableStore<T: Editable>: Send + Sync + 'static {
    /// Stores a new record.
    async fn insert(&self, org: OrgId, fields: &T::Fields) -> AppResult<T>;

    /// The record.
    ///
    /// # Errors
    /// `NotFound` when it does not exist in the organization.
    async fn get(&self, org: OrgId, id: T::Id) -> AppResult<T>;

    /// Whether the record exists in the organization (active or not).
    async fn exists(&self, org: OrgId, id: T::Id) -> AppResult<bool>;

    /// One page of the organization's records.
    async fn list(&self, org: OrgId, filter: &T::Filter, query: &ListQuery) -> AppResult<Page<T>>;

    /// Replaces the fields if the record is still at `expected`.
    async fn update(
        &self,
        org: OrgId,
        id: T::Id,
        fields: &T::Fields,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<T>>;

    /// Deletes the record for good if it is still at `expected`; `false` when it changed or is
    /// gone.
    async fn delete(&self, org: OrgId, id: T::Id, expected: DateTime<Utc>) -> AppResult<bool>;
}

/// Storage of versioned documents (scripts, emails). Versions form a line: the store refuses
/// a second version made from the same parent (`Conflict`).
#[async_trait]
pub trait VersionedStore<T: Versioned>: Send + Sync + 'static {
    /// Stores a new document, as version 1 (`parent` `None`) or as the next version of
    /// `parent`.
    ///
    /// # Errors
    /// `Conflict` when `parent` already has a next version.
    async fn insert(
        &self,
        org: OrgId,
        fields: &T::Fields,
        generation: &Generation,
        parent: Option<&T>,
    ) -> AppResult<T>;

    /// One version.
    ///
    /// # Errors
    /// `NotFound` when it does not exist in the organization.
    async fn get(&self, org: OrgId, id: T::Id) -> AppResult<T>;

    /// The version made from `id`, if any.
    async fn successor(&self, org: OrgId, id: T::Id) -> AppResult<Option<T>>;

    /// Every version of the document that `id` belongs to, oldest first.
    async fn lineage(&self, org: OrgId, id: T::Id) -> AppResult<Vec<T>>;

    /// One page of the organization's versions.
    async fn list(&self, org: OrgId, filter: &T::Filter, query: &ListQuery) -> AppResult<Page<T>>;

    /// Marks the version active or deleted, if it is still at `expected`.
    async fn set_active(
        &self,
        org: OrgId,
        id: T::Id,
        active: bool,
        expected: DateTime<Utc>,
    ) -> AppResult<Option<T>>;
}
