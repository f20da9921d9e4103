//! [`VoiceService`]: one spoken chat turn, end to end.
//!
//! 1. [`VoiceService::start`] checks `voice.start` (format, sample rate, language) and opens a
//!    live transcription when the provider has one; [`VoiceRecording::push`] takes each chunk
//!    within the limits.
//! 2. [`VoiceService::turn`] (at `voice.end`) waits for the session's turn (shared with chat
//!    turns), stores the user's voice message (before any AI work: its transcript is written
//!    into it by the `stt` stage), records the run (topology `voice_chat`) and runs the
//!    pipeline, forwarding what it streams: the transcript, the answer's tokens, a clip per
//!    sentence.
//! 3. It records the outcome (stages; TTFT, TTFA at the first clip forwarded, TTFC; the audio
//!    durations; the stt, llm and first tts calls; the total cost) and ends with
//!    `chat.complete` + `voice.complete`, `chat.blocked`, `voice.cancelled` or the error. A run
//!    that failed after the speech was heard goes to the dead-letter queue as the chat turn of
//!    its transcript; one whose speech-to-text failed cannot be replayed (the audio is not
//!    kept) and is not queued.

use super::inbox::{AudioInbox, HeardAudio};
use super::pipeline::{VOICE_PIPELINE, VOICE_TOPOLOGY};
use super::recording::{VoiceLimits, VoiceRecording, VoiceStart};
use super::stages::{AUDIO_MS, CALL_ID, COST, STT, TTFC_MS, TTS};
use super::updates::{
    VoiceAudioChunk, VoiceCancelled, VoiceComplete, VoiceStatus, VoiceTranscript, VoiceUpdate,
};
use crate::chat::prompt::CHAT_PROMPT_VERSION;
use crate::chat::stages::{
    INPUT_GUARD, LLM, MAX_TOKENS, MESSAGE_ID, MODEL, TEMPERATURE, TRANSCRIPT, USER_SEQUENCE,
};
use crate::chat::{ChatBlocked, ChatService, ChatToken, ChatUpdate, completed, turn_error};
use crate::dead_letters::ReplayInput;
use crate::observability::{QUALITY_MODE_KEY, RunTotals};
use crate::streamed::run_totals;
use hellosales_domain::ports::{AiService, CallContext, SttRequest};
use hellosales_domain::sessions::{
    Interaction, InteractionRole, NewInteraction, NewSession, parse_message_id,
};
use hellosales_domain::{AppError, AppResult, OrgContext, SessionId};
use hellosales_providers::RecordingStt;
use serde_json::{Value, json};
use stageflow::{
    ContextSnapshot, Pipeline, PipelineError, PipelineResults, RunOptions, StreamItem,
    stream_channel,
};
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// The voice settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoiceConfig {
    /// How much audio a turn may carry.
    pub limits: VoiceLimits,
    /// Transcribe while the audio arrives when the provider can (`STT_LIVE`, default on).
    pub live_transcription: bool,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self {
            limits: VoiceLimits::default(),
            live_transcription: true,
        }
    }
}

/// What [`VoiceService::new`] wires together.
#[derive(Clone)]
pub struct VoiceServiceParts {
    /// The chat service (session order, run recorder, events, settings, dead letters).
    pub chat: ChatService,
    /// The `voice_chat` pipeline.
    pub pipeline: Pipeline,
    /// Speech-to-text (for live transcriptions opened at `voice.start`).
    pub stt: RecordingStt,
    /// The speech-to-text model.
    pub stt_model: String,
    /// Where each turn's audio waits for its `stt` stage (the pipeline's own).
    pub inbox: AudioInbox,
    /// The settings.
    pub config: VoiceConfig,
}

impl fmt::Debug for VoiceServiceParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoiceServiceParts")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Runs voice turns. Cheap to clone.
#[derive(Clone)]
pub struct VoiceService {
    inner: Arc<VoiceServiceParts>,
}

impl fmt::Debug for VoiceService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VoiceService")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// What the forwarding of a run's stream measured.
#[derive(Debug, Default)]
struct Forwarded {
    first_token: Option<Duration>,
    first_audio: Option<Duration>,
}

impl VoiceService {
    /// A service over `parts`.
    #[must_use]
    pub fn new(parts: VoiceServiceParts) -> Self {
        Self {
            inner: Arc::new(parts),
        }
    }

    /// The limits of a turn.
    #[must_use]
    pub fn limits(&self) -> VoiceLimits {
        self.inner.config.limits
    }

    /// Begins recording a turn: checks what `voice.start` asked for and opens a live
    /// transcription when the provider has one (a provider that cannot is not an error: the
    /// whole recording is transcribed at the end).
    ///
    /// # Errors
    /// `VALIDATION_ERROR` (format, sample rate, language, message id).
    pub async fn start(&self, caller: &OrgContext, start: VoiceStart) -> AppResult<VoiceRecording> {
        let (format, sample_rate) = start.checked()?;
        parse_message_id(start.message_id.clone())?;
        let run_id = Uuid::now_v7();
        let live = if self.inner.config.live_transcription {
            let request = SttRequest {
                model: self.inner.stt_model.clone(),
                audio: Vec::new(),
                format,
                sample_rate,
                language: start.language.clone(),
            };
            let mut call = CallContext::new(AiService::Chat)
                .for_tenant(caller.org_id, caller.user_id)
                .with_pipeline_run(run_id)
                .with_request_id(caller.request_id.clone());
            if let Some(session) = start.session_id {
                call = call.with_session(session.as_uuid(), None);
            }
            match self.inner.stt.start_stream(&call, request).await {
                Ok(live) => live,
                Err(error) => {
                    tracing::warn!(
                        error = %error,
                        code = error.code(),
                        "no live transcription; the recording will be transcribed whole"
                    );
                    None
                }
            }
        } else {
            None
        };
        Ok(VoiceRecording {
            start,
            run_id,
            format,
            sample_rate,
            audio: Vec::new(),
            live,
            limits: self.inner.config.limits,
        })
    }

    /// Answers a recorded turn, sending its updates to `updates`. Returns once the turn ended.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` (no audio), `SESSION_NOT_FOUND`, `INVALID_STATE` (an ended session),
    /// `CONFLICT` (a `message_id` sent before), `BAD_REQUEST` (no speech was recognized), the
    /// speech or LLM provider's typed error, or `STAGE_FAILED`.
    pub async fn turn(
        &self,
        caller: &OrgContext,
        recording: VoiceRecording,
        cancel: CancellationToken,
        updates: mpsc::Sender<VoiceUpdate>,
    ) -> AppResult<()> {
        if recording.is_empty() && recording.live.is_none() {
            return Err(AppError::Validation {
                message: "no audio was sent before voice.end".to_owned(),
                fields: vec![hellosales_domain::error::FieldError::new(
                    "data",
                    "required",
                    "send the recording in voice.chunk frames before voice.end",
                )],
            });
        }
        let chat = &self.inner.chat;
        let shared = chat.shared();
        let message_id = parse_message_id(recording.start.message_id.clone())?
            .unwrap_or_else(|| Uuid::now_v7().to_string());
        let session = match recording.start.session_id {
            Some(session) => session,
            None => {
                shared
                    .sessions
                    .create(caller.org_id, caller.user_id, &NewSession::default())
                    .await?
                    .id
            }
        };
        let _turn = chat.lock_session(session).await;
        let heard_ms = recording.duration_ms();
        let message = NewInteraction::voice(InteractionRole::User, heard_ms)
            .with_message_id(Some(message_id.clone()));
        let user_message = shared
            .sessions
            .append(caller.org_id, caller.user_id, session, &message)
            .await
            .map_err(|error| match error {
                AppError::Conflict { .. } => AppError::Conflict {
                    message: format!(
                        "message {message_id} was already received; send a new recording with \
                         a new message_id"
                    ),
                },
                other => other,
            })?;
        let status = |stage| VoiceUpdate::Status(VoiceStatus { stage });
        if updates.send(status("transcribing")).await.is_err() {
            return Ok(());
        }

        let snapshot = self.snapshot(
            caller,
            session,
            &user_message,
            &message_id,
            recording.run_id,
        );
        let metadata = json!({
            "prompt_version": CHAT_PROMPT_VERSION,
            "message_id": message_id,
            "audio_format": recording.format.as_str(),
            "live_transcription": recording.live.is_some(),
        });
        if let Err(error) = shared
            .runs
            .start(&snapshot, VOICE_PIPELINE, "voice", metadata)
            .await
        {
            tracing::warn!(error = %error, code = error.code(), "the voice run was not recorded");
        }
        let run_id = snapshot.pipeline_run_id;
        self.inner.inbox.put(
            run_id,
            HeardAudio {
                audio: recording.audio,
                format: recording.format,
                sample_rate: recording.sample_rate,
                language: recording.start.language,
                live: recording.live,
            },
        );
        let (stream_tx, stream_rx) = stream_channel(shared.config.stream_capacity);
        let mut options = RunOptions::new()
            .sink(Arc::clone(shared.events))
            .cancellation(cancel.clone())
            .stream(stream_tx)
            .config_value(MODEL, shared.config.model().to_owned());
        if let Some(temperature) = shared.config.temperature {
            options = options.config_value(TEMPERATURE, f64::from(temperature));
        }
        if let Some(max_tokens) = shared.config.max_tokens {
            options = options.config_value(MAX_TOKENS, max_tokens);
        }
        let started = Instant::now();
        let run = self.inner.pipeline.run(snapshot.clone(), options);
        let turn = Turn {
            message_id: &message_id,
            session,
            user_message: &user_message,
        };
        let forward = forward(stream_rx, &updates, &cancel, started, &turn);
        let (result, forwarded) = tokio::join!(run, forward);
        // A run cancelled before its `stt` stage leaves its audio behind.
        drop(self.inner.inbox.take(run_id));

        let totals = voice_totals(&result, &forwarded);
        shared.runs.finish(&snapshot, &result, totals.clone()).await;
        let end = match result {
            Ok(results) => {
                let answer = completed(&results, &message_id, session, run_id, &totals)?;
                chat.turn_completed(caller, session);
                let complete = VoiceComplete {
                    interaction_id: answer.interaction_id,
                    user_interaction_id: user_message.id,
                    session_id: session,
                    pipeline_run_id: run_id,
                    stt_cost_usd_micros: stage_number(&results, STT, COST),
                    tts_cost_usd_micros: stage_number(&results, TTS, COST),
                    input_audio_duration_ms: totals.input_audio_duration_ms,
                    output_audio_duration_ms: totals.output_audio_duration_ms,
                    ttfa_ms: totals.ttfa_ms,
                };
                if updates
                    .send(VoiceUpdate::Chat(ChatUpdate::Complete(answer)))
                    .await
                    .is_err()
                {
                    return Ok(());
                }
                VoiceUpdate::Complete(complete)
            }
            Err(PipelineError::Cancelled(cancelled))
                if cancelled.stage.as_deref() == Some(INPUT_GUARD) =>
            {
                let guard = cancelled.partial_results.get(INPUT_GUARD);
                let text = |key: &str| guard.and_then(|stage| stage.get::<String>(key).ok());
                VoiceUpdate::Chat(ChatUpdate::Blocked(ChatBlocked {
                    message_id: message_id.clone(),
                    reason: text("reason").unwrap_or(cancelled.reason),
                    category: text("category"),
                    pipeline_run_id: run_id,
                }))
            }
            Err(PipelineError::Cancelled(cancelled)) if cancelled.stage.as_deref() == Some(STT) => {
                return Err(AppError::BadRequest {
                    message: "no speech was recognized in the recording".to_owned(),
                });
            }
            Err(PipelineError::Cancelled(_)) => VoiceUpdate::Cancelled(VoiceCancelled {
                message_id: message_id.clone(),
                pipeline_run_id: Some(run_id),
            }),
            Err(error) => {
                let client = turn_error(&error, run_id);
                let transcript = error
                    .partial_results()
                    .get(STT)
                    .and_then(|stage| stage.get::<String>(TRANSCRIPT).ok());
                if let (Some(transcript), Some(recorder)) = (transcript, shared.dead_letters) {
                    let input = ReplayInput::Chat {
                        session_id: session,
                        interaction_id: user_message.id,
                        message_id: message_id.clone(),
                        content: transcript,
                    };
                    recorder
                        .record_failure(&snapshot, &error, &client, &input)
                        .await;
                }
                return Err(client);
            }
        };
        // The client may have left; the outcome is recorded either way.
        let _ = updates.send(end).await;
        Ok(())
    }

    /// The snapshot of a run answering the voice message `user_message`.
    fn snapshot(
        &self,
        caller: &OrgContext,
        session: SessionId,
        user_message: &Interaction,
        message_id: &str,
        run_id: Uuid,
    ) -> ContextSnapshot {
        let quality = self.inner.chat.shared().config.quality_mode;
        ContextSnapshot::new()
            .with_pipeline_run_id(run_id)
            .with_request_id(caller.request_id.clone())
            .with_session_id(session.as_uuid())
            .with_user_id(caller.user_id.as_uuid())
            .with_org_id(caller.org_id.as_uuid())
            .with_interaction_id(user_message.id.as_uuid())
            .with_topology(VOICE_TOPOLOGY)
            .with_execution_mode("voice")
            .with_service("voice")
            .with_metadata(MESSAGE_ID, message_id)
            .with_metadata(USER_SEQUENCE, user_message.sequence_number)
            .with_metadata(QUALITY_MODE_KEY, quality.as_str())
    }
}

/// Who a forwarded update is about.
struct Turn<'a> {
    message_id: &'a str,
    session: SessionId,
    user_message: &'a Interaction,
}

/// Turns the run's stream items into updates until the run closes the stream: the `stt`
/// stage's transcript, the `llm` stage's deltas, the `tts` stage's clips. A client that stops
/// reading cancels the run.
async fn forward(
    mut stream: mpsc::Receiver<StreamItem>,
    updates: &mpsc::Sender<VoiceUpdate>,
    cancel: &CancellationToken,
    started: Instant,
    turn: &Turn<'_>,
) -> Forwarded {
    let mut measured = Forwarded::default();
    while let Some(item) = stream.recv().await {
        let mut sent = Vec::with_capacity(2);
        match &*item.stage {
            STT => {
                let Some(text) = item.data.get(TRANSCRIPT).and_then(Value::as_str) else {
                    continue;
                };
                sent.push(VoiceUpdate::Transcript(VoiceTranscript {
                    text: text.to_owned(),
                    interaction_id: turn.user_message.id,
                    session_id: turn.session,
                    message_id: turn.message_id.to_owned(),
                    audio_duration_ms: number(&item.data, AUDIO_MS),
                }));
                sent.push(VoiceUpdate::Status(VoiceStatus { stage: "thinking" }));
            }
            LLM => {
                let Some(delta) = item.data.get("delta").and_then(Value::as_str) else {
                    continue;
                };
                measured
                    .first_token
                    .get_or_insert_with(|| started.elapsed());
                sent.push(VoiceUpdate::Chat(ChatUpdate::Token(ChatToken {
                    message_id: turn.message_id.to_owned(),
                    delta: delta.to_owned(),
                    index: item.data.get("index").and_then(Value::as_u64).unwrap_or(0),
                })));
            }
            TTS => {
                let Some(chunk) = audio_chunk(&item.data) else {
                    continue;
                };
                if measured.first_audio.is_none() {
                    measured.first_audio = Some(started.elapsed());
                    sent.push(VoiceUpdate::Status(VoiceStatus { stage: "speaking" }));
                }
                sent.push(VoiceUpdate::Audio(chunk));
            }
            _ => continue,
        }
        for update in sent {
            if updates.send(update).await.is_err() {
                cancel.cancel();
                return measured;
            }
        }
    }
    measured
}

/// The `voice.audio.chunk` of a `tts` stream item.
fn audio_chunk(data: &Value) -> Option<VoiceAudioChunk> {
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(VoiceAudioChunk {
        data: text("audio")?,
        format: text("format")?,
        duration_ms: number(data, "duration_ms"),
        sample_rate: number(data, "sample_rate"),
        index: number(data, "index")?,
        text: text("text").unwrap_or_default(),
        is_final: data
            .get("is_final")
            .and_then(Value::as_bool)
            .unwrap_or(false),
    })
}

fn number<T: TryFrom<u64>>(data: &Value, key: &str) -> Option<T> {
    data.get(key)
        .and_then(Value::as_u64)
        .and_then(|n| T::try_from(n).ok())
}

/// A number of a stage's data.
fn stage_number<T: serde::de::DeserializeOwned>(
    results: &PipelineResults,
    stage: &str,
    key: &str,
) -> Option<T> {
    results
        .get(stage)
        .and_then(|data| data.get::<Option<T>>(key).ok().flatten())
}

/// What a voice run measured: the chat totals from its LLM stage, with the speech stages'
/// calls, costs and audio durations, and the time to the first clip.
fn voice_totals(
    result: &Result<PipelineResults, PipelineError>,
    forwarded: &Forwarded,
) -> RunTotals {
    let mut totals = run_totals(result, LLM, forwarded.first_token);
    let results = match result {
        Ok(results) => results,
        Err(error) => error.partial_results(),
    };
    let call = |stage: &str| -> Option<Uuid> {
        stage_number::<String>(results, stage, CALL_ID).and_then(|id| id.parse().ok())
    };
    totals.stt_provider_call_id = call(STT);
    totals.tts_provider_call_id = call(TTS);
    totals.input_audio_duration_ms = stage_number(results, STT, AUDIO_MS);
    totals.output_audio_duration_ms = stage_number(results, TTS, AUDIO_MS);
    totals.ttfc_ms = stage_number(results, TTS, TTFC_MS);
    totals.ttfa_ms = forwarded
        .first_audio
        .map(|at| u64::try_from(at.as_millis()).unwrap_or(u64::MAX));
    for stage in [STT, TTS] {
        if let Some(cost) = stage_number::<i64>(results, stage, COST) {
            totals.cost_usd_micros = Some(totals.cost_usd_micros.unwrap_or(0).saturating_add(cost));
        }
    }
    totals
}
