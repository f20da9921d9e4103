//! The embedded default embedding model of HelloSales: sentence-transformers
//! **all-MiniLM-L6-v2** (384 dimensions) run in-process on the CPU with candle and the
//! `tokenizers` crate, behind the domain's
//! [`EmbeddingProvider`](hellosales_domain::ports::EmbeddingProvider) port.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use hellosales_domain::ports::{EmbeddingProvider, EmbeddingRequest};
//! use hellosales_local_embeddings::{EmbedderOptions, LocalEmbedder, default_model_dir};
//!
//! let dir = default_model_dir().ok_or("no home folder")?;
//! let embedder = LocalEmbedder::load(&dir, EmbedderOptions::default())?;
//! let request = EmbeddingRequest::new(embedder.model_id(), vec!["Hello, sales!".into()]);
//! let vectors = embedder.embed(request).await?.vectors;
//! assert_eq!(vectors[0].len(), 384);
//! # Ok(()) }
//! ```
//!
//! The model folder is a sentence-transformers folder (`config.json`, `tokenizer.json`,
//! `model.safetensors`, optionally `sentence_bert_config.json` and `1_Pooling/config.json`),
//! fetched by `hellosales models fetch` into `$HELLOSALES_MODELS_DIR` (default
//! `~/.cache/hellosales/models`). Vectors match sentence-transformers' (cosine ≥ 0.999, see
//! `tests/fixtures/minilm_reference.json`): mean pooling over the attention mask, then L2
//! normalisation.
//!
//! Modules: `files` (locating and validating the folder), `model` (BERT + pooling),
//! `admission` (bounded concurrency), `provider` (the port), `error` (load errors).

mod admission;
mod error;
mod files;
mod model;
mod provider;

pub use error::LoadError;
pub use files::{MODEL_NAME, MODELS_DIR_ENV, default_model_dir, default_models_dir};
pub use provider::{EmbedderOptions, LocalEmbedder, PROVIDER_NAME};
