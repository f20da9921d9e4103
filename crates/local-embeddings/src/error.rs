//! [`LoadError`]: why a model folder could not be loaded. Errors of inference are
//! [`AppError`](hellosales_domain::error::AppError)s, built in `provider`.

use std::path::PathBuf;

/// How to get the model folder, repeated in every "missing" message.
pub(crate) const FETCH_HINT: &str = "fetch the model with `hellosales models fetch` \
    (`cargo run -p hellosales-server -- models fetch`), or point HELLOSALES_MODELS_DIR at a \
    folder that holds all-MiniLM-L6-v2/";

/// A model folder that cannot be used. Messages name the path and what to do; they never
/// contain file contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The model folder itself does not exist (or is not a directory).
    #[error("model folder {} not found: {FETCH_HINT}", .dir.display())]
    MissingFolder {
        /// The folder that was looked for.
        dir: PathBuf,
    },
    /// A required file of the folder is missing.
    #[error("model file {file} missing in {}: {FETCH_HINT}", .dir.display())]
    MissingFile {
        /// The model folder.
        dir: PathBuf,
        /// The missing file, relative to the folder (`model.safetensors`).
        file: &'static str,
    },
    /// A file exists but cannot be read.
    #[error("cannot read {}: {source}", .path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON configuration file is malformed or describes a model this crate cannot run
    /// (another pooling than mean, mismatched dimensions).
    #[error("invalid model configuration {}: {message}", .path.display())]
    InvalidConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// `tokenizer.json` cannot be read as a tokenizer.
    #[error("invalid tokenizer {}: {message}", .path.display())]
    Tokenizer {
        /// The file.
        path: PathBuf,
        /// The tokenizer library's message.
        message: String,
    },
    /// `model.safetensors` is not a safetensors file or lacks BERT weights.
    #[error("invalid model weights {}: {message}", .path.display())]
    Weights {
        /// The file.
        path: PathBuf,
        /// The tensor library's message.
        message: String,
    },
    /// The embedder options are out of range.
    #[error("invalid local embedder options: {message}")]
    InvalidOptions {
        /// Which option, and why.
        message: String,
    },
}

impl LoadError {
    /// Whether the model is simply not there yet (folder or file missing): the caller can
    /// fetch it, as opposed to a corrupt or unsupported folder.
    #[must_use]
    pub const fn is_missing(&self) -> bool {
        matches!(self, Self::MissingFolder { .. } | Self::MissingFile { .. })
    }
}
