//! Conversions between the domain's lists and objects and the JSON columns that hold them.

use hellosales_domain::{AppError, AppResult};
use sea_orm::JsonValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A list or object as a JSON column value.
pub(super) fn to_json<T: Serialize>(value: &T) -> JsonValue {
    serde_json::to_value(value).unwrap_or(JsonValue::Null)
}

/// A JSON column read back as a list or object; `NULL` is the empty value. A stored value of
/// another shape is an internal error naming the column (the API never writes one).
pub(super) fn from_json<T: DeserializeOwned + Default>(
    value: Option<JsonValue>,
    column: &str,
) -> AppResult<T> {
    match value {
        None | Some(JsonValue::Null) => Ok(T::default()),
        Some(value) => serde_json::from_value(value).map_err(|e| {
            AppError::internal(format!("the stored {column} has an unexpected shape: {e}"))
        }),
    }
}
