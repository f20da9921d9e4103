//! What the generic content services need to know about each resource: [`Record`] for
//! products and clients (edited in place), [`Versioned`] for scripts and emails (every edit a
//! new version).

use super::{
    Client, ClientFields, ClientFilter, EmailFields, EmailFilter, Product, ProductFields,
    ProductFilter, SalesEmail, SalesScript, ScriptFields, ScriptFilter,
};
use crate::error::Resource;
use crate::ids::{ClientId, EmailId, ProductId, ScriptId};
use chrono::{DateTime, Utc};
use std::fmt::{Debug, Display};

/// A stored content record with an id, validated fields and an update timestamp.
pub trait Record: Clone + Debug + Send + Sync + 'static {
    /// Its id type.
    type Id: Copy + Debug + Display + Send + Sync + 'static;
    /// Its validated fields.
    type Fields: Clone + Debug + Send + Sync + 'static;
    /// The filters of its list.
    type Filter: Debug + Send + Sync + 'static;
    /// Which resource it is (for not-found errors).
    const RESOURCE: Resource;
    /// The fields its list sorts by.
    const SORTABLE: &'static [&'static str];

    /// Its id.
    fn id(&self) -> Self::Id;
    /// When it was last written (its entity tag derives from this).
    fn updated_at(&self) -> DateTime<Utc>;
}

/// A record edited in place, which can be archived (`is_active = false`).
pub trait Editable: Record {
    /// Its fields.
    fn fields(&self) -> &Self::Fields;
    /// The same fields, archived or restored.
    fn with_active(fields: Self::Fields, active: bool) -> Self::Fields;
}

/// A versioned document: each edit is a new record pointing at its parent.
pub trait Versioned: Record {
    /// Its fields.
    fn fields(&self) -> &Self::Fields;
    /// Its version number (from 1).
    fn version(&self) -> i32;
    /// The product and client its fields refer to.
    fn references(fields: &Self::Fields) -> (Option<ProductId>, Option<ClientId>);
}

macro_rules! record {
    ($record:ty, $id:ty, $fields:ty, $filter:ty, $resource:expr) => {
        impl Record for $record {
            type Id = $id;
            type Fields = $fields;
            type Filter = $filter;
            const RESOURCE: Resource = $resource;
            const SORTABLE: &'static [&'static str] = <$filter>::SORTABLE;

            fn id(&self) -> $id {
                self.id
            }

            fn updated_at(&self) -> DateTime<Utc> {
                self.updated_at
            }
        }
    };
}

record!(Product, ProductId, ProductFields, ProductFilter, Resource::Product);
record!(Client, ClientId, ClientFields, ClientFilter, Resource::Client);
record!(SalesScript, ScriptId, ScriptFields, ScriptFilter, Resource::Script);
record!(SalesEmail, EmailId, EmailFields, EmailFilter, Resource::Email);

impl Editable for Product {
    fn fields(&self) -> &ProductFields {
        &self.fields
    }

    fn with_active(fields: ProductFields, active: bool) -> ProductFields {
        ProductFields {
            is_active: active,
            ..fields
        }
    }
}

impl Editable for Client {
    fn fields(&self) -> &ClientFields {
        &self.fields
    }

    fn with_active(fields: ClientFields, active: bool) -> ClientFields {
        ClientFields {
            is_active: active,
            ..fields
        }
    }
}

impl Versioned for SalesScript {
    fn fields(&self) -> &ScriptFields {
        &self.fields
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn references(fields: &ScriptFields) -> (Option<ProductId>, Option<ClientId>) {
        (fields.product_id, fields.client_id)
    }
}

impl Versioned for SalesEmail {
    fn fields(&self) -> &EmailFields {
        &self.fields
    }

    fn version(&self) -> i32 {
        self.version
    }

    fn references(fields: &EmailFields) -> (Option<ProductId>, Option<ClientId>) {
        (fields.product_id, fields.client_id)
    }
}
