//! Field validation that reports every offending field at once, as
//! [`FieldError`](crate::error::FieldError)s of one [`AppError::Validation`].
//!
//! Text is trimmed; an optional text that is blank after trimming becomes `None`. Lengths are
//! counted in characters, as the database's `VARCHAR(n)` does.

use crate::error::{AppError, AppResult, FieldError};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Longest free text (descriptions, notes, a script's content), in characters.
pub(crate) const MAX_TEXT: usize = 50_000;
/// Most items in a list field.
pub(crate) const MAX_ITEMS: usize = 100;
/// Longest item of a list field, in characters.
pub(crate) const MAX_ITEM: usize = 1_000;
/// Largest JSON object field (`pricing_info`), serialized, in bytes.
const MAX_OBJECT_BYTES: usize = 16 * 1024;

/// Collects the errors of one validation.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub(crate) fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, code, message));
    }

    /// A required text of at most `max` characters.
    pub(crate) fn required(&mut self, field: &str, value: &mut String, max: usize) {
        let trimmed = value.trim();
        if trimmed.len() != value.len() {
            *value = trimmed.to_owned();
        }
        if value.is_empty() {
            self.fail(field, "required", format!("{field} is required"));
        } else {
            self.length(field, value, max);
        }
    }

    /// An optional text of at most `max` characters; blank becomes `None`.
    pub(crate) fn optional(&mut self, field: &str, value: &mut Option<String>, max: usize) {
        if let Some(text) = value.as_mut() {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                *value = None;
                return;
            }
            if trimmed.len() != text.len() {
                *text = trimmed.to_owned();
            }
            self.length(field, text, max);
        }
    }

    fn length(&mut self, field: &str, value: &str, max: usize) {
        let count = value.chars().count();
        if count > max {
            self.fail(
                field,
                "too_long",
                format!("{field} has {count} characters; at most {max} are allowed"),
            );
        }
    }

    /// A list of short texts: trimmed, blank items refused, at most [`MAX_ITEMS`] of at most
    /// [`MAX_ITEM`] characters.
    pub(crate) fn list(&mut self, field: &str, items: &mut [String]) {
        if items.len() > MAX_ITEMS {
            self.fail(
                field,
                "too_many_items",
                format!(
                    "{field} has {} items; at most {MAX_ITEMS} are allowed",
                    items.len()
                ),
            );
            return;
        }
        for (index, item) in items.iter_mut().enumerate() {
            let path = format!("{field}[{index}]");
            self.required(&path, item, MAX_ITEM);
        }
    }

    /// A map of short texts to texts (objection → response).
    pub(crate) fn text_map(&mut self, field: &str, map: &mut BTreeMap<String, String>) {
        if map.len() > MAX_ITEMS {
            self.fail(
                field,
                "too_many_items",
                format!(
                    "{field} has {} entries; at most {MAX_ITEMS} are allowed",
                    map.len()
                ),
            );
            return;
        }
        let entries = std::mem::take(map);
        for (key, mut value) in entries {
            let key = key.trim().to_owned();
            if key.is_empty() {
                self.fail(field, "blank_key", format!("{field} has a blank key"));
                continue;
            }
            let path = format!("{field}.{key}");
            self.length(&path, &key, MAX_ITEM);
            self.required(&path, &mut value, MAX_ITEM * 4);
            map.insert(key, value);
        }
    }

    /// A free-form JSON object of bounded size.
    pub(crate) fn object(&mut self, field: &str, object: &Map<String, Value>) {
        let size = serde_json::to_vec(object).map_or(usize::MAX, |bytes| bytes.len());
        if size > MAX_OBJECT_BYTES {
            self.fail(
                field,
                "too_large",
                format!("{field} is {size} bytes of JSON; at most {MAX_OBJECT_BYTES} are allowed"),
            );
        }
    }

    /// An optional e-mail address (`local@domain.tld`, no spaces, at most 255 characters).
    pub(crate) fn email(&mut self, field: &str, value: &mut Option<String>) {
        self.optional(field, value, 255);
        if let Some(address) = value.as_deref()
            && !is_email(address)
        {
            self.fail(
                field,
                "invalid_email",
                format!("{field} is not an e-mail address"),
            );
        }
    }

    /// An optional absolute `http`/`https` URL.
    pub(crate) fn url(&mut self, field: &str, value: &mut Option<String>) {
        self.optional(field, value, 2_048);
        if let Some(text) = value.as_deref() {
            let valid = url::Url::parse(text).is_ok_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|host| !host.is_empty())
            });
            if !valid {
                self.fail(
                    field,
                    "invalid_url",
                    format!("{field} is not an absolute http(s) URL"),
                );
            }
        }
    }

    /// An optional whole number within `min..=max`.
    pub(crate) fn range(&mut self, field: &str, value: Option<i32>, min: i32, max: i32) {
        if let Some(number) = value
            && !(min..=max).contains(&number)
        {
            self.fail(
                field,
                "out_of_range",
                format!("{field} must be between {min} and {max}"),
            );
        }
    }

    /// Parses an enumerated value, reporting the allowed ones when it is not one of them.
    pub(crate) fn variant<T: std::str::FromStr>(
        &mut self,
        field: &str,
        value: &str,
        allowed: &[&str],
    ) -> Option<T> {
        match value.trim().parse() {
            Ok(parsed) => Some(parsed),
            Err(_) => {
                self.fail(
                    field,
                    "unknown_variant",
                    format!("{field} must be one of: {}", allowed.join(", ")),
                );
                None
            }
        }
    }

    /// `Ok` when nothing failed, else one validation error listing every field.
    pub(crate) fn finish(self) -> AppResult<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::invalid_fields(self.errors))
        }
    }
}

fn is_email(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let labels_ok = domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !address.chars().any(char::is_whitespace)
        && labels_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for good in [
            "a@b.co",
            "first.last+tag@sub.example.com",
            "x@xn--bcher-kva.de",
        ] {
            assert!(is_email(good), "{good}");
        }
        for bad in [
            "", "a", "a@", "@b.co", "a@b", "a b@c.de", "a@b..de", "a@-b.de", "a@@b.de",
        ] {
            assert!(!is_email(bad), "{bad}");
        }
    }

    #[test]
    fn every_failure_is_reported_and_text_is_normalised() {
        let mut checks = Checks::default();
        let mut name = "  Acme  ".to_owned();
        checks.required("name", &mut name, 10);
        assert_eq!(name, "Acme");
        let mut blank = Some("   ".to_owned());
        checks.optional("title", &mut blank, 10);
        assert_eq!(blank, None);
        let mut missing = String::new();
        checks.required("content", &mut missing, 10);
        let mut long = "x".repeat(11);
        checks.required("company", &mut long, 10);
        let mut items = vec!["ok".to_owned(), " ".to_owned()];
        checks.list("goals", &mut items);
        let Err(AppError::Validation { fields, .. }) = checks.finish() else {
            panic!("expected a validation error");
        };
        let names: Vec<_> = fields
            .iter()
            .map(|f| (f.field.as_str(), f.code.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("content", "required"),
                ("company", "too_long"),
                ("goals[1]", "required")
            ]
        );
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut checks = Checks::default();
        let mut name = "é".repeat(10);
        checks.required("name", &mut name, 10);
        assert!(checks.finish().is_ok());
    }
}
