//! The `voice_chat` pipeline: speech in, the chat stages, speech out.
//!
//! ```text
//! [stt] ──> [input_guard] ──────┐
//!   └─────> [summary_enrich] ───┼──> [llm] ──> [output_guard] ──> [persist]
//!           [profile_enrich] ───┘                    └──────────> [tts]
//! ```
//!
//! `profile_enrich` reads only the organization and its company profile, so it runs while the
//! speech is transcribed; the guard and the summary read the transcript. `tts` speaks the
//! answer as the output guard left it, beside `persist`. The chat stages are the chat
//! pipeline's own; they read the user's text from `stt` ([`TRANSCRIPT`](crate::chat::stages::TRANSCRIPT)).

use super::inbox::AudioInbox;
use super::stages::{STT, SttStage, TTS, TtsSettings, TtsStage};
use crate::chat::ChatDeps;
use crate::chat::stages::enrich::{ProfileEnrichStage, SummaryEnrichStage};
use crate::chat::stages::guards::{InputGuardStage, OutputGuardStage};
use crate::chat::stages::llm::LlmStage;
use crate::chat::stages::persist::PersistStage;
use crate::chat::stages::{
    INPUT_GUARD, LLM, OUTPUT_GUARD, PERSIST, PROFILE_ENRICH, SUMMARY_ENRICH,
};
use hellosales_providers::{RecordingStt, RecordingTts};
use stageflow::interceptors::{InterceptorConfig, default_interceptors};
use stageflow::{BuildError, Pipeline, StageKind, StageSpec};
use std::time::Duration;

/// The registered name of the voice pipeline.
pub const VOICE_PIPELINE: &str = "voice_chat";
/// The topology recorded with each run.
pub const VOICE_TOPOLOGY: &str = "voice_chat";

/// What the speech stages work with, besides the chat stages' [`ChatDeps`].
#[derive(Clone, Debug)]
pub struct SpeechDeps {
    /// Speech-to-text, recorded.
    pub stt: RecordingStt,
    /// The speech-to-text model.
    pub stt_model: String,
    /// Text-to-speech, recorded; `None`: voice turns are answered in text only.
    pub tts: Option<RecordingTts>,
    /// How the answer is spoken.
    pub tts_settings: TtsSettings,
    /// Where each turn's audio waits for its `stt` stage.
    pub inbox: AudioInbox,
}

/// The time limits of the voice pipeline's slow stages (none is retried: a retry would hear or
/// speak again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VoiceTimeouts {
    /// A whole transcription.
    pub stt: Duration,
    /// A whole streamed answer.
    pub llm: Duration,
    /// Speaking the whole answer.
    pub tts: Duration,
}

/// Builds the voice pipeline.
///
/// # Errors
/// Only if the graph were invalid (it is fixed; a test builds it).
pub fn voice_pipeline(
    chat: &ChatDeps,
    speech: &SpeechDeps,
    interceptors: &InterceptorConfig,
    timeouts: VoiceTimeouts,
) -> Result<Pipeline, BuildError> {
    let stt = SttStage::new(
        speech.stt.clone(),
        chat.sessions.clone(),
        speech.inbox.clone(),
        speech.stt_model.clone(),
    );
    let mut builder = Pipeline::builder(VOICE_PIPELINE)
        .interceptors(default_interceptors(interceptors))
        .stage(
            StageSpec::new(STT, stt, StageKind::Transform)
                .timeout(timeouts.stt)
                .max_attempts(1),
        )
        .stage(
            StageSpec::new(
                INPUT_GUARD,
                InputGuardStage::new(chat.guard.clone(), chat.identities.clone()),
                StageKind::Guard,
            )
            .depends_on([STT]),
        )
        .stage(StageSpec::new(
            PROFILE_ENRICH,
            ProfileEnrichStage::new(chat.company_profiles.clone(), chat.identities.clone()),
            StageKind::Enrich,
        ))
        .stage(
            StageSpec::new(
                SUMMARY_ENRICH,
                SummaryEnrichStage::new(chat.sessions.clone(), chat.memory.clone()),
                StageKind::Enrich,
            )
            .depends_on([STT]),
        )
        .stage(
            StageSpec::new(LLM, LlmStage::new(chat.llm.clone()), StageKind::Transform)
                .depends_on([INPUT_GUARD, PROFILE_ENRICH, SUMMARY_ENRICH])
                .timeout(timeouts.llm)
                .max_attempts(1)
                .without_circuit_breaker(),
        )
        .stage(
            StageSpec::new(
                OUTPUT_GUARD,
                OutputGuardStage::new(chat.guard.clone()),
                StageKind::Guard,
            )
            .depends_on([LLM, INPUT_GUARD]),
        )
        .stage(
            StageSpec::new(
                PERSIST,
                PersistStage::new(chat.sessions.clone()),
                StageKind::Work,
            )
            .depends_on([OUTPUT_GUARD, LLM]),
        );
    if let Some(tts) = &speech.tts {
        let stage = TtsStage::new(
            tts.clone(),
            chat.sessions.clone(),
            speech.tts_settings.clone(),
        );
        builder = builder.stage(
            StageSpec::new(TTS, stage, StageKind::Transform)
                .depends_on([OUTPUT_GUARD])
                .timeout(timeouts.tts)
                .max_attempts(1),
        );
    }
    builder.build()
}
