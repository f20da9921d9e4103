//! What the speech-to-text adapters share beside HTTP: seconds on the wire as milliseconds, the
//! playing time of the audio sent, the sample rate raw PCM needs, and language tags.
//!
//! Nothing here knows a provider's wire format; each adapter holds its own.

use crate::failure::Fault;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::speech::{AudioFormat, SttRequest, WavInfo, recording_duration_ms};

/// Seconds (a provider's float) as whole milliseconds; `None` when negative or not finite.
pub(crate) fn seconds_to_ms(seconds: f64) -> Option<u32> {
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let ms = (seconds * 1000.0).round();
    if ms > f64::from(u32::MAX) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(ms as u32)
}

/// The mean of the confidences of a transcript's parts; `None` when there are none.
pub(crate) fn mean(confidences: &[f32]) -> Option<f32> {
    if confidences.is_empty() {
        return None;
    }
    #[allow(clippy::cast_precision_loss)]
    let count = confidences.len() as f32;
    Some(confidences.iter().sum::<f32>() / count)
}

/// How long the request's audio plays, when its format says (WAV header, raw PCM and its rate).
pub(crate) fn audio_duration_ms(request: &SttRequest) -> Option<u32> {
    recording_duration_ms(&request.audio, request.format, request.sample_rate)
}

/// The sample rate of raw PCM, which travels beside it.
///
/// # Errors
/// A `BadRequest` fault when the request has none (or zero).
pub(crate) fn pcm_sample_rate(request: &SttRequest) -> Result<u32, Fault> {
    request.sample_rate.filter(|rate| *rate > 0).ok_or_else(|| {
        Fault::new(
            ProviderFailure::BadRequest,
            "pcm16 audio needs its sample rate",
        )
    })
}

/// The sample rate of the request: the one given, else the WAV header's.
pub(crate) fn known_sample_rate(request: &SttRequest) -> Option<u32> {
    request
        .sample_rate
        .or_else(|| match request.format {
            AudioFormat::Wav => WavInfo::read(&request.audio).map(|info| info.sample_rate),
            _ => None,
        })
        .filter(|rate| *rate > 0)
}

/// The ISO-639-1 language of a BCP-47 tag (`en-US` → `en`), lower case; `None` when empty.
pub(crate) fn iso639_language(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim();
    (!primary.is_empty()).then(|| primary.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_become_rounded_milliseconds() {
        assert_eq!(seconds_to_ms(3.21), Some(3210));
        assert_eq!(seconds_to_ms(0.0004), Some(0));
        assert_eq!(seconds_to_ms(-1.0), None);
        assert_eq!(seconds_to_ms(f64::NAN), None);
        assert_eq!(seconds_to_ms(1e12), None);
    }

    #[test]
    fn language_tags_become_iso639() {
        assert_eq!(iso639_language("en-US").as_deref(), Some("en"));
        assert_eq!(iso639_language("PT_br").as_deref(), Some("pt"));
        assert_eq!(iso639_language("de").as_deref(), Some("de"));
        assert_eq!(iso639_language(" "), None);
    }
}
