//! The sales-content routes under `/api/v1`: the company profile, products, clients, and the
//! versioned scripts and emails. Handlers read the request (our extractors), call the content
//! services with the caller's [`OrgContext`](hellosales_domain::OrgContext) and answer JSON
//! with `ETag`s; every rule (validation, tenancy, preconditions, versions) lives in the
//! services.

pub mod clients;
pub mod company_profile;
mod editable;
pub mod emails;
pub mod generate;
pub mod products;
pub mod scripts;
mod versioned;

use serde::{Deserialize, Serialize};

/// `?hard=true`: delete for good instead of archiving (admins only).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeleteParams {
    /// Delete the row for good (admins only) instead of archiving it.
    #[serde(default)]
    pub hard: bool,
}

/// Every version of a script or email, oldest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Versions<T> {
    /// The versions, oldest first.
    pub items: Vec<T>,
}
