//! Gemini's text-to-speech wire format: the `generateContent` body asking for audio, and the
//! answer whose `inlineData` parts hold base64 16-bit PCM.

use crate::failure::{Fault, WireError};
use crate::tts_wire;
use serde::{Deserialize, Serialize};

impl<'a> GenerateBody<'a> {
    /// The text as the one user part, audio out in the prebuilt `voice`.
    pub(super) const fn new(text: &'a str, voice: &'a str, language: Option<&'a str>) -> Self {
        Self {
            contents: [Content {
                parts: [TextPart { text }],
            }],
            generation_config: GenerationConfig {
                response_modalities: ["AUDIO"],
                speech_config: SpeechConfig {
                    voice_config: VoiceConfig {
                        prebuilt_voice_config: PrebuiltVoice { voice_name: voice },
                    },
                    language_code: language,
                },
            },
        }
    }
}

impl Answer {
    /// The sample rate and the samples of every audio part, in order.
    pub(super) fn into_pcm(self, default_rate: u32) -> Result<(u32, Vec<u8>), Fault> {
        if let Some(error) = self.error {
            return Err(Fault::in_band(error));
        }
        let mut rate = None;
        let mut pcm = Vec::new();
        let mut finish_reason = None;
        for candidate in self.candidates {
            finish_reason = finish_reason.or(candidate.finish_reason);
            let parts = candidate.content.map(|content| content.parts);
            for data in parts
                .into_iter()
                .flatten()
                .filter_map(|part| part.inline_data)
            {
                let mime = data.mime_type.unwrap_or_default();
                let essence = mime.split(';').next().unwrap_or_default().trim();
                let pcm_type = ["", "audio/L16", "audio/pcm"]
                    .iter()
                    .any(|known| essence.eq_ignore_ascii_case(known));
                if !pcm_type {
                    return Err(Fault::malformed(format!("unexpected audio type `{mime}`")));
                }
                rate = rate.or_else(|| sample_rate(&mime));
                pcm.extend(tts_wire::decode_base64(&data.data)?);
            }
        }
        if pcm.is_empty() {
            let reason = finish_reason.map_or_else(String::new, |r| format!(" (finishReason {r})"));
            return Err(Fault::malformed(format!("the answer has no audio{reason}")));
        }
        Ok((rate.unwrap_or(default_rate), pcm))
    }
}

/// The `rate` parameter of a mime type (`audio/L16;codec=pcm;rate=24000`).
fn sample_rate(mime: &str) -> Option<u32> {
    mime.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let rate = value.trim().parse::<u32>().ok()?;
        (name.trim().eq_ignore_ascii_case("rate") && rate > 0).then_some(rate)
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct GenerateBody<'a> {
    contents: [Content<'a>; 1],
    generation_config: GenerationConfig<'a>,
}

#[derive(Serialize)]
struct Content<'a> {
    parts: [TextPart<'a>; 1],
}

#[derive(Serialize)]
struct TextPart<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GenerationConfig<'a> {
    response_modalities: [&'static str; 1],
    speech_config: SpeechConfig<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpeechConfig<'a> {
    voice_config: VoiceConfig<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    language_code: Option<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VoiceConfig<'a> {
    prebuilt_voice_config: PrebuiltVoice<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PrebuiltVoice<'a> {
    voice_name: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Answer {
    #[serde(default)]
    candidates: Vec<Candidate>,
    pub(super) usage_metadata: Option<Usage>,
    pub(super) model_version: Option<String>,
    error: Option<WireError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate {
    content: Option<AnswerContent>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct AnswerContent {
    #[serde(default)]
    parts: Vec<Part>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part {
    inline_data: Option<InlineData>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InlineData {
    mime_type: Option<String>,
    data: String,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Usage {
    pub(super) prompt_token_count: Option<u32>,
    pub(super) candidates_token_count: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::sample_rate;

    #[test]
    fn the_rate_is_read_from_the_mime_type() {
        assert_eq!(sample_rate("audio/L16;codec=pcm;rate=24000"), Some(24_000));
        assert_eq!(
            sample_rate("audio/L16; rate = 16000 ; codec=pcm"),
            Some(16_000)
        );
        assert_eq!(sample_rate("audio/L16;codec=pcm"), None);
        assert_eq!(sample_rate("audio/L16;rate=0"), None);
        assert_eq!(sample_rate("audio/L16;rate=fast"), None);
    }
}
