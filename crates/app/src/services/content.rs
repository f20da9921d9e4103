//! The content use cases: the company profile, products and clients (edited in place), and
//! sales scripts and emails (every edit a new version).
//!
//! Rules that hold for every resource:
//! - everything is scoped to the caller's organization (`OrgContext`); another
//!   organization's id is answered as not found;
//! - an input is applied onto the current fields and the result validated as a whole;
//! - a write with `If-Match` ([`Precondition`]) is compare-and-swap: it fails with
//!   `PRECONDITION_FAILED` if the record changed since the client read it. A write without one
//!   is retried on a concurrent change, so that it never overwrites fields it did not mean
//!   to change with stale values;
//! - a version is edited only once: editing a version that already has a next version is
//!   `INVALID_STATE` (edit the latest one), and of two concurrent edits of the same version
//!   exactly one wins;
//! - a product or client that a script or email refers to must belong to the organization
//!   (`VALIDATION_ERROR` on `product_id` / `client_id` otherwise).

use hellosales_domain::content::{Client, Product};
use hellosales_domain::content::{
    CompanyProfile, CompanyProfileFields, CompanyProfileInput, Editable, Generation, ListParams,
    Page, Precondition, Record, Versioned,
};
use hellosales_domain::error::FieldError;
use hellosales_domain::ports::{CompanyProfileStore, EditableStore, VersionedStore};
use hellosales_domain::{AppError, AppResult, OrgContext, Role};
use std::fmt;
use std::sync::Arc;

/// How often a write without `If-Match` is retried when a concurrent writer got there first.
const WRITE_ATTEMPTS: usize = 3;

/// `INSUFFICIENT_PERMISSIONS` unless the caller is an admin of its organization.
pub(crate) fn require_admin(caller: &OrgContext) -> AppResult<()> {
    if caller.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::InsufficientPermissions {
            required: Role::Admin.as_str().to_owned(),
        })
    }
}

fn changed_concurrently<R: Record>() -> AppError {
    AppError::Conflict {
        message: format!(
            "the {} kept changing while this request was applied; retry",
            R::RESOURCE.label()
        ),
    }
}

fn modified_since_read() -> AppError {
    AppError::precondition_failed("the resource was modified since the If-Match version")
}

/// The company profile of the caller's organization.
#[derive(Clone)]
pub struct CompanyProfileService {
    store: Arc<dyn CompanyProfileStore>,
}

impl fmt::Debug for CompanyProfileService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompanyProfileService")
            .finish_non_exhaustive()
    }
}

impl CompanyProfileService {
    /// The service over `store`.
    #[must_use]
    pub fn new(store: Arc<dyn CompanyProfileStore>) -> Self {
        Self { store }
    }

    /// The profile.
    ///
    /// # Errors
    /// `COMPANY_PROFILE_NOT_FOUND` until an admin has written one.
    pub async fn get(&self, caller: &OrgContext) -> AppResult<CompanyProfile> {
        self.store
            .get(caller.org_id)
            .await?
            .ok_or(AppError::NotFound {
                resource: hellosales_domain::error::Resource::CompanyProfile,
                id: None,
            })
    }

    /// Creates or replaces the profile (admins only); `true` when it was created.
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`, `VALIDATION_ERROR`, `PRECONDITION_FAILED`.
    pub async fn put(
        &self,
        caller: &OrgContext,
        input: CompanyProfileInput,
        precondition: &Precondition,
    ) -> AppResult<(CompanyProfile, bool)> {
        require_admin(caller)?;
        let fields = CompanyProfileFields::from_input(input)?;
        for _ in 0..WRITE_ATTEMPTS {
            match self.store.get(caller.org_id).await? {
                None => {
                    precondition.check_absent()?;
                    if let Some(created) = self.store.create(caller.org_id, &fields).await? {
                        return Ok((created, true));
                    }
                }
                Some(current) => {
                    precondition.check(&current.etag())?;
                    let replaced = self
                        .store
                        .replace(caller.org_id, &fields, current.updated_at)
                        .await?;
                    match replaced {
                        Some(profile) => return Ok((profile, false)),
                        None if precondition.is_conditional() => {
                            return Err(modified_since_read());
                        }
                        None => {}
                    }
                }
            }
        }
        Err(AppError::Conflict {
            message: "the company profile kept changing while this request was applied; retry"
                .to_owned(),
        })
    }
}

/// Products or clients of the caller's organization.
pub struct EditableService<T: Editable> {
    store: Arc<dyn EditableStore<T>>,
}

impl<T: Editable> Clone for EditableService<T> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
        }
    }
}

impl<T: Editable> fmt::Debug for EditableService<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EditableService")
            .field("resource", &T::RESOURCE.label())
            .finish_non_exhaustive()
    }
}

impl<T: Editable> EditableService<T> {
    /// The service over `store`.
    #[must_use]
    pub fn new(store: Arc<dyn EditableStore<T>>) -> Self {
        Self { store }
    }

    /// Creates a record.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    pub async fn create(&self, caller: &OrgContext, input: T::Input) -> AppResult<T> {
        let fields = T::apply(T::blank(), input)?;
        self.store.insert(caller.org_id, &fields).await
    }

    /// One record.
    ///
    /// # Errors
    /// `*_NOT_FOUND` when it is not the organization's.
    pub async fn get(&self, caller: &OrgContext, id: T::Id) -> AppResult<T> {
        self.store.get(caller.org_id, id).await
    }

    /// One page of records.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` for bad paging or sort parameters.
    pub async fn list(
        &self,
        caller: &OrgContext,
        filter: &T::Filter,
        params: ListParams,
    ) -> AppResult<Page<T>> {
        let query = params.validate(T::SORTABLE)?;
        self.store.list(caller.org_id, filter, &query).await
    }

    /// Applies `input` to the record. An input that changes nothing writes nothing.
    ///
    /// # Errors
    /// `*_NOT_FOUND`, `VALIDATION_ERROR`, `PRECONDITION_FAILED`.
    pub async fn update(
        &self,
        caller: &OrgContext,
        id: T::Id,
        input: T::Input,
        precondition: &Precondition,
    ) -> AppResult<T> {
        self.write(caller, id, precondition, |fields| {
            T::apply(fields, input.clone())
        })
        .await
    }

    /// Archives (`is_active = false`) the record. Archiving an archived record changes nothing.
    ///
    /// # Errors
    /// `*_NOT_FOUND`, `PRECONDITION_FAILED`.
    pub async fn archive(
        &self,
        caller: &OrgContext,
        id: T::Id,
        precondition: &Precondition,
    ) -> AppResult<T> {
        self.write(caller, id, precondition, |fields| {
            Ok(T::with_active(fields, false))
        })
        .await
    }

    /// Deletes the record for good (admins only).
    ///
    /// # Errors
    /// `INSUFFICIENT_PERMISSIONS`, `*_NOT_FOUND`, `PRECONDITION_FAILED`.
    pub async fn delete(
        &self,
        caller: &OrgContext,
        id: T::Id,
        precondition: &Precondition,
    ) -> AppResult<()> {
        require_admin(caller)?;
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.store.get(caller.org_id, id).await?;
            precondition.check(&current.etag())?;
            if self
                .store
                .delete(caller.org_id, id, current.updated_at())
                .await?
            {
                return Ok(());
            }
            if precondition.is_conditional() {
                return Err(modified_since_read());
            }
        }
        Err(changed_concurrently::<T>())
    }

    /// Reads the record, checks the precondition, computes the new fields with `change` and
    /// writes them if the record has not changed meanwhile. Without a precondition, a
    /// concurrent write makes it start over from the fresh record, so that the change is
    /// applied to what is current and never writes back stale values of other fields.
    async fn write(
        &self,
        caller: &OrgContext,
        id: T::Id,
        precondition: &Precondition,
        change: impl Fn(T::Fields) -> AppResult<T::Fields> + Send + Sync,
    ) -> AppResult<T> {
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.store.get(caller.org_id, id).await?;
            precondition.check(&current.etag())?;
            let fields = change(current.fields().clone())?;
            if &fields == current.fields() {
                // Nothing changes: no write, and the entity tag stays.
                return Ok(current);
            }
            let written = self
                .store
                .update(caller.org_id, id, &fields, current.updated_at())
                .await?;
            if let Some(record) = written {
                return Ok(record);
            }
            if precondition.is_conditional() {
                return Err(modified_since_read());
            }
        }
        Err(changed_concurrently::<T>())
    }
}

/// Scripts or emails of the caller's organization.
pub struct VersionedService<T: Versioned> {
    store: Arc<dyn VersionedStore<T>>,
    products: Arc<dyn EditableStore<Product>>,
    clients: Arc<dyn EditableStore<Client>>,
}

impl<T: Versioned> Clone for VersionedService<T> {
    fn clone(&self) -> Self {
        Self {
            store: Arc::clone(&self.store),
            products: Arc::clone(&self.products),
            clients: Arc::clone(&self.clients),
        }
    }
}

impl<T: Versioned> fmt::Debug for VersionedService<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VersionedService")
            .field("resource", &T::RESOURCE.label())
            .finish_non_exhaustive()
    }
}

impl<T: Versioned> VersionedService<T> {
    /// The service over `store`, checking references against `products` and `clients`.
    #[must_use]
    pub fn new(
        store: Arc<dyn VersionedStore<T>>,
        products: Arc<dyn EditableStore<Product>>,
        clients: Arc<dyn EditableStore<Client>>,
    ) -> Self {
        Self {
            store,
            products,
            clients,
        }
    }

    /// Creates version 1 of a new document.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` (fields, or a product / client not of the organization).
    pub async fn create(
        &self,
        caller: &OrgContext,
        input: T::Input,
        generation: &Generation,
    ) -> AppResult<T> {
        let fields = T::apply(T::blank(), input)?;
        self.check_references(caller, &fields).await?;
        self.store
            .insert(caller.org_id, &fields, generation, None)
            .await
    }

    /// One version.
    ///
    /// # Errors
    /// `*_NOT_FOUND` when it is not the organization's.
    pub async fn get(&self, caller: &OrgContext, id: T::Id) -> AppResult<T> {
        self.store.get(caller.org_id, id).await
    }

    /// One page of versions.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` for bad paging or sort parameters.
    pub async fn list(
        &self,
        caller: &OrgContext,
        filter: &T::Filter,
        params: ListParams,
    ) -> AppResult<Page<T>> {
        let query = params.validate(T::SORTABLE)?;
        self.store.list(caller.org_id, filter, &query).await
    }

    /// Every version of the document `id` belongs to, oldest first.
    ///
    /// # Errors
    /// `*_NOT_FOUND` when it is not the organization's.
    pub async fn versions(&self, caller: &OrgContext, id: T::Id) -> AppResult<Vec<T>> {
        self.store.lineage(caller.org_id, id).await
    }

    /// Makes the next version of `id` from `input` (the edited version stays as it was).
    ///
    /// # Errors
    /// `*_NOT_FOUND`; `INVALID_STATE` when `id` already has a next version;
    /// `PRECONDITION_FAILED` when `If-Match` names another state, or a concurrent edit made
    /// the next version first; `VALIDATION_ERROR`.
    pub async fn edit(
        &self,
        caller: &OrgContext,
        id: T::Id,
        input: T::Input,
        generation: &Generation,
        precondition: &Precondition,
    ) -> AppResult<T> {
        let current = self.store.get(caller.org_id, id).await?;
        precondition.check(&current.etag())?;
        if let Some(next) = self.store.successor(caller.org_id, id).await? {
            return Err(superseded(&current, &next));
        }
        let fields = T::apply(current.fields().clone(), input)?;
        self.check_references(caller, &fields).await?;
        match self
            .store
            .insert(caller.org_id, &fields, generation, Some(&current))
            .await
        {
            Err(AppError::Conflict { .. }) if precondition.is_conditional() => {
                Err(modified_since_read())
            }
            Err(AppError::Conflict { .. }) => {
                match self.store.successor(caller.org_id, id).await? {
                    Some(next) => Err(superseded(&current, &next)),
                    None => Err(changed_concurrently::<T>()),
                }
            }
            other => other,
        }
    }

    /// Marks the version deleted (soft). Deleting a deleted version changes nothing.
    ///
    /// # Errors
    /// `*_NOT_FOUND`, `PRECONDITION_FAILED`.
    pub async fn delete(
        &self,
        caller: &OrgContext,
        id: T::Id,
        precondition: &Precondition,
    ) -> AppResult<()> {
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.store.get(caller.org_id, id).await?;
            precondition.check(&current.etag())?;
            if !current.is_active() {
                return Ok(());
            }
            let deleted = self
                .store
                .set_active(caller.org_id, id, false, current.updated_at())
                .await?;
            if deleted.is_some() {
                return Ok(());
            }
            if precondition.is_conditional() {
                return Err(modified_since_read());
            }
        }
        Err(changed_concurrently::<T>())
    }

    async fn check_references(&self, caller: &OrgContext, fields: &T::Fields) -> AppResult<()> {
        let (product, client) = T::references(fields);
        let mut errors = Vec::new();
        if let Some(product) = product
            && !self.products.exists(caller.org_id, product).await?
        {
            errors.push(FieldError::new(
                "product_id",
                "not_found",
                format!("product {product} does not exist in this organization"),
            ));
        }
        if let Some(client) = client
            && !self.clients.exists(caller.org_id, client).await?
        {
            errors.push(FieldError::new(
                "client_id",
                "not_found",
                format!("client {client} does not exist in this organization"),
            ));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(errors))
        }
    }
}

fn superseded<T: Versioned>(current: &T, next: &T) -> AppError {
    AppError::InvalidState {
        message: format!(
            "version {} of this {} was already edited into version {} ({}); edit the latest \
             version",
            current.version(),
            T::RESOURCE.label(),
            next.version(),
            next.id()
        ),
    }
}
