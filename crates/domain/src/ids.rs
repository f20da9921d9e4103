//! Typed identifiers. Every id is a UUID (v7 for new rows, so ids sort by creation time); the
//! newtypes stop an organization id from being passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
            utoipa::ToSchema,
        )]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUID v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

typed_id!(
    /// Identifies a user (a row of `users`).
    UserId
);
typed_id!(
    /// Identifies an organization, the tenant (a row of `organizations`).
    OrgId
);
typed_id!(
    /// Identifies a product (a row of `products`).
    ProductId
);
typed_id!(
    /// Identifies a client (a row of `clients`).
    ClientId
);
typed_id!(
    /// Identifies one version of a sales script (a row of `sales_scripts`).
    ScriptId
);
typed_id!(
    /// Identifies one version of a sales email (a row of `sales_emails`).
    EmailId
);
typed_id!(
    /// Identifies a session: a conversation of one user (a row of `sessions`).
    SessionId
);
typed_id!(
    /// Identifies one message of a session (a row of `interactions`).
    InteractionId
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ids_are_time_ordered_and_round_trip() {
        let a = OrgId::new();
        let b = OrgId::new();
        assert!(a < b, "v7 ids sort by creation time");
        let parsed: OrgId = a.to_string().parse().unwrap();
        assert_eq!(parsed, a);
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{a}\""));
    }
}
