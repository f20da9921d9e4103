//! The sentence encoder: tokenizer + BERT (candle, CPU) + mean pooling + L2 normalisation,
//! exactly as sentence-transformers computes all-MiniLM-L6-v2's vectors. Synchronous and
//! CPU-bound: the provider calls it from a blocking thread. Concurrency lives in `provider`.

use crate::error::LoadError;
use crate::files::ModelFiles;
use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams, TruncationStrategy};

/// Why a batch could not be encoded. Messages never contain the input text.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EncodeError {
    #[error("tokenization failed: {0}")]
    Tokenize(String),
    #[error("inference failed: {0}")]
    Tensor(#[from] candle_core::Error),
    #[error("the model answered {got} vectors for {expected} inputs")]
    Count { expected: usize, got: usize },
}

/// Vectors of some inputs, in input order, and how many tokens the model read.
#[derive(Debug, Default)]
pub(crate) struct Encoded {
    pub vectors: Vec<Vec<f32>>,
    /// Tokens fed to the model, special tokens included, padding excluded.
    pub tokens: usize,
}

/// A loaded model. Immutable once loaded; `&self` methods may run on several threads at once.
pub(crate) struct SentenceEncoder {
    bert: BertModel,
    /// Configured to pad to the longest input of a batch and truncate to `max_seq_length`.
    tokenizer: Tokenizer,
    device: Device,
    dimensions: usize,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentenceEncoder")
            .field("device", &self.device)
            .field("dimensions", &self.dimensions)
            .finish_non_exhaustive()
    }
}

impl SentenceEncoder {
    /// Reads the tokenizer and the weights (≈ 90 MB for MiniLM). Blocking.
    pub(crate) fn load(files: &ModelFiles) -> Result<Self, LoadError> {
        let device = Device::Cpu;
        let tokenizer = load_tokenizer(files)?;
        let config: Config = crate::files::read_json(&files.config)?;
        let weights_error = |error: candle_core::Error| LoadError::Weights {
            path: files.weights.clone(),
            message: error.to_string(),
        };
        // Read into memory rather than mmap: candle's mmap loader is `unsafe`.
        let bytes = std::fs::read(&files.weights).map_err(|source| LoadError::Unreadable {
            path: files.weights.clone(),
            source,
        })?;
        let vb = VarBuilder::from_buffered_safetensors(bytes, DType::F32, &device)
            .map_err(weights_error)?;
        let bert = BertModel::load(vb, &config).map_err(weights_error)?;
        Ok(Self {
            bert,
            tokenizer,
            device,
            dimensions: files.dimensions,
        })
    }

    /// The size of every vector.
    pub(crate) const fn dimensions(&self) -> usize {
        self.dimensions
    }

    /// Encodes `texts` in forward passes of at most `batch_size` inputs. Inputs are grouped by
    /// length (longest first, as sentence-transformers does) so that a pass pads little; the
    /// vectors come back in input order.
    pub(crate) fn encode_all(
        &self,
        texts: &[String],
        batch_size: usize,
    ) -> Result<Encoded, EncodeError> {
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&index| std::cmp::Reverse(texts[index].len()));
        let mut vectors: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        let mut tokens = 0;
        for chunk in order.chunks(batch_size.max(1)) {
            let batch: Vec<&str> = chunk.iter().map(|&index| texts[index].as_str()).collect();
            let encoded = self.encode_batch(&batch)?;
            tokens += encoded.tokens;
            for (&index, vector) in chunk.iter().zip(encoded.vectors) {
                vectors[index] = vector;
            }
        }
        Ok(Encoded { vectors, tokens })
    }

    /// One forward pass over `texts` (padded to the longest of them).
    pub(crate) fn encode_batch(&self, texts: &[&str]) -> Result<Encoded, EncodeError> {
        if texts.is_empty() {
            return Ok(Encoded::default());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|error| EncodeError::Tokenize(error.to_string()))?;
        let batch = encodings.len();
        let seq_len = encodings.first().map_or(0, |e| e.get_ids().len());
        let mut ids = Vec::with_capacity(batch * seq_len);
        let mut type_ids = Vec::with_capacity(batch * seq_len);
        let mut mask = Vec::with_capacity(batch * seq_len);
        for encoding in &encodings {
            if encoding.get_ids().len() != seq_len {
                return Err(EncodeError::Tokenize(
                    "the tokenizer did not pad the batch to one length".to_owned(),
                ));
            }
            ids.extend_from_slice(encoding.get_ids());
            type_ids.extend_from_slice(encoding.get_type_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
        }
        let tokens = mask.iter().map(|&m| m as usize).sum();
        let ids = Tensor::from_vec(ids, (batch, seq_len), &self.device)?;
        let type_ids = Tensor::from_vec(type_ids, (batch, seq_len), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch, seq_len), &self.device)?;

        let hidden = self.bert.forward(&ids, &type_ids, Some(&mask))?;
        let vectors = mean_pool_normalized(&hidden, &mask)?.to_vec2::<f32>()?;
        if vectors.len() != batch {
            return Err(EncodeError::Count {
                expected: batch,
                got: vectors.len(),
            });
        }
        Ok(Encoded { vectors, tokens })
    }
}

/// sentence-transformers' `Pooling(mean)` then `Normalize`: the mean of the token vectors the
/// attention mask keeps (padding excluded), divided by its L2 norm. `hidden` is
/// `(batch, seq, dims)`, `mask` `(batch, seq)` of 0/1; the result `(batch, dims)`.
fn mean_pool_normalized(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    // torch.clamp(mask.sum(1), min=1e-9) in sentence-transformers.
    let counts = mask.sum(1)?.maximum(1e-9)?;
    let mean = summed.broadcast_div(&counts)?;
    // torch.nn.functional.normalize(p=2, eps=1e-12).
    let norms = mean.sqr()?.sum_keepdim(1)?.sqrt()?.maximum(1e-12)?;
    mean.broadcast_div(&norms)
}

/// The folder's tokenizer with padding and truncation replaced: MiniLM's `tokenizer.json` pads
/// every input to a fixed 128 tokens and truncates at 128, while sentence-transformers pads to
/// the longest input of the batch and truncates at `max_seq_length` (256).
fn load_tokenizer(files: &ModelFiles) -> Result<Tokenizer, LoadError> {
    let invalid = |message: String| LoadError::Tokenizer {
        path: files.tokenizer.clone(),
        message,
    };
    let mut tokenizer =
        Tokenizer::from_file(&files.tokenizer).map_err(|error| invalid(error.to_string()))?;
    let (pad_id, pad_type_id, pad_token) = match tokenizer.get_padding() {
        Some(padding) => (
            padding.pad_id,
            padding.pad_type_id,
            padding.pad_token.clone(),
        ),
        None => {
            let pad_token = "[PAD]".to_owned();
            let pad_id = tokenizer
                .token_to_id(&pad_token)
                .ok_or_else(|| invalid("no padding token [PAD] in the vocabulary".to_owned()))?;
            (pad_id, 0, pad_token)
        }
    };
    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        pad_id,
        pad_type_id,
        pad_token,
        ..PaddingParams::default()
    }));
    tokenizer
        .with_truncation(Some(TruncationParams {
            max_length: files.max_seq_length,
            strategy: TruncationStrategy::LongestFirst,
            ..TruncationParams::default()
        }))
        .map_err(|error| invalid(error.to_string()))?;
    Ok(tokenizer)
}
