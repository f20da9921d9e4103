//! [`StageInputs`]: the outputs of the stages a stage declared as dependencies, with typed access,
//! and [`InputError`], what a missing or mistyped value turns into.
//!
//! A stage sees only its declared dependencies: an undeclared stage is an error, never a race.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{StageError, StageErrorKind, codes};
use crate::output::StageData;
use crate::results::StageResult;
use crate::stage::StageStatus;

/// Why reading an input (or a config value) failed. Converts into a non-retryable
/// [`StageError`] so that `?` works inside a stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// No (non-skipped) dependency produced the key.
    #[error("no dependency produced `{key}`")]
    Missing {
        /// The key looked for.
        key: String,
    },
    /// The named dependency did not produce the key.
    #[error("stage `{stage}` produced no `{key}`")]
    MissingFrom {
        /// The dependency.
        stage: String,
        /// The key looked for.
        key: String,
    },
    /// The named dependency skipped, so it produced no data.
    #[error("stage `{stage}` was skipped")]
    Skipped {
        /// The dependency.
        stage: String,
    },
    /// The named stage is not a declared dependency of the reading stage.
    #[error("stage `{stage}` is not a declared dependency")]
    NotADependency {
        /// The stage named by the reader.
        stage: String,
    },
    /// The value exists but does not deserialize into the requested type.
    #[error("`{key}` from stage `{stage}` has an unexpected type: {message}")]
    Mistyped {
        /// The dependency that produced the value.
        stage: String,
        /// The key.
        key: String,
        /// The deserializer's explanation.
        message: String,
    },
    /// A run config value does not deserialize into the requested type.
    #[error("config value `{key}` has an unexpected type: {message}")]
    MistypedConfig {
        /// The config key.
        key: String,
        /// The deserializer's explanation.
        message: String,
    },
}

impl InputError {
    /// The machine code: `INPUT_MISSING` or `INPUT_INVALID`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Mistyped { .. } | Self::MistypedConfig { .. } => codes::INPUT_INVALID,
            Self::Missing { .. }
            | Self::MissingFrom { .. }
            | Self::Skipped { .. }
            | Self::NotADependency { .. } => codes::INPUT_MISSING,
        }
    }

    fn is_absent(&self) -> bool {
        matches!(
            self,
            Self::Missing { .. } | Self::MissingFrom { .. } | Self::Skipped { .. }
        )
    }
}

impl From<InputError> for StageError {
    fn from(error: InputError) -> Self {
        Self::with_kind(
            StageErrorKind::Input,
            error.code(),
            error.to_string(),
            false,
        )
        .with_source(error)
    }
}

/// The output of one dependency: its recorded result.
pub(crate) type InputEntry = Arc<StageResult>;

/// The outputs of the stages a stage declared as dependencies, in declaration order.
///
/// [`get`](Self::get) searches the dependencies that did not skip, in declaration order, and
/// returns the first value found; [`get_from`](Self::get_from) reads one named dependency.
/// Values deserialize into any [`Deserialize`] type, borrowed ones included (`&str`).
///
/// ```
/// # use stageflow::{StageInputs, StageError};
/// # fn read(inputs: &StageInputs) -> Result<(), StageError> {
/// let response: String = inputs.get("response")?;
/// let filtered: Option<bool> = inputs.get_opt("filtered")?;
/// let text: &str = inputs.get_from("llm", "response")?;
/// # let _ = (response, filtered, text);
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct StageInputs {
    entries: Arc<[InputEntry]>,
}

impl StageInputs {
    pub(crate) fn new(entries: impl IntoIterator<Item = InputEntry>) -> Self {
        Self {
            entries: entries.into_iter().collect(),
        }
    }

    /// The value of `key` from the first non-skipped dependency that has it.
    ///
    /// # Errors
    /// [`InputError::Missing`] when no dependency has it, [`InputError::Mistyped`] when it does
    /// not deserialize into `T`.
    pub fn get<'a, T: Deserialize<'a>>(&'a self, key: &str) -> Result<T, InputError> {
        let (stage, value) = self.find(key).ok_or_else(|| InputError::Missing {
            key: key.to_owned(),
        })?;
        deserialize(stage, key, value)
    }

    /// Like [`get`](Self::get), but an absent key (or a skipped dependency) is `Ok(None)`.
    ///
    /// # Errors
    /// [`InputError::Mistyped`] when the value exists but does not deserialize into `T`.
    pub fn get_opt<'a, T: Deserialize<'a>>(&'a self, key: &str) -> Result<Option<T>, InputError> {
        optional(self.get(key))
    }

    /// The value of `key` produced by the dependency `stage`.
    ///
    /// # Errors
    /// [`InputError::NotADependency`], [`InputError::Skipped`], [`InputError::MissingFrom`] or
    /// [`InputError::Mistyped`].
    pub fn get_from<'a, T: Deserialize<'a>>(
        &'a self,
        stage: &str,
        key: &str,
    ) -> Result<T, InputError> {
        let entry = self.entry(stage)?;
        if entry.status == StageStatus::Skip {
            return Err(InputError::Skipped {
                stage: stage.to_owned(),
            });
        }
        let value = entry.data.get(key).ok_or_else(|| InputError::MissingFrom {
            stage: stage.to_owned(),
            key: key.to_owned(),
        })?;
        deserialize(&entry.name, key, value)
    }

    /// Like [`get_from`](Self::get_from), but an absent key or a skipped dependency is `Ok(None)`.
    ///
    /// # Errors
    /// [`InputError::NotADependency`] or [`InputError::Mistyped`].
    pub fn get_from_opt<'a, T: Deserialize<'a>>(
        &'a self,
        stage: &str,
        key: &str,
    ) -> Result<Option<T>, InputError> {
        optional(self.get_from(stage, key))
    }

    /// The raw JSON value of `key` from the first non-skipped dependency that has it.
    #[must_use]
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.find(key).map(|(_, value)| value)
    }

    /// Whether a non-skipped dependency produced `key`.
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.find(key).is_some()
    }

    /// All the data of the dependency `stage` (the skip reason, if it skipped).
    #[must_use]
    pub fn output(&self, stage: &str) -> Option<&StageData> {
        self.entry(stage).ok().map(|entry| &entry.data)
    }

    /// The status of the dependency `stage` (`Ok` or `Skip`).
    #[must_use]
    pub fn status(&self, stage: &str) -> Option<StageStatus> {
        self.entry(stage).ok().map(|entry| entry.status)
    }

    /// The declared dependencies, in declaration order.
    pub fn stages(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|entry| entry.name.as_ref())
    }

    /// The number of declared dependencies.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the stage has no dependency.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn find(&self, key: &str) -> Option<(&str, &Value)> {
        self.entries
            .iter()
            .filter(|entry| entry.status != StageStatus::Skip)
            .find_map(|entry| {
                entry
                    .data
                    .get(key)
                    .map(|value| (entry.name.as_ref(), value))
            })
    }

    fn entry(&self, stage: &str) -> Result<&InputEntry, InputError> {
        self.entries
            .iter()
            .find(|entry| entry.name.as_ref() == stage)
            .ok_or_else(|| InputError::NotADependency {
                stage: stage.to_owned(),
            })
    }
}

fn deserialize<'a, T: Deserialize<'a>>(
    stage: &str,
    key: &str,
    value: &'a Value,
) -> Result<T, InputError> {
    T::deserialize(value).map_err(|error| InputError::Mistyped {
        stage: stage.to_owned(),
        key: key.to_owned(),
        message: error.to_string(),
    })
}

fn optional<T>(result: Result<T, InputError>) -> Result<Option<T>, InputError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.is_absent() => Ok(None),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(stage: &str, status: StageStatus, data: Value) -> InputEntry {
        Arc::new(StageResult::recorded(
            stage.into(),
            status,
            crate::output::value_to_data(data),
        ))
    }

    fn inputs() -> StageInputs {
        StageInputs::new(vec![
            entry(
                "guard",
                StageStatus::Ok,
                json!({"input_text": "hi", "validated": true}),
            ),
            entry("profile", StageStatus::Skip, json!({"reason": "no user"})),
            entry(
                "llm",
                StageStatus::Ok,
                json!({"response": "hello", "tokens": 3}),
            ),
        ])
    }

    #[test]
    fn typed_access_by_key_and_by_stage() -> Result<(), InputError> {
        let inputs = inputs();
        assert_eq!(inputs.get::<String>("response")?, "hello");
        assert_eq!(inputs.get::<&str>("input_text")?, "hi");
        assert_eq!(inputs.get_from::<u32>("llm", "tokens")?, 3);
        assert_eq!(inputs.get_opt::<bool>("filtered")?, None);
        assert_eq!(inputs.status("profile"), Some(StageStatus::Skip));
        assert_eq!(
            inputs.stages().collect::<Vec<_>>(),
            ["guard", "profile", "llm"]
        );
        Ok(())
    }

    #[test]
    fn skipped_dependencies_are_not_searched() {
        let inputs = inputs();
        assert_eq!(
            inputs.get::<String>("reason"),
            Err(InputError::Missing {
                key: "reason".into()
            })
        );
        assert_eq!(
            inputs.get_from::<String>("profile", "reason"),
            Err(InputError::Skipped {
                stage: "profile".into()
            })
        );
        assert_eq!(
            inputs.get_from_opt::<String>("profile", "profile"),
            Ok(None)
        );
    }

    #[test]
    fn missing_and_mistyped_values_are_typed_errors() {
        let inputs = inputs();
        let mistyped = inputs.get::<u32>("response");
        assert!(matches!(mistyped, Err(InputError::Mistyped { ref stage, .. }) if stage == "llm"));
        assert!(matches!(
            inputs.get_opt::<u32>("response"),
            Err(InputError::Mistyped { .. })
        ));
        assert_eq!(
            inputs.get_from::<String>("persist", "x"),
            Err(InputError::NotADependency {
                stage: "persist".into()
            })
        );
        let error = StageError::from(InputError::Missing { key: "k".into() });
        assert_eq!(error.code(), codes::INPUT_MISSING);
        assert!(!error.retryable());
    }
}
