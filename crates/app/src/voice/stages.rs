//! The two stages a voice turn adds to the chat stages:
//!
//! * [`SttStage`] (`stt`): takes the turn's audio from the [`AudioInbox`], finishes the live
//!   transcription or transcribes the whole recording (the live session failing falls back to
//!   the recording), writes the transcript into the stored voice message, counts its cost in
//!   the session, streams `{"transcript": …}` so that the client sees it at once, and hands the
//!   text on under [`TRANSCRIPT`]. Nothing heard cancels the run.
//! * [`TtsStage`] (`tts`): speaks the answer as the output guard left it, one clip per
//!   sentence ([`split_sentences`]): two syntheses in flight, clips streamed strictly in
//!   sentence order as `{"audio": base64, …}`; measures the time to the first clip (TTFC) and
//!   the audio's length, and counts the cost in the session.
//!
//! Audio is spoken only after the output guard: unlike streamed text, which `chat.complete`
//! replaces when the guard filters it, spoken words cannot be taken back.

use super::inbox::{AudioInbox, HeardAudio};
use super::sentences::split_sentences;
use crate::chat::stages::{OUTPUT_GUARD, RESPONSE, TRANSCRIPT, run_scope, stage_error};
use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures::StreamExt;
use hellosales_domain::ports::{
    AiService, AudioFormat, CallContext, SessionStore, SttRequest, TtsRequest,
};
use hellosales_domain::sessions::HeardSpeech;
use hellosales_domain::{AppResult, InteractionId};
use hellosales_providers::{RecordedTranscript, RecordingStt, RecordingTts};
use serde_json::json;
use stageflow::{StageContext, StageError, StageOutput, codes};
use std::sync::Arc;
use std::time::Instant;

/// The name of the speech-to-text stage.
pub const STT: &str = "stt";
/// The name of the text-to-speech stage.
pub const TTS: &str = "tts";

/// Stage data (both stages): the provider call (`tts`: the first clip's).
pub const CALL_ID: &str = "provider_call_id";
/// Stage data (both stages): the exact cost of the stage's calls, in micro-USD.
pub const COST: &str = "cost_usd_micros";
/// Stage data (both stages): the duration of the audio heard or spoken.
pub const AUDIO_MS: &str = "audio_duration_ms";
/// Stage data of `tts`: from the first synthesis request to the first clip.
pub const TTFC_MS: &str = "ttfc_ms";

/// Syntheses in flight at once: the next sentence is spoken while the current one is sent.
const SYNTHESES_IN_FLIGHT: usize = 2;

/// The call context of a voice stage.
fn call_context(ctx: &StageContext) -> Result<CallContext, StageError> {
    let (org, user, session) = run_scope(ctx)?;
    let snapshot = ctx.snapshot();
    let mut call = CallContext::new(AiService::Chat)
        .for_tenant(org, user)
        .with_pipeline_run(snapshot.pipeline_run_id)
        .with_session(session.as_uuid(), snapshot.interaction_id);
    if let Some(request_id) = &snapshot.request_id {
        call = call.with_request_id(request_id.clone());
    }
    Ok(call)
}

/// `stt`: what the user said.
pub struct SttStage {
    stt: RecordingStt,
    sessions: Arc<dyn SessionStore>,
    inbox: AudioInbox,
    model: String,
}

impl SttStage {
    /// The stage over `stt`, asking `model`.
    #[must_use]
    pub fn new(
        stt: RecordingStt,
        sessions: Arc<dyn SessionStore>,
        inbox: AudioInbox,
        model: String,
    ) -> Self {
        Self {
            stt,
            sessions,
            inbox,
            model,
        }
    }

    async fn transcribe(
        &self,
        call: &CallContext,
        heard: HeardAudio,
    ) -> AppResult<RecordedTranscript> {
        if let Some(live) = heard.live {
            match live.finish().await {
                Ok(transcript) => return Ok(transcript),
                Err(error) if heard.audio.is_empty() => return Err(error),
                Err(error) => tracing::warn!(
                    error = %error,
                    code = error.code(),
                    "the live transcription failed; transcribing the whole recording"
                ),
            }
        }
        let request = SttRequest {
            model: self.model.clone(),
            audio: heard.audio,
            format: heard.format,
            sample_rate: heard.sample_rate,
            language: heard.language,
        };
        self.stt.transcribe(call, request).await
    }
}

#[async_trait]
impl stageflow::Stage for SttStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, session) = run_scope(ctx)?;
        let snapshot = ctx.snapshot();
        let heard = self
            .inbox
            .take(snapshot.pipeline_run_id)
            .ok_or_else(|| StageError::new(codes::INPUT_MISSING, "the voice run has no audio"))?;
        let interaction = snapshot.interaction_id.ok_or_else(|| {
            StageError::new(codes::INPUT_MISSING, "the voice run has no stored message")
        })?;
        let call = call_context(ctx)?;
        let recorded = tokio::select! {
            biased;
            () = ctx.cancellation().cancelled() => return Ok(StageOutput::cancel("cancelled")),
            recorded = self.transcribe(&call, heard) => recorded.map_err(stage_error)?,
        };
        let text = recorded.transcript.text.trim().to_owned();
        let heard = HeardSpeech {
            transcript: text.clone(),
            audio_duration_ms: recorded.audio_duration_ms,
            stt_provider_call_id: Some(recorded.call_id),
        };
        self.sessions
            .record_transcript(org, session, InteractionId(interaction), &heard)
            .await
            .map_err(stage_error)?;
        if let Some(cost) = recorded.cost_usd_micros.filter(|&c| c > 0) {
            self.sessions
                .add_cost(org, session, cost)
                .await
                .map_err(stage_error)?;
        }
        let output = StageOutput::ok()
            .with(CALL_ID, recorded.call_id.to_string())
            .with(COST, recorded.cost_usd_micros)
            .with(AUDIO_MS, recorded.audio_duration_ms)
            .with("confidence", recorded.transcript.confidence)
            .with("model", recorded.transcript.model);
        if text.is_empty() {
            ctx.emit_event("stt.no_speech", json!({}));
            return Ok(
                StageOutput::cancel("no speech was recognized in the recording")
                    .with_data(output.data),
            );
        }
        ctx.stream(json!({ "transcript": text, "audio_duration_ms": recorded.audio_duration_ms }))
            .await?;
        Ok(output.with(TRANSCRIPT, text))
    }
}

stage_debug!(SttStage);

/// What the `tts` stage speaks with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TtsSettings {
    /// The provider's model (`standard`, `gemini-2.5-flash-preview-tts`, `espeak-ng`).
    pub model: String,
    /// The voice; the provider's default when `None`.
    pub voice: Option<String>,
    /// The language; the provider's default when `None`.
    pub language: Option<String>,
    /// The encoding of the clips.
    pub format: AudioFormat,
}

/// `tts`: the answer, spoken.
pub struct TtsStage {
    tts: RecordingTts,
    sessions: Arc<dyn SessionStore>,
    settings: TtsSettings,
}

impl TtsStage {
    /// The stage over `tts`.
    #[must_use]
    pub fn new(tts: RecordingTts, sessions: Arc<dyn SessionStore>, settings: TtsSettings) -> Self {
        Self {
            tts,
            sessions,
            settings,
        }
    }

    fn request(&self, text: String) -> TtsRequest {
        TtsRequest {
            model: self.settings.model.clone(),
            text,
            voice: self.settings.voice.clone(),
            language: self.settings.language.clone(),
            format: self.settings.format,
        }
    }
}

#[async_trait]
impl stageflow::Stage for TtsStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, session) = run_scope(ctx)?;
        let answer: String = ctx.inputs().get_from(OUTPUT_GUARD, RESPONSE)?;
        let sentences = split_sentences(&answer);
        let count = sentences.len();
        let call = call_context(ctx)?;
        let started = Instant::now();
        let mut clips = futures::stream::iter(sentences.into_iter().map(|sentence| {
            let call = &call;
            let request = self.request(sentence.clone());
            async move { (sentence, self.tts.synthesize(call, request).await) }
        }))
        .buffered(SYNTHESES_IN_FLIGHT);

        let (mut first_call, mut ttfc_ms, mut cost, mut audio_ms) = (None, None, None, None);
        let mut calls = Vec::with_capacity(count);
        let mut index = 0_u32;
        loop {
            let next = tokio::select! {
                biased;
                () = ctx.cancellation().cancelled() => return Ok(StageOutput::cancel("cancelled")),
                next = clips.next() => next,
            };
            let Some((sentence, spoken)) = next else {
                break;
            };
            let spoken = spoken.map_err(stage_error)?;
            if ttfc_ms.is_none() {
                ttfc_ms = Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
                first_call = Some(spoken.call_id);
            }
            calls.push(spoken.call_id.to_string());
            cost = sum(cost, spoken.cost_usd_micros);
            audio_ms = sum(audio_ms, spoken.audio.duration_ms.map(i64::from));
            ctx.stream(json!({
                "audio": BASE64.encode(&spoken.audio.audio),
                "format": spoken.audio.format.as_str(),
                "duration_ms": spoken.audio.duration_ms,
                "sample_rate": spoken.audio.sample_rate,
                "index": index,
                "text": sentence,
                "is_final": usize::try_from(index + 1).is_ok_and(|n| n == count),
            }))
            .await?;
            index += 1;
        }
        if let Some(cost) = cost.filter(|&c| c > 0) {
            self.sessions
                .add_cost(org, session, cost)
                .await
                .map_err(stage_error)?;
        }
        Ok(StageOutput::ok()
            .with(CALL_ID, first_call.map(|id| id.to_string()))
            .with("provider_call_ids", calls)
            .with("clips", index)
            .with(COST, cost)
            .with(AUDIO_MS, audio_ms)
            .with(TTFC_MS, ttfc_ms))
    }
}

stage_debug!(TtsStage);

/// The sum of two optional amounts (`None` only when both are).
fn sum(total: Option<i64>, more: Option<i64>) -> Option<i64> {
    match (total, more) {
        (Some(a), Some(b)) => Some(a.saturating_add(b)),
        (a, b) => a.or(b),
    }
}
