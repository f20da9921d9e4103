//! [`PipelineRegistry`]: maps pipeline names to factories, built once on first use.
//!
//! There is no global registry: the application builds one at startup and shares it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::error::BuildError;
use crate::pipeline::Pipeline;

/// Why the registry could not give a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// No pipeline has that name.
    #[error("unknown pipeline `{name}` (known: {})", known.join(", "))]
    Unknown {
        /// The requested name.
        name: String,
        /// The registered names, sorted.
        known: Vec<String>,
    },
    /// A pipeline with that name is already registered.
    #[error("pipeline `{name}` is already registered")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// The factory could not build the pipeline.
    #[error("pipeline `{name}` failed to build: {source}")]
    Build {
        /// The name.
        name: String,
        /// Why.
        #[source]
        source: BuildError,
    },
}

type Factory = Arc<dyn Fn() -> Result<Pipeline, BuildError> + Send + Sync>;

struct Entry {
    factory: Factory,
    /// What the factory gave, once it ran.
    built: OnceLock<Result<Pipeline, BuildError>>,
}

/// Pipeline factories by name. Each factory runs once, on the first [`get`](Self::get) of its
/// name, even when several threads ask at the same time (the others wait for it); later calls
/// return the same (cheaply cloned) [`Pipeline`], so its interceptors' state, such as circuit
/// breakers, is shared by all runs. A factory that fails is not run again: later calls return
/// the same [`RegistryError::Build`]. (A factory that panics has not run: the next call runs it.
/// A factory must not call `get` for its own name, which would wait for itself.)
///
/// ```
/// use stageflow::{FnStage, Pipeline, PipelineRegistry, RegistryError, StageKind, StageOutput, StageSpec};
///
/// let mut registry = PipelineRegistry::new();
/// registry.register("chat", || {
///     Pipeline::builder("chat")
///         .stage(StageSpec::new("llm", FnStage::new(|_| async { Ok(StageOutput::ok()) }), StageKind::Transform))
///         .build()
/// })?;
/// assert_eq!(registry.get("chat")?.name(), "chat");
/// assert_eq!(
///     registry.get("email").map(|_| ()).unwrap_err().to_string(),
///     "unknown pipeline `email` (known: chat)"
/// );
/// # Ok::<(), RegistryError>(())
/// ```
#[derive(Default)]
pub struct PipelineRegistry {
    entries: BTreeMap<String, Entry>,
}

impl PipelineRegistry {
    /// An empty registry.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `factory` under `name`.
    ///
    /// # Errors
    /// [`RegistryError::Duplicate`] when the name is taken.
    pub fn register<F>(&mut self, name: impl Into<String>, factory: F) -> Result<(), RegistryError>
    where
        F: Fn() -> Result<Pipeline, BuildError> + Send + Sync + 'static,
    {
        let name = name.into();
        if self.entries.contains_key(&name) {
            return Err(RegistryError::Duplicate { name });
        }
        let entry = Entry {
            factory: Arc::new(factory),
            built: OnceLock::new(),
        };
        self.entries.insert(name, entry);
        Ok(())
    }

    /// Registers an already built pipeline under `name`.
    ///
    /// # Errors
    /// [`RegistryError::Duplicate`] when the name is taken.
    pub fn register_pipeline(
        &mut self,
        name: impl Into<String>,
        pipeline: Pipeline,
    ) -> Result<(), RegistryError> {
        self.register(name, move || Ok(pipeline.clone()))
    }

    /// The pipeline registered under `name`, built on first use (by this call, or by a
    /// concurrent one that this call waits for).
    ///
    /// # Errors
    /// [`RegistryError::Unknown`] (listing the known names) or [`RegistryError::Build`].
    pub fn get(&self, name: &str) -> Result<Pipeline, RegistryError> {
        let entry = self
            .entries
            .get(name)
            .ok_or_else(|| RegistryError::Unknown {
                name: name.to_owned(),
                known: self.entries.keys().cloned().collect(),
            })?;
        entry
            .built
            .get_or_init(|| (entry.factory)())
            .clone()
            .map_err(|source| RegistryError::Build {
                name: name.to_owned(),
                source,
            })
    }

    /// The registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// Whether `name` is registered.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }
}

impl fmt::Debug for PipelineRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipelineRegistry")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]

    use super::*;
    use crate::{FnStage, StageKind, StageOutput, StageSpec};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn pipeline(name: &str) -> Result<Pipeline, BuildError> {
        Pipeline::builder(name)
            .stage(StageSpec::new(
                "only",
                FnStage::new(|_| async { Ok(StageOutput::ok()) }),
                StageKind::Work,
            ))
            .build()
    }

    #[test]
    fn factories_run_once_and_unknown_names_list_the_known_ones() -> Result<(), RegistryError> {
        let calls = Arc::new(AtomicUsize::new(0));
        let mut registry = PipelineRegistry::new();
        let counter = Arc::clone(&calls);
        registry.register("chat", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            pipeline("chat")
        })?;
        registry.register_pipeline(
            "email",
            pipeline("email").map_err(|source| RegistryError::Build {
                name: "email".into(),
                source,
            })?,
        )?;
        registry.get("chat")?;
        registry.get("chat")?;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(registry.get("email")?.name(), "email");
        assert_eq!(
            registry.get("script").err(),
            Some(RegistryError::Unknown {
                name: "script".into(),
                known: vec!["chat".into(), "email".into()]
            })
        );
        assert_eq!(
            registry.register("chat", || pipeline("chat")),
            Err(RegistryError::Duplicate {
                name: "chat".into()
            })
        );
        Ok(())
    }

    #[test]
    fn build_errors_name_the_pipeline() {
        let mut registry = PipelineRegistry::new();
        let registered = registry.register("broken", || Pipeline::builder("broken").build());
        assert!(registered.is_ok());
        assert!(matches!(
            registry.get("broken"),
            Err(RegistryError::Build { ref name, source: BuildError::Empty { .. } }) if name == "broken"
        ));
    }

    #[test]
    fn simultaneous_first_gets_run_the_factory_once() -> Result<(), RegistryError> {
        const CALLERS: usize = 4;
        for _ in 0..20 {
            let calls = Arc::new(AtomicUsize::new(0));
            let arrived = Arc::new(AtomicUsize::new(0));
            let mut registry = PipelineRegistry::new();
            let (counter, waiting) = (Arc::clone(&calls), Arc::clone(&arrived));
            registry.register("chat", move || {
                if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                    // The first build lasts until every caller asked, and a while more: long
                    // enough for the others to find the pipeline not built yet.
                    while waiting.load(Ordering::SeqCst) < CALLERS {
                        std::thread::yield_now();
                    }
                    for _ in 0..1000 {
                        if counter.load(Ordering::SeqCst) > 1 {
                            break;
                        }
                        std::thread::yield_now();
                    }
                }
                pipeline("chat")
            })?;
            let registry = &registry;
            let built: Vec<Result<Pipeline, RegistryError>> = std::thread::scope(|scope| {
                let handles: Vec<_> = (0..CALLERS)
                    .map(|_| {
                        let arrived = Arc::clone(&arrived);
                        scope.spawn(move || {
                            arrived.fetch_add(1, Ordering::SeqCst);
                            registry.get("chat")
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|handle| handle.join().expect("a caller panicked"))
                    .collect()
            });
            assert_eq!(calls.load(Ordering::SeqCst), 1);
            for pipeline in built {
                assert_eq!(pipeline?.name(), "chat");
            }
        }
        Ok(())
    }

    #[test]
    fn a_failed_build_is_not_run_again() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&calls);
        let mut registry = PipelineRegistry::new();
        let registered = registry.register("broken", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Pipeline::builder("broken").build()
        });
        assert!(registered.is_ok());
        assert!(registry.get("broken").is_err());
        assert!(registry.get("broken").is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
