//! Optimistic concurrency: the entity tag of a stored record and the `If-Match` precondition
//! that a write may carry.
//!
//! A record's tag is derived from its `updated_at`, which every write moves strictly forward
//! (the store guarantees it), so two states of one record never share a tag. Writes with a
//! precondition are compare-and-swap in the store: the row changes only if it still has the
//! timestamp the tag was made from.

use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use std::fmt;

/// A strong entity tag, as sent in `ETag` (quotes included).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ETag(String);

impl ETag {
    /// The tag of a record last written at `updated_at`.
    #[must_use]
    pub fn of(updated_at: DateTime<Utc>) -> Self {
        Self(format!("\"{:x}\"", updated_at.timestamp_micros()))
    }

    /// The tag as an `ETag` header value.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The precondition of a write, from its `If-Match` header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match`: the write applies to whatever is current.
    #[default]
    None,
    /// `If-Match: *`: the record must exist.
    Exists,
    /// `If-Match: "a", "b"`: the record's current tag must be one of these (strong comparison;
    /// weak tags never match).
    OneOf(Vec<String>),
}

impl Precondition {
    /// Parses an `If-Match` header value (`None` when the header is absent).
    #[must_use]
    pub fn from_if_match(header: Option<&str>) -> Self {
        let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) else {
            return Self::None;
        };
        if value == "*" {
            return Self::Exists;
        }
        Self::OneOf(
            value
                .split(',')
                .map(str::trim)
                .filter(|tag| !tag.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }

    /// Whether the client asked for a conditional write.
    #[must_use]
    pub const fn is_conditional(&self) -> bool {
        !matches!(self, Self::None)
    }

    /// Checks the precondition against the current tag of an existing record.
    ///
    /// # Errors
    /// `PRECONDITION_FAILED` when the record has another tag.
    pub fn check(&self, current: &ETag) -> AppResult<()> {
        match self {
            Self::None | Self::Exists => Ok(()),
            Self::OneOf(tags) if tags.iter().any(|tag| tag == current.as_str()) => Ok(()),
            Self::OneOf(_) => Err(AppError::precondition_failed(format!(
                "the resource has changed: its current ETag is {current}"
            ))),
        }
    }

    /// Checks the precondition when the record does not exist (yet).
    ///
    /// # Errors
    /// `PRECONDITION_FAILED` for any conditional write.
    pub fn check_absent(&self) -> AppResult<()> {
        if self.is_conditional() {
            Err(AppError::precondition_failed(
                "If-Match was given but the resource does not exist",
            ))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn tags_follow_the_timestamp_and_if_match_compares_strongly() {
        let t = Utc.timestamp_micros(1_700_000_000_000_001).single();
        let Some(t) = t else { panic!("valid time") };
        let tag = ETag::of(t);
        assert_ne!(tag, ETag::of(t + chrono::Duration::microseconds(1)));
        assert!(Precondition::None.check(&tag).is_ok());
        assert!(Precondition::from_if_match(Some("*")).check(&tag).is_ok());
        let list = format!("\"nope\", {tag}");
        assert!(Precondition::from_if_match(Some(&list)).check(&tag).is_ok());
        let weak = format!("W/{tag}");
        let err = Precondition::from_if_match(Some(&weak)).check(&tag);
        assert!(matches!(err, Err(AppError::PreconditionFailed { .. })));
        assert!(Precondition::from_if_match(None).check_absent().is_ok());
        assert!(Precondition::Exists.check_absent().is_err());
    }
}
