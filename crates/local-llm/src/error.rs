//! Why the local model could not be loaded.

use std::path::PathBuf;

/// A failure to load the local model or start its workers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The GGUF file does not exist.
    #[error(
        "the local model file {} does not exist: run `hellosales models fetch` (or set \
         LOCAL_MODEL_PATH to a llama-architecture GGUF)",
        .0.display()
    )]
    Missing(PathBuf),
    /// llama.cpp could not be initialised.
    #[error("llama.cpp could not be initialised: {0}")]
    Backend(String),
    /// llama.cpp could not read the file as a model.
    #[error("the local model file {} could not be loaded: {message}", .path.display())]
    Model {
        /// The file.
        path: PathBuf,
        /// llama.cpp's reason.
        message: String,
    },
    /// A worker could not create its inference context (usually: not enough memory for the
    /// context size).
    #[error("the local model's inference context could not be created: {0}")]
    Context(String),
    /// The settings are unusable (zero workers, a zero context).
    #[error("invalid local model settings: {0}")]
    Settings(String),
}
