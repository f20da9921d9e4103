//! How the local model runs: which file, how many threads, contexts and queued requests.

use std::path::PathBuf;

/// The settings of [`LocalLlm`](crate::LocalLlm).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalLlmSettings {
    /// The GGUF file (`LOCAL_MODEL_PATH`).
    pub model_path: PathBuf,
    /// The model id recorded in provider calls and answers.
    pub model_id: String,
    /// CPU threads per generation (`LOCAL_MODEL_THREADS`). On a busy machine fewer threads
    /// decode faster: llama.cpp's threads spin while they wait for each other.
    pub threads: u16,
    /// Tokens of context per worker, prompt and answer together (`LOCAL_MODEL_CONTEXT`).
    pub context_tokens: u32,
    /// Generations that run at once, each with its own context (`LOCAL_MODEL_CONCURRENCY`).
    pub workers: u16,
    /// Requests that may wait for a worker before `PROVIDER_BUSY` (`LOCAL_MODEL_QUEUE`).
    pub queue_depth: u16,
    /// Tokens generated when a request sets no `max_tokens` (`LOCAL_MODEL_MAX_TOKENS`).
    pub default_max_tokens: u32,
    /// The sampler seed of the first request; each request adds one (`LOCAL_MODEL_SEED`).
    pub seed: u32,
}

impl LocalLlmSettings {
    /// Settings for `model_path` with the defaults for this machine: one worker using up to
    /// four of the available cores, 4096 tokens of context, four queued requests.
    pub fn new(model_path: impl Into<PathBuf>, model_id: impl Into<String>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
        Self {
            model_path: model_path.into(),
            model_id: model_id.into(),
            threads: u16::try_from(cores.min(4)).unwrap_or(1),
            context_tokens: 4096,
            workers: 1,
            queue_depth: 4,
            default_max_tokens: 1024,
            seed: 42,
        }
    }
}
