//! The sales content of an organization: its company profile, products, clients, and the
//! versioned sales scripts and emails written for them.
//!
//! Each resource comes in three shapes:
//! - an **input** (`ProductInput`, …): what a client sends, every field optional, so that one
//!   type serves create, replace and partial update (`null` clears a nullable field, an absent
//!   field leaves it as it is);
//! - its **fields** (`ProductFields`, …): the validated, normalised writable content. An input
//!   is only ever applied *onto* fields ([`ProductFields::apply`]) and the result validated as
//!   a whole, so create and update share one set of rules and report every offending field;
//! - the stored **record** (`Product`, …): the fields plus id, organization and timestamps.
//!
//! Fields and records also deserialize, so that pipeline stages can hand them to each other as
//! stage data (JSON). Requests never deserialize into them: only inputs come from clients.
//!
//! Listing is described by [`ListQuery`] (pagination, text search, sort) and a filter per
//! resource; results come back as a [`Page`]. What does not live here: storage (the
//! `ports::content` traits, implemented by the store) and HTTP.

mod client;
mod company_profile;
mod email;
mod generation;
mod kinds;
mod list;
mod patch;
mod product;
mod record;
mod script;
mod validate;
mod version;

pub use client::{Client, ClientFields, ClientFilter, ClientInput};
pub use company_profile::{CompanyProfile, CompanyProfileFields, CompanyProfileInput};
pub use email::{EmailFields, EmailFilter, EmailInput, SalesEmail};
pub use generation::Generation;
pub use kinds::{CompanySize, EmailType, ScriptType};
pub use list::{
    DEFAULT_LIMIT, ListParams, ListQuery, MAX_LIMIT, Page, PageParams, PageQuery, SortOrder,
};
pub use product::{Product, ProductFields, ProductFilter, ProductInput};
pub use record::{Editable, Record, Versioned};
pub use script::{SalesScript, ScriptFields, ScriptFilter, ScriptInput};
pub use version::{ETag, Precondition};

pub(crate) use validate::Checks;
