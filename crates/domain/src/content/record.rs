//! What the generic content services need to know about each resource: [`Record`] for
//! products and clients (edited in place), [`Versioned`] for scripts and emails (every edit a
//! new version).

use super::version::ETag;
use super::{
    Client, ClientFields, ClientFilter, ClientInput, EmailFields, EmailFilter, EmailInput, Product,
    ProductFields, ProductFilter, ProductInput, SalesEmail, SalesScript, ScriptFields,
    ScriptFilter, ScriptInput,
};
use crate::error::{AppResult, Resource};
use crate::ids::{ClientId, EmailId, ProductId, ScriptId};
use chrono::{DateTime, Utc};
use std::fmt::{Debug, Display};

/// A stored content record with an id, validated fields and an update timestamp.
pub trait Record: Clone + Debug + Send + Sync + 'static {
    /// Its id type.
    type Id: Copy + Debug + Display + Send + Sync + 'static;
    /// Its validated fields.
    type Fields: Clone + Debug + PartialEq + Send + Sync + 'static;
    /// The filters of its list.
    type Filter: Debug + Send + Sync + 'static;
    /// What a client sends to create or change it.
    type Input: Clone + Debug + Send + Sync + 'static;
    /// Which resource it is (for not-found errors).
    const RESOURCE: Resource;
    /// The fields its list sorts by.
    const SORTABLE: &'static [&'static str];

    /// The fields a new record starts from, before its input is applied.
    fn blank() -> Self::Fields;
    /// Applies `input` onto `fields` and validates the result.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` listing every offending field.
    fn apply(fields: Self::Fields, input: Self::Input) -> AppResult<Self::Fields>;
    /// Its id.
    fn id(&self) -> Self::Id;
    /// When it was last written (its entity tag derives from this).
    fn updated_at(&self) -> DateTime<Utc>;
    /// Its entity tag.
    fn etag(&self) -> ETag {
        ETag::of(self.updated_at())
    }
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
    /// False once deleted.
    fn is_active(&self) -> bool;
    /// The product and client its fields refer to.
    fn references(fields: &Self::Fields) -> (Option<ProductId>, Option<ClientId>);
}

macro_rules! record {
    ($record:ty, $id:ty, $fields:ty, $filter:ty, $input:ty, $blank:expr, $resource:expr) => {
        impl Record for $record {
            type Id = $id;
            type Fields = $fields;
            type Filter = $filter;
            type Input = $input;
            const RESOURCE: Resource = $resource;
            const SORTABLE: &'static [&'static str] = <$filter>::SORTABLE;

            fn blank() -> $fields {
                $blank
            }

            fn apply(fields: $fields, input: $input) -> AppResult<$fields> {
                fields.apply(input)
            }

            fn id(&self) -> $id {
                self.id
            }

            fn updated_at(&self) -> DateTime<Utc> {
                self.updated_at
            }
        }
    };
}

record!(
    Product,
    ProductId,
    ProductFields,
    ProductFilter,
    ProductInput,
    ProductFields::new_active(),
    Resource::Product
);
record!(
    Client,
    ClientId,
    ClientFields,
    ClientFilter,
    ClientInput,
    ClientFields::new_active(),
    Resource::Client
);
record!(
    SalesScript,
    ScriptId,
    ScriptFields,
    ScriptFilter,
    ScriptInput,
    ScriptFields::default(),
    Resource::Script
);
record!(
    SalesEmail,
    EmailId,
    EmailFields,
    EmailFilter,
    EmailInput,
    EmailFields::default(),
    Resource::Email
);

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

    fn is_active(&self) -> bool {
        self.is_active
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

    fn is_active(&self) -> bool {
        self.is_active
    }

    fn references(fields: &EmailFields) -> (Option<ProductId>, Option<ClientId>) {
        (fields.product_id, fields.client_id)
    }
}
