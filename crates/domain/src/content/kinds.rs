//! The enumerated values of the content tables, stored as their snake_case names.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Declares a string-backed enum: serde names, `as_str`, `FromStr`, `Display`, `ALL`, and an
/// OpenAPI schema of exactly those strings (written by hand: the derive cannot read a
/// `serde(rename)` whose value comes from a macro argument, and would list the variant names).
macro_rules! string_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            /// Every value, as written in the API and the database.
            pub const ALL: &'static [&'static str] = &[$($text),+];

            /// The value as written in the API and the database.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        Self::ALL.join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .enum_values(Some(Self::ALL.iter().copied()))
                    .default(Some(serde_json::Value::from(Self::default().as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

string_enum!(
    /// What a sales call script is for.
    ScriptType {
        /// A first call to a prospect.
        ColdCall = "cold_call",
        /// A call after an earlier contact.
        FollowUp = "follow_up",
        /// A product demonstration.
        Demo = "demo",
        /// A call that asks for the deal.
        Closing = "closing",
        /// Anything else (the default).
        #[default]
        General = "general",
    }
);

string_enum!(
    /// What a sales email is for.
    EmailType {
        /// A first email to a prospect.
        ColdOutreach = "cold_outreach",
        /// An email after an earlier contact.
        FollowUp = "follow_up",
        /// A proposal.
        Proposal = "proposal",
        /// An email that asks for the deal.
        Closing = "closing",
        /// Anything else (the default).
        #[default]
        General = "general",
    }
);

string_enum!(
    /// How many people a company employs.
    CompanySize {
        /// A young company of any size.
        #[default]
        Startup = "startup",
        /// 1 to 10 people.
        UpTo10 = "1-10",
        /// 10 to 50 people.
        UpTo50 = "10-50",
        /// 50 to 200 people.
        UpTo200 = "50-200",
        /// 200 to 1000 people.
        UpTo1000 = "200-1000",
        /// More than 1000 people.
        Over1000 = "1000+",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_text_and_json() {
        for text in CompanySize::ALL {
            let size: CompanySize = text.parse().unwrap_or_default();
            assert_eq!(size.as_str(), *text);
            assert_eq!(
                serde_json::to_value(size).ok(),
                Some(serde_json::json!(text))
            );
        }
        assert_eq!("demo".parse::<ScriptType>(), Ok(ScriptType::Demo));
        assert!("Demo".parse::<ScriptType>().is_err());
        assert!("proposal".parse::<ScriptType>().is_err());
        assert_eq!("proposal".parse::<EmailType>(), Ok(EmailType::Proposal));
    }
}

#[cfg(test)]
mod schema_tests {
    #![allow(clippy::expect_used)]
    use super::{CompanySize, EmailType, ScriptType};
    use utoipa::PartialSchema;

    #[test]
    fn the_openapi_schema_lists_the_strings_of_the_api() {
        let script = serde_json::to_value(ScriptType::schema()).expect("json");
        assert_eq!(script["type"], "string");
        assert_eq!(script["enum"], serde_json::json!(ScriptType::ALL));
        assert_eq!(script["default"], "general");
        let email = serde_json::to_value(EmailType::schema()).expect("json");
        assert_eq!(email["enum"][0], "cold_outreach");
        let size = serde_json::to_value(CompanySize::schema()).expect("json");
        assert_eq!(size["enum"][5], "1000+");
    }
}
