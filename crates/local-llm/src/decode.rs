//! One generation on one context: prefill the prompt in batches, then sample token by token
//! until the model ends its answer, a stop sequence appears, the budget runs out or the caller
//! goes away.
//!
//! A structured answer (a grammar is set) is never cut off: when `max_tokens` is spent before
//! the document is complete, the decoder keeps going for at most [`CLOSING_ALLOWANCE`] tokens
//! with the tokens that close strings, arrays and objects strongly favoured. The grammar still
//! decides what is allowed (a required property still gets written), so the answer ends as a
//! valid, shorter document instead of a truncated one.

use crate::sampling::{ClosingTokens, JsonCursor, sampler_chain};
use crate::text::{StopScanner, Utf8Assembler};
use hellosales_domain::ports::ChatRequest;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::token::LlamaToken;
use std::sync::Arc;

/// Extra tokens a structured answer may take to close itself after its budget.
pub const CLOSING_ALLOWANCE: u32 = 256;
/// How much the closing tokens are favoured once the budget is spent (a logit offset).
const CLOSING_BIAS: f32 = 30.0;
/// Prompt tokens per prefill batch.
pub const BATCH_TOKENS: usize = 512;

/// Everything a generation needs that outlives one request.
pub struct Decoder<'m> {
    /// The model.
    pub model: &'m LlamaModel,
    /// This worker's context.
    pub context: LlamaContext<'m>,
    /// The tokens that close JSON.
    pub closing: Arc<ClosingTokens>,
}

/// One request, ready to decode.
pub struct Task<'r> {
    /// The request.
    pub request: &'r ChatRequest,
    /// The rendered prompt.
    pub prompt: &'r str,
    /// The grammar of a structured answer.
    pub grammar: Option<&'r str>,
    /// Tokens to generate when the request sets no `max_tokens`.
    pub default_max_tokens: u32,
    /// The sampler seed.
    pub seed: u32,
}

/// How a generation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Finish {
    /// The answer is complete (`stop`) or hit its budget (`length`).
    Done {
        /// Tokens of the prompt.
        prompt_tokens: u32,
        /// Tokens generated.
        completion_tokens: u32,
        /// `stop` or `length`.
        reason: &'static str,
    },
    /// The caller went away.
    Cancelled,
}

/// Why a generation failed.
#[derive(Debug, PartialEq, Eq)]
pub enum DecodeFailure {
    /// The request cannot be served (its prompt does not fit the context, a bad grammar).
    BadRequest(String),
    /// llama.cpp failed while decoding.
    Engine(String),
}

impl Decoder<'_> {
    /// Runs `task`, handing each piece of text to `emit`, which answers `false` when the
    /// caller is gone.
    ///
    /// # Errors
    /// See [`DecodeFailure`].
    pub fn run(
        &mut self,
        task: &Task<'_>,
        emit: &mut dyn FnMut(String) -> bool,
    ) -> Result<Finish, DecodeFailure> {
        self.context.clear_kv_cache();
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(task.prompt.as_bytes(), vocab.should_add_bos(), true);
        let prompt_tokens = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
        let allowance = if task.grammar.is_some() {
            CLOSING_ALLOWANCE
        } else {
            0
        };
        let room = self
            .context
            .n_ctx()
            .saturating_sub(prompt_tokens)
            .saturating_sub(allowance);
        if room < 16 {
            return Err(DecodeFailure::BadRequest(format!(
                "the prompt ({prompt_tokens} tokens) does not fit the local model's context of \
                 {} tokens (LOCAL_MODEL_CONTEXT)",
                self.context.n_ctx()
            )));
        }
        let budget = task
            .request
            .max_tokens
            .unwrap_or(task.default_max_tokens)
            .clamp(1, room);
        let mut sampler = sampler_chain(
            self.model,
            task.grammar,
            task.request.temperature,
            task.seed,
        )
        .map_err(DecodeFailure::BadRequest)?;

        let mut batch = LlamaBatch::new(BATCH_TOKENS, 1);
        let last = tokens.len().saturating_sub(1);
        for (chunk_index, chunk) in tokens.chunks(BATCH_TOKENS).enumerate() {
            batch.clear();
            for (offset, token) in chunk.iter().enumerate() {
                let at = chunk_index * BATCH_TOKENS + offset;
                batch
                    .add(*token, position(at)?, &[0], at == last)
                    .map_err(engine)?;
            }
            self.context.decode(&mut batch).map_err(engine)?;
        }

        let mut text = Utf8Assembler::default();
        let mut stops = StopScanner::new(&task.request.stop);
        let mut cursor = JsonCursor::default();
        let mut generated: u32 = 0;
        let mut logits_at = batch.n_tokens() - 1;
        let mut at = tokens.len();
        let reason = loop {
            if generated >= budget + allowance {
                break "length";
            }
            let closing = task.grammar.is_some() && generated >= budget;
            let closing = closing.then(|| cursor.in_string());
            let token = self.sample(&mut sampler, logits_at, closing)?;
            if vocab.is_eog(token) {
                break "stop";
            }
            generated += 1;
            let piece = text.push(&vocab.token_to_piece(token, false, None));
            cursor.advance(&piece);
            let scanned = stops.push(&piece);
            if !scanned.text.is_empty() && !emit(scanned.text) {
                return Ok(Finish::Cancelled);
            }
            if scanned.stopped {
                break "stop";
            }
            if generated >= budget && task.grammar.is_none() {
                break "length";
            }
            batch.clear();
            batch
                .add(token, position(at)?, &[0], true)
                .map_err(engine)?;
            self.context.decode(&mut batch).map_err(engine)?;
            logits_at = 0;
            at += 1;
        };
        let rest = text.finish();
        let rest = stops.push(&rest).text + &stops.finish();
        if !rest.is_empty() && !emit(rest) {
            return Ok(Finish::Cancelled);
        }
        Ok(Finish::Done {
            prompt_tokens,
            completion_tokens: generated,
            reason,
        })
    }

    /// Picks the next token from the logits at `index`; `closing` (whether the answer is
    /// inside a string) favours the tokens that close the document.
    fn sample(
        &self,
        sampler: &mut llama_cpp_2::sampling::LlamaSampler,
        index: i32,
        closing: Option<bool>,
    ) -> Result<LlamaToken, DecodeFailure> {
        let mut candidates = self.context.token_data_array_ith(index);
        if let Some(in_string) = closing {
            for data in &mut candidates.data {
                if self.closing.closes(data.id(), in_string) {
                    data.set_logit(data.logit() + CLOSING_BIAS);
                }
            }
        }
        candidates.apply_sampler(sampler);
        let token = candidates
            .selected_token()
            .ok_or_else(|| DecodeFailure::Engine("the sampler selected no token".to_owned()))?;
        sampler
            .try_accept(token)
            .map_err(|error| DecodeFailure::Engine(format!("the sampler refused: {error}")))?;
        Ok(token)
    }
}

/// A position in the sequence, as llama.cpp counts them.
fn position(at: usize) -> Result<i32, DecodeFailure> {
    i32::try_from(at).map_err(|_| DecodeFailure::BadRequest("the sequence is too long".to_owned()))
}

fn engine(error: impl std::fmt::Display) -> DecodeFailure {
    DecodeFailure::Engine(error.to_string())
}
