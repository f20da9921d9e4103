//! Speech prices: what a provider charges for speech-to-text per minute of audio and for
//! text-to-speech per million characters, by model, since a given date; and the exact cost of
//! a call in micro-USD, rounded up like token costs (a real cost is never 0).
//!
//! Providers that bill speech by token (Gemini TTS) are priced from the token table
//! ([`PriceTable`](crate::PriceTable)) instead, when the call reported its tokens.
//!
//! Lookup follows the token table: the provider and the operation must match, then an exact
//! model wins over the longest model prefix, among the entries in effect on the day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

const MICROS_PER_USD: f64 = 1_000_000.0;
const MS_PER_MINUTE: u128 = 60_000;
const CHARACTERS_PER_PRICE_UNIT: u128 = 1_000_000;

/// What a speech price is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeechUnit {
    /// Per minute of audio heard (speech-to-text).
    Minute,
    /// Per million characters spoken (text-to-speech).
    MillionCharacters,
}

/// The price of one speech model, from a date on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpeechPrice {
    /// Provider name as recorded in `provider_calls.provider`.
    pub provider: String,
    /// `stt` or `tts`.
    pub operation: String,
    /// Model id, or a prefix of model ids (`""` prices every model of the provider).
    pub model: String,
    /// What the price counts.
    pub unit: SpeechUnit,
    /// Micro-USD per unit.
    pub usd_micros_per_unit: u64,
    /// First day this price applies.
    pub effective_from: NaiveDate,
}

impl SpeechPrice {
    /// A speech-to-text price in USD per minute of audio.
    #[must_use]
    pub fn stt_per_minute_usd(
        provider: &str,
        model: &str,
        usd: f64,
        effective_from: NaiveDate,
    ) -> Self {
        Self::new(
            provider,
            "stt",
            model,
            SpeechUnit::Minute,
            usd,
            effective_from,
        )
    }

    /// A text-to-speech price in USD per million characters.
    #[must_use]
    pub fn tts_per_million_characters_usd(
        provider: &str,
        model: &str,
        usd: f64,
        effective_from: NaiveDate,
    ) -> Self {
        let unit = SpeechUnit::MillionCharacters;
        Self::new(provider, "tts", model, unit, usd, effective_from)
    }

    fn new(
        provider: &str,
        operation: &str,
        model: &str,
        unit: SpeechUnit,
        usd: f64,
        effective_from: NaiveDate,
    ) -> Self {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let micros = (usd * MICROS_PER_USD).round().max(0.0) as u64;
        Self {
            provider: provider.to_owned(),
            operation: operation.to_owned(),
            model: model.to_owned(),
            unit,
            usd_micros_per_unit: micros,
            effective_from,
        }
    }

    /// The cost of `audio_ms` of audio or `characters` of text, whichever this price counts;
    /// `None` when that measure is unknown.
    #[must_use]
    pub fn cost_usd_micros(&self, audio_ms: Option<u64>, characters: Option<u64>) -> Option<i64> {
        let per_unit = u128::from(self.usd_micros_per_unit);
        let micros = match self.unit {
            SpeechUnit::Minute => (u128::from(audio_ms?) * per_unit).div_ceil(MS_PER_MINUTE),
            SpeechUnit::MillionCharacters => {
                (u128::from(characters?) * per_unit).div_ceil(CHARACTERS_PER_PRICE_UNIT)
            }
        };
        Some(i64::try_from(micros).unwrap_or(i64::MAX))
    }
}

/// The speech prices HelloSales ships with, as the providers publish them (pay as you go).
#[must_use]
pub fn seeded_speech_prices() -> Vec<SpeechPrice> {
    let from = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default();
    let stt = |provider, model, usd| SpeechPrice::stt_per_minute_usd(provider, model, usd, from);
    let tts = |provider, model, usd| {
        SpeechPrice::tts_per_million_characters_usd(provider, model, usd, from)
    };
    vec![
        stt("deepgram", "nova-2", 0.0043),
        stt("deepgram", "nova-3", 0.0043),
        stt("groq", "whisper-large-v3-turbo", 0.04 / 60.0),
        stt("groq", "whisper-large-v3", 0.111 / 60.0),
        stt("openai", "whisper-1", 0.006),
        stt("openai", "gpt-4o-transcribe", 0.006),
        stt("openai", "gpt-4o-mini-transcribe", 0.003),
        stt("google", "", 0.016),
        tts("google", "standard", 4.0),
        tts("google", "wavenet", 16.0),
        tts("google", "neural2", 16.0),
        tts("google", "studio", 160.0),
        stt("local", "", 0.0),
        tts("local", "", 0.0),
    ]
}

/// The price in effect on `day` for `model` of `provider`'s `operation`.
#[must_use]
pub fn lookup<'a>(
    prices: &'a [SpeechPrice],
    provider: &str,
    operation: &str,
    model: &str,
    day: NaiveDate,
) -> Option<&'a SpeechPrice> {
    prices
        .iter()
        .filter(|p| p.provider == provider && p.operation == operation && p.effective_from <= day)
        .filter(|p| model.starts_with(p.model.as_str()))
        .max_by_key(|p| (p.model == model, p.model.len(), p.effective_from))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn a_minute_of_deepgram_costs_its_published_price() {
        let prices = seeded_speech_prices();
        let nova = lookup(&prices, "deepgram", "stt", "nova-2", today()).unwrap();
        assert_eq!(nova.cost_usd_micros(Some(60_000), None), Some(4_300));
        // 2.5 s: 4300 × 2500 / 60000 = 179.17, rounded up.
        assert_eq!(nova.cost_usd_micros(Some(2_500), None), Some(180));
        assert_eq!(nova.cost_usd_micros(None, Some(10)), None);
    }

    #[test]
    fn characters_price_speech_and_a_short_sentence_is_not_free() {
        let prices = seeded_speech_prices();
        let standard = lookup(&prices, "google", "tts", "standard", today()).unwrap();
        assert_eq!(
            standard.cost_usd_micros(None, Some(1_000_000)),
            Some(4_000_000)
        );
        assert_eq!(standard.cost_usd_micros(None, Some(1)), Some(4));
        assert!(lookup(&prices, "google", "tts", "chirp", today()).is_none());
        let google_stt = lookup(&prices, "google", "stt", "latest_short", today()).unwrap();
        assert_eq!(google_stt.cost_usd_micros(Some(30_000), None), Some(8_000));
    }

    #[test]
    fn the_operation_and_the_date_must_match() {
        let mut prices = seeded_speech_prices();
        assert!(lookup(&prices, "deepgram", "tts", "nova-2", today()).is_none());
        let later = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        prices.push(SpeechPrice::stt_per_minute_usd(
            "deepgram", "nova-2", 0.01, later,
        ));
        let now = lookup(&prices, "deepgram", "stt", "nova-2", today()).unwrap();
        assert_eq!(now.usd_micros_per_unit, 4_300);
        let then = lookup(&prices, "deepgram", "stt", "nova-2", later).unwrap();
        assert_eq!(then.usd_micros_per_unit, 10_000);
        let local = lookup(&prices, "local", "tts", "espeak-ng", today()).unwrap();
        assert_eq!(local.cost_usd_micros(None, Some(500)), Some(0));
    }
}
