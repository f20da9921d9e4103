//! What a live session collects from Deepgram's messages: final `Results` (their transcript,
//! confidence, duration, model), the closing `Metadata`, and in-band `Error`s.

use crate::deepgram::{WireChannel, WireMetadata, WireModelInfo};
use crate::failure::{self, Fault};
use crate::stt_wire;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::speech::Transcript;
use serde::Deserialize;
use serde_json::Value;

/// What the server said, so far.
#[derive(Debug, Default)]
pub(super) struct Collected {
    texts: Vec<String>,
    confidences: Vec<f32>,
    /// The sum of the final results' durations, when they have any.
    results_ms: Option<u32>,
    metadata_ms: Option<u32>,
    pub(super) finals: usize,
    pub(super) metadata_seen: bool,
    model: Option<String>,
}

/// A live `Results` message (other fields are ignored).
#[derive(Deserialize)]
struct WireResults {
    #[serde(default)]
    is_final: bool,
    channel: Option<WireChannel>,
    duration: Option<f64>,
    metadata: Option<WireResultsMetadata>,
}

#[derive(Deserialize)]
struct WireResultsMetadata {
    model_info: Option<WireModelInfo>,
}

impl Collected {
    /// Takes in one text message.
    pub(super) fn absorb(&mut self, text: &str) -> Result<(), Fault> {
        let invalid = |err: serde_json::Error| Fault::malformed(format!("invalid message: {err}"));
        let message: Value = serde_json::from_str(text).map_err(invalid)?;
        match message.get("type").and_then(Value::as_str) {
            Some("Results") => {
                let results: WireResults = serde_json::from_value(message).map_err(invalid)?;
                if !results.is_final {
                    return Ok(());
                }
                self.finals += 1;
                if let Some(ms) = results.duration.and_then(stt_wire::seconds_to_ms) {
                    self.results_ms = Some(self.results_ms.unwrap_or(0).saturating_add(ms));
                }
                if self.model.is_none() {
                    self.model = results
                        .metadata
                        .and_then(|m| m.model_info)
                        .and_then(|info| info.model());
                }
                let best = results
                    .channel
                    .and_then(|c| c.alternatives.into_iter().next());
                if let Some(best) = best {
                    let text = best.transcript.trim();
                    if !text.is_empty() {
                        self.texts.push(text.to_owned());
                        self.confidences.extend(best.confidence);
                    }
                }
            }
            Some("Metadata") => {
                let metadata: WireMetadata = serde_json::from_value(message).map_err(invalid)?;
                self.metadata_seen = true;
                self.metadata_ms = metadata.duration.and_then(stt_wire::seconds_to_ms);
                self.model = metadata.model().or_else(|| self.model.take());
            }
            Some("Error") => {
                let description = ["description", "message"]
                    .iter()
                    .find_map(|key| message.get(*key).and_then(Value::as_str))
                    .unwrap_or("error in stream");
                return Err(Fault::new(
                    ProviderFailure::ServerError,
                    http_safe(description),
                ));
            }
            _ => {} // SpeechStarted, UtteranceEnd, …
        }
        Ok(())
    }

    pub(super) fn into_transcript(self) -> Transcript {
        Transcript {
            confidence: stt_wire::mean(&self.confidences),
            text: self.texts.join(" "),
            duration_ms: self.metadata_ms.or(self.results_ms),
            model: self.model,
        }
    }
}

/// A provider's text, shortened for an error message.
pub(super) fn http_safe(text: &str) -> String {
    failure::error_message(text).unwrap_or_else(|| "error in stream".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Collected;
    use hellosales_domain::error::ProviderFailure;

    fn results(transcript: &str, is_final: bool, duration: f64) -> String {
        serde_json::json!({
            "type": "Results", "is_final": is_final, "start": 0.0, "duration": duration,
            "channel": {"alternatives": [{"transcript": transcript, "confidence": 0.5}]},
            "metadata": {"model_info": {"name": "general-nova-3", "arch": "nova-3"}},
        })
        .to_string()
    }

    #[test]
    fn finals_are_joined_and_their_durations_summed_without_metadata() {
        let mut collected = Collected::default();
        collected.absorb(&results("Hello", true, 1.25)).unwrap();
        collected
            .absorb(&results("ignored interim", false, 9.0))
            .unwrap();
        collected.absorb(&results(" ", true, 0.5)).unwrap();
        collected.absorb(&results("world.", true, 0.75)).unwrap();
        collected
            .absorb(r#"{"type":"UtteranceEnd","last_word_end":2.1}"#)
            .unwrap();
        let transcript = collected.into_transcript();
        assert_eq!(transcript.text, "Hello world.");
        assert_eq!(transcript.duration_ms, Some(2500));
        assert_eq!(transcript.model.as_deref(), Some("nova-3"));
        assert_eq!(transcript.confidence, Some(0.5));
    }

    #[test]
    fn metadata_duration_wins_and_errors_are_typed() {
        let mut collected = Collected::default();
        collected.absorb(&results("Hi", true, 1.0)).unwrap();
        collected
            .absorb(r#"{"type":"Metadata","duration":1.5,"models":[]}"#)
            .unwrap();
        assert_eq!(collected.into_transcript().duration_ms, Some(1500));
        let fault = Collected::default()
            .absorb(r#"{"type":"Error","description":"bad audio"}"#)
            .unwrap_err();
        assert_eq!(fault.failure, ProviderFailure::ServerError);
        assert_eq!(fault.message, "bad audio");
        let fault = Collected::default().absorb("{nope").unwrap_err();
        assert_eq!(fault.failure, ProviderFailure::MalformedStream);
    }
}
