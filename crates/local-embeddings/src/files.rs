//! Locating and validating a sentence-transformers model folder: which files must be there,
//! and the two settings read from its small JSON files (sequence length, pooling). No tensors
//! are read here.

use crate::error::LoadError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The folder name (and reported model id) of the default model.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// The environment variable naming the folder that holds model folders.
pub const MODELS_DIR_ENV: &str = "HELLOSALES_MODELS_DIR";

/// The BERT configuration.
pub(crate) const CONFIG_FILE: &str = "config.json";
/// The tokenizer, in the `tokenizers` JSON format.
pub(crate) const TOKENIZER_FILE: &str = "tokenizer.json";
/// The weights.
pub(crate) const WEIGHTS_FILE: &str = "model.safetensors";
/// Optional: `max_seq_length`.
const SENTENCE_BERT_CONFIG_FILE: &str = "sentence_bert_config.json";
/// Optional: the pooling mode, which must be mean pooling.
const POOLING_CONFIG_FILE: &str = "1_Pooling/config.json";

/// sentence-transformers' sequence length for all-MiniLM-L6-v2, used when the folder has no
/// `sentence_bert_config.json`.
const DEFAULT_MAX_SEQ_LENGTH: usize = 256;

/// Where model folders live unless configured otherwise: `$HELLOSALES_MODELS_DIR`, else
/// `~/.cache/hellosales/models`. `None` when neither the variable nor a home folder is known.
#[must_use]
pub fn default_models_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(MODELS_DIR_ENV).filter(|dir| !dir.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(|home| PathBuf::from(home).join(".cache/hellosales/models"))
}

/// The default model's folder: [`default_models_dir`]`/all-MiniLM-L6-v2`.
#[must_use]
pub fn default_model_dir() -> Option<PathBuf> {
    default_models_dir().map(|dir| dir.join(MODEL_NAME))
}

/// A model folder whose required files exist, with its settings read.
#[derive(Clone, Debug)]
pub(crate) struct ModelFiles {
    /// The reported model id: the folder's name.
    pub model_id: String,
    pub config: PathBuf,
    pub tokenizer: PathBuf,
    pub weights: PathBuf,
    /// Longer inputs are truncated to this many tokens (special tokens included).
    pub max_seq_length: usize,
    /// The vector size, from `config.json`'s `hidden_size`.
    pub dimensions: usize,
}

#[derive(Deserialize)]
struct BertShape {
    hidden_size: usize,
    max_position_embeddings: usize,
}

#[derive(Deserialize)]
struct SentenceBertConfig {
    max_seq_length: usize,
}

#[derive(Deserialize)]
#[allow(clippy::struct_excessive_bools)] // the file's own shape
struct PoolingConfig {
    word_embedding_dimension: usize,
    #[serde(default)]
    pooling_mode_cls_token: bool,
    #[serde(default)]
    pooling_mode_mean_tokens: bool,
    #[serde(default)]
    pooling_mode_max_tokens: bool,
    #[serde(default)]
    pooling_mode_mean_sqrt_len_tokens: bool,
}

impl ModelFiles {
    /// Checks that `dir` holds a usable folder and reads its settings. `max_seq_length`
    /// overrides the folder's own (both are capped by the model's position embeddings).
    pub(crate) fn locate(dir: &Path, max_seq_length: Option<usize>) -> Result<Self, LoadError> {
        if !dir.is_dir() {
            return Err(LoadError::MissingFolder {
                dir: dir.to_path_buf(),
            });
        }
        let required = |file: &'static str| {
            let path = dir.join(file);
            if path.is_file() {
                Ok(path)
            } else {
                Err(LoadError::MissingFile {
                    dir: dir.to_path_buf(),
                    file,
                })
            }
        };
        let config = required(CONFIG_FILE)?;
        let tokenizer = required(TOKENIZER_FILE)?;
        let weights = required(WEIGHTS_FILE)?;

        let shape: BertShape = read_json(&config)?;
        let pooling = dir.join(POOLING_CONFIG_FILE);
        if pooling.is_file() {
            check_pooling(&pooling, &read_json(&pooling)?, shape.hidden_size)?;
        }
        let folder_length = {
            let path = dir.join(SENTENCE_BERT_CONFIG_FILE);
            if path.is_file() {
                read_json::<SentenceBertConfig>(&path)?.max_seq_length
            } else {
                DEFAULT_MAX_SEQ_LENGTH
            }
        };
        let max_seq_length = max_seq_length
            .unwrap_or(folder_length)
            .min(shape.max_position_embeddings);
        if max_seq_length < 2 {
            return Err(LoadError::InvalidOptions {
                message: format!(
                    "max_seq_length must leave room for [CLS] and [SEP], got {max_seq_length}"
                ),
            });
        }
        let model_id = dir.file_name().map_or_else(
            || MODEL_NAME.to_owned(),
            |name| name.to_string_lossy().into_owned(),
        );
        Ok(Self {
            model_id,
            config,
            tokenizer,
            weights,
            max_seq_length,
            dimensions: shape.hidden_size,
        })
    }
}

fn check_pooling(
    path: &Path,
    pooling: &PoolingConfig,
    hidden_size: usize,
) -> Result<(), LoadError> {
    let invalid = |message: String| LoadError::InvalidConfig {
        path: path.to_path_buf(),
        message,
    };
    let only_mean = pooling.pooling_mode_mean_tokens
        && !pooling.pooling_mode_cls_token
        && !pooling.pooling_mode_max_tokens
        && !pooling.pooling_mode_mean_sqrt_len_tokens;
    if !only_mean {
        return Err(invalid(
            "only mean pooling (pooling_mode_mean_tokens alone) is supported".to_owned(),
        ));
    }
    if pooling.word_embedding_dimension != hidden_size {
        return Err(invalid(format!(
            "word_embedding_dimension {} differs from the model's hidden_size {hidden_size}",
            pooling.word_embedding_dimension
        )));
    }
    Ok(())
}

/// Reads and parses a small JSON file.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|error| LoadError::InvalidConfig {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}
