//! The content repositories: company profiles ([`CompanyProfiles`]) and the generic
//! [`ContentTable`], which stores products and clients (edited in place) and scripts and
//! emails (versioned) through the domain's `EditableStore` / `VersionedStore` ports.
//!
//! Each table says how its rows map to domain records in its own module (`products`,
//! `clients`, `scripts`, `emails`); what is the same for all of them (tenant scoping, paging,
//! search, compare-and-swap writes, version lines) lives once, in `table`.

mod clients;
mod company_profiles;
mod emails;
mod json;
mod products;
mod scripts;
mod table;

pub use company_profiles::CompanyProfiles;
pub use table::{ContentEntity, ContentTable, EditableEntity, VersionedEntity};

use crate::entities::{clients as client_rows, products as product_rows};
use crate::entities::{sales_emails as email_rows, sales_scripts as script_rows};

/// Products of any organization (every method takes the organization).
pub type ProductStore = ContentTable<product_rows::Entity>;
/// Clients of any organization.
pub type ClientStore = ContentTable<client_rows::Entity>;
/// Sales script versions of any organization.
pub type ScriptStore = ContentTable<script_rows::Entity>;
/// Sales email versions of any organization.
pub type EmailStore = ContentTable<email_rows::Entity>;
