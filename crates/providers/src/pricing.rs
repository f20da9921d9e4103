//! The price table: what a provider charges per million tokens, by model, since a given date,
//! and the exact cost of a call in micro-USD.
//!
//! Prices are stored as integer micro-USD per million tokens, so `0.05 USD / M` is `50_000`, and
//! a call's cost is computed in integer arithmetic. The result is rounded **up** to the next
//! micro-USD: a real cost is never reported as 0 (the specification's `cost_cents INTEGER`
//! rounds a typical call to zero; we keep `cost_usd_micros` exact and derive cents from it).
//!
//! Lookup: an exact `(provider, model)` match first, then the longest model prefix of that
//! provider (so `llama-3.1-8b-instant-2025` is priced as `llama-3.1-8b-instant`), among the
//! entries in effect on the day of the call.

use crate::speech_pricing::{self, SpeechPrice};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const MICROS_PER_USD: f64 = 1_000_000.0;
const TOKENS_PER_PRICE_UNIT: u128 = 1_000_000;

/// The price of one model, per million tokens, from a date on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelPrice {
    /// Provider name as recorded in `provider_calls.provider` (`groq`, `gemini`, `local`).
    pub provider: String,
    /// Model id, or a prefix of model ids.
    pub model: String,
    /// Micro-USD per million input tokens.
    pub input_usd_micros_per_million: u64,
    /// Micro-USD per million output tokens.
    pub output_usd_micros_per_million: u64,
    /// First day this price applies.
    pub effective_from: NaiveDate,
}

impl ModelPrice {
    /// A price given in USD per million tokens, as providers publish them.
    #[must_use]
    pub fn per_million_usd(
        provider: &str,
        model: &str,
        input_usd: f64,
        output_usd: f64,
        effective_from: NaiveDate,
    ) -> Self {
        Self {
            provider: provider.to_owned(),
            model: model.to_owned(),
            input_usd_micros_per_million: usd_to_micros(input_usd),
            output_usd_micros_per_million: usd_to_micros(output_usd),
            effective_from,
        }
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn usd_to_micros(usd: f64) -> u64 {
    (usd * MICROS_PER_USD).round().max(0.0) as u64
}

/// The exact cost of one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TokenCost {
    /// Cost in micro-USD, rounded up (never 0 for a call that costs something).
    pub usd_micros: i64,
}

impl TokenCost {
    /// The cost in whole cents, rounded to the nearest cent, for the legacy `cost_cents` columns.
    #[must_use]
    pub const fn cents(self) -> i64 {
        (self.usd_micros + 5_000) / 10_000
    }
}

/// All known prices: per token, and per minute or character for speech
/// ([`speech_pricing`](crate::speech_pricing)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriceTable {
    entries: Vec<ModelPrice>,
    #[serde(default)]
    speech: Vec<SpeechPrice>,
}

impl PriceTable {
    /// A table of the given entries.
    #[must_use]
    pub fn new(entries: Vec<ModelPrice>) -> Self {
        Self {
            entries,
            speech: Vec::new(),
        }
    }

    /// The prices HelloSales ships with (USD per million tokens, input / output).
    #[must_use]
    pub fn seeded() -> Self {
        let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
        let p = |provider, model, input, output| {
            ModelPrice::per_million_usd(provider, model, input, output, from)
        };
        let mut table = Self::new(vec![
            p("groq", "llama-3.1-8b-instant", 0.05, 0.08),
            p("groq", "llama-3.3-70b-versatile", 0.59, 0.79),
            p("gemini", "gemini-2.0-flash", 0.10, 0.40),
            p("gemini", "gemini-2.0-flash-lite", 0.075, 0.30),
            p("gemini", "gemini-2.5-flash", 0.30, 2.50),
            p("gemini", "gemini-2.5-flash-lite", 0.10, 0.40),
            // Gemini speaks by token: text in, audio tokens out.
            p("gemini", "gemini-2.5-flash-preview-tts", 0.50, 10.00),
            p("gemini", "gemini-2.5-pro-preview-tts", 1.00, 20.00),
            p("local", "", 0.0, 0.0),
        ]);
        table.speech = speech_pricing::seeded_speech_prices();
        table
    }

    /// Adds or replaces speech prices (same provider, operation, model and date).
    pub fn extend_speech(&mut self, overrides: impl IntoIterator<Item = SpeechPrice>) {
        for price in overrides {
            self.speech.retain(|e| {
                !(e.provider == price.provider
                    && e.operation == price.operation
                    && e.model == price.model
                    && e.effective_from == price.effective_from)
            });
            self.speech.push(price);
        }
    }

    /// The speech price in effect on `day` for `model` of `provider`'s `operation` (`stt`,
    /// `tts`).
    #[must_use]
    pub fn speech_lookup(
        &self,
        provider: &str,
        operation: &str,
        model: &str,
        day: NaiveDate,
    ) -> Option<&SpeechPrice> {
        speech_pricing::lookup(&self.speech, provider, operation, model, day)
    }

    /// Adds or replaces entries (a configured override wins over a seeded price with the same
    /// provider, model and date).
    pub fn extend(&mut self, overrides: impl IntoIterator<Item = ModelPrice>) {
        for price in overrides {
            self.entries.retain(|e| {
                !(e.provider == price.provider
                    && e.model == price.model
                    && e.effective_from == price.effective_from)
            });
            self.entries.push(price);
        }
    }

    /// The price in effect on `day` for `model` of `provider`: exact match first, then the
    /// longest matching prefix; among equal matches, the latest `effective_from` not after `day`.
    #[must_use]
    pub fn lookup(&self, provider: &str, model: &str, day: NaiveDate) -> Option<&ModelPrice> {
        self.entries
            .iter()
            .filter(|e| e.provider == provider && e.effective_from <= day)
            .filter(|e| model.starts_with(e.model.as_str()))
            .max_by_key(|e| (e.model == model, e.model.len(), e.effective_from))
    }

    /// The exact cost of a call, or `None` when the model has no price.
    #[must_use]
    pub fn cost(
        &self,
        provider: &str,
        model: &str,
        day: NaiveDate,
        tokens_in: u64,
        tokens_out: u64,
    ) -> Option<TokenCost> {
        let price = self.lookup(provider, model, day)?;
        let scaled = u128::from(tokens_in) * u128::from(price.input_usd_micros_per_million)
            + u128::from(tokens_out) * u128::from(price.output_usd_micros_per_million);
        let micros = scaled.div_ceil(TOKENS_PER_PRICE_UNIT);
        Some(TokenCost {
            usd_micros: i64::try_from(micros).unwrap_or(i64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    #[test]
    fn llama_8b_example_costs_74_micro_usd() {
        let cost = PriceTable::seeded()
            .cost("groq", "llama-3.1-8b-instant", today(), 1_000, 300)
            .unwrap();
        assert_eq!(cost.usd_micros, 74);
        assert_eq!(
            cost.cents(),
            0,
            "the legacy cents column rounds this call to zero"
        );
    }

    #[test]
    fn a_real_cost_is_never_rounded_to_zero() {
        let cost = PriceTable::seeded()
            .cost("groq", "llama-3.1-8b-instant", today(), 1, 0)
            .unwrap();
        assert_eq!(cost.usd_micros, 1);
    }

    #[test]
    fn exact_match_wins_over_longer_prefix_and_prefix_matches_variants() {
        let table = PriceTable::seeded();
        let lite = table
            .lookup("gemini", "gemini-2.0-flash-lite", today())
            .unwrap();
        assert_eq!(lite.input_usd_micros_per_million, 75_000);
        let flash = table
            .lookup("gemini", "gemini-2.0-flash-001", today())
            .unwrap();
        assert_eq!(flash.model, "gemini-2.0-flash");
        assert!(table.lookup("groq", "mixtral", today()).is_none());
        assert_eq!(
            table
                .cost("local", "SmolLM2-135M", today(), 500, 500)
                .unwrap()
                .usd_micros,
            0
        );
    }

    #[test]
    fn dated_prices_apply_from_their_day_and_overrides_replace() {
        let mut table = PriceTable::seeded();
        let later = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        table.extend([ModelPrice::per_million_usd(
            "groq",
            "llama-3.1-8b-instant",
            1.0,
            1.0,
            later,
        )]);
        let before = table.cost("groq", "llama-3.1-8b-instant", today(), 1_000_000, 0);
        let after = table.cost("groq", "llama-3.1-8b-instant", later, 1_000_000, 0);
        assert_eq!(before.unwrap().usd_micros, 50_000);
        assert_eq!(after.unwrap().usd_micros, 1_000_000);
    }
}
