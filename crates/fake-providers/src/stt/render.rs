//! The answers of the fake in each provider's wire format: Deepgram (prerecorded and live
//! messages), OpenAI-compatible `verbose_json`, Google `speech:recognize`, and their error bodies.

use super::reply::Spoken;
use serde_json::{Value, json};

/// The id Deepgram's answers give the model.
const MODEL_UUID: &str = "00000000-fake-4000-8000-000000000001";

/// Which provider an answer imitates.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Api {
    Deepgram,
    OpenAi,
    Google,
}

impl Api {
    /// The provider's error body for `status`.
    pub(crate) fn error_body(self, status: u16, message: &str) -> Value {
        match self {
            Self::Deepgram => json!({
                "err_code": match status {
                    401 | 403 => "INVALID_AUTH",
                    429 => "TOO_MANY_REQUESTS",
                    400..=499 => "Bad Request",
                    _ => "INTERNAL_SERVER_ERROR",
                },
                "err_msg": message,
                "request_id": "fake-request",
            }),
            Self::OpenAi => json!({
                "error": { "message": message, "type": "invalid_request_error", "code": null }
            }),
            Self::Google => json!({
                "error": {
                    "code": status,
                    "message": message,
                    "status": match status {
                        401 => "UNAUTHENTICATED",
                        403 => "PERMISSION_DENIED",
                        429 => "RESOURCE_EXHAUSTED",
                        400..=499 => "INVALID_ARGUMENT",
                        _ => "INTERNAL",
                    },
                }
            }),
        }
    }
}

fn seconds(ms: u32) -> f64 {
    f64::from(ms) / 1000.0
}

/// `(start, length)` in milliseconds of each of `count` segments sharing `total_ms` evenly.
fn timings(count: usize, total_ms: u32) -> Vec<(u32, u32)> {
    let count_u32 = u32::try_from(count.max(1)).unwrap_or(u32::MAX);
    let each = total_ms / count_u32;
    (0..count_u32)
        .map(|index| {
            let start = each * index;
            let length = if index + 1 == count_u32 {
                total_ms - start
            } else {
                each
            };
            (start, length)
        })
        .take(count)
        .collect()
}

fn model_info(model: &str) -> Value {
    json!({ "name": format!("general-{model}"), "version": "2024-01-01.fake", "arch": model })
}

/// Deepgram's `metadata` object (also the live `Metadata` message, with `type` added).
fn deepgram_metadata(duration_ms: Option<u32>, model: &str) -> Value {
    let mut metadata = json!({
        "transaction_key": "deprecated",
        "request_id": "fake-request",
        "channels": 1,
        "models": [MODEL_UUID],
        "model_info": { MODEL_UUID: model_info(model) },
    });
    if let Some(ms) = duration_ms {
        metadata["duration"] = json!(seconds(ms));
    }
    metadata
}

fn alternative(transcript: &str, confidence: f32) -> Value {
    json!({ "transcript": transcript, "confidence": confidence, "words": [] })
}

/// A Deepgram prerecorded answer.
pub(crate) fn deepgram_prerecorded(
    spoken: &Spoken,
    duration_ms: Option<u32>,
    model: &str,
) -> Value {
    json!({
        "metadata": deepgram_metadata(duration_ms, model),
        "results": {
            "channels": [{ "alternatives": [alternative(&spoken.text(), spoken.confidence)] }]
        }
    })
}

/// The messages of a live session after the audio: one final `Results` per segment, then
/// `Metadata`.
pub(crate) fn deepgram_live(spoken: &Spoken, duration_ms: Option<u32>, model: &str) -> Vec<Value> {
    let count = spoken.segments.len();
    let mut messages: Vec<Value> = spoken
        .segments
        .iter()
        .zip(timings(count, duration_ms.unwrap_or(0)))
        .map(|(segment, (start, length))| {
            let mut message = json!({
                "type": "Results",
                "channel_index": [0, 1],
                "is_final": true,
                "speech_final": true,
                "channel": { "alternatives": [alternative(segment.trim(), spoken.confidence)] },
                "metadata": {
                    "request_id": "fake-request",
                    "model_info": model_info(model),
                    "model_uuid": MODEL_UUID,
                },
            });
            if duration_ms.is_some() {
                message["start"] = json!(seconds(start));
                message["duration"] = json!(seconds(length));
            }
            message
        })
        .collect();
    let mut metadata = deepgram_metadata(duration_ms, model);
    metadata["type"] = json!("Metadata");
    messages.push(metadata);
    messages
}

/// An OpenAI-compatible transcription: `verbose_json` with duration and segments, else `json`.
pub(crate) fn openai(spoken: &Spoken, duration_ms: Option<u32>, verbose: bool) -> Value {
    let text = spoken.text();
    if !verbose {
        return json!({ "text": text });
    }
    let count = spoken.segments.len();
    let segments: Vec<Value> = spoken
        .segments
        .iter()
        .zip(timings(count, duration_ms.unwrap_or(0)))
        .enumerate()
        .map(|(id, (segment, (start, length)))| {
            json!({
                "id": id,
                "start": seconds(start),
                "end": seconds(start + length),
                "text": format!(" {}", segment.trim()),
                "avg_logprob": -0.2,
                "no_speech_prob": 0.01,
            })
        })
        .collect();
    let mut answer = json!({
        "task": "transcribe",
        "language": "english",
        "text": text,
        "segments": segments,
        "x_groq": { "id": "req_fake" },
    });
    if let Some(ms) = duration_ms {
        answer["duration"] = json!(seconds(ms));
    }
    answer
}

/// A Google `speech:recognize` answer: one result per non-empty segment.
pub(crate) fn google(spoken: &Spoken, duration_ms: Option<u32>) -> Value {
    let said: Vec<&str> = spoken
        .segments
        .iter()
        .map(|segment| segment.trim())
        .filter(|segment| !segment.is_empty())
        .collect();
    let results: Vec<Value> = said
        .iter()
        .zip(timings(said.len(), duration_ms.unwrap_or(0)))
        .map(|(segment, (start, length))| {
            let mut result = json!({
                "alternatives": [{ "transcript": segment, "confidence": spoken.confidence }],
                "languageCode": "en-us",
            });
            if duration_ms.is_some() {
                result["resultEndTime"] = json!(format!("{:.3}s", seconds(start + length)));
            }
            result
        })
        .collect();
    let mut answer = json!({ "requestId": "4242" });
    if !results.is_empty() {
        answer["results"] = json!(results);
    }
    if let Some(ms) = duration_ms {
        answer["totalBilledTime"] = json!(format!("{}s", ms.div_ceil(1000)));
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::timings;

    #[test]
    fn segments_share_the_duration() {
        assert_eq!(timings(3, 1000), vec![(0, 333), (333, 333), (666, 334)]);
        assert_eq!(timings(1, 0), vec![(0, 0)]);
        assert!(timings(0, 1000).is_empty());
    }
}
