//! Serde helpers that tell an absent field from an explicit `null` in partial updates.

use serde::{Deserialize, Deserializer};

/// Deserializes a present field as `Some(value)`, where `value` is `None` for `null`. With
/// `#[serde(default)]`, an absent field stays `None`: three states, "keep", "clear", "set".
///
/// # Errors
/// When the value is neither `null` nor a `T`.
pub(crate) fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Applies a "keep / set" update to a required field.
pub(crate) fn set<T>(target: &mut T, update: Option<T>) {
    if let Some(value) = update {
        *target = value;
    }
}

/// Applies a "keep / clear / set" update to a nullable field.
pub(crate) fn set_nullable<T>(target: &mut Option<T>, update: Option<Option<T>>) {
    if let Some(value) = update {
        *target = value;
    }
}

/// Applies a "keep / clear / set" update to a list field (`null` empties it).
pub(crate) fn set_list<T>(target: &mut Vec<T>, update: Option<Option<Vec<T>>>) {
    if let Some(value) = update {
        *target = value.unwrap_or_default();
    }
}
