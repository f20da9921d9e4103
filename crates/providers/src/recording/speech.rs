//! [`RecordingStt`] and [`RecordingTts`]: the recording wrappers of speech calls. Each call is
//! one `provider_calls` record with operation `stt` or `tts`: the seconds of audio heard or
//! spoken (`audio_duration_ms`), the exact cost from the price table (per minute of audio, per
//! million characters, or per token for providers that bill speech by token), latency, the
//! transcript (unless prompt storage is off), the typed error of a failed call; a `gen_ai.call`
//! client span and the provider metrics, as for chat.
//!
//! The audio itself is never stored.

use super::attempt::{completed_at, millis};
use super::redact::redact_secrets;
use super::telemetry::{self, Operation};
use super::{Recorder, RecordingOptions};
use crate::pricing::PriceTable;
use chrono::{DateTime, Utc};
use hellosales_domain::ports::speech::{WavInfo, pcm16_duration_ms, recording_duration_ms};
use hellosales_domain::ports::{
    AudioFormat, CallContext, ProviderCallRecord, ProviderCallStore, STT_OPERATION, SpeechAudio,
    SttProvider, SttRequest, SttStream, TTS_OPERATION, Transcript, TtsProvider, TtsRequest,
};
use hellosales_domain::{AppError, AppResult};
use std::fmt;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::time::Instant;
use tracing::{Instrument, Span};
use uuid::Uuid;

/// A recorded transcription.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTranscript {
    /// The id of the call's `provider_calls` record.
    pub call_id: Uuid,
    /// What the provider heard.
    pub transcript: Transcript,
    /// The audio's duration: the provider's, else read from a WAV or PCM recording.
    pub audio_duration_ms: Option<u32>,
    /// The exact cost in micro-USD, when the model is priced and the duration known.
    pub cost_usd_micros: Option<i64>,
}

/// A recorded synthesis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedSpeech {
    /// The id of the call's `provider_calls` record.
    pub call_id: Uuid,
    /// What the provider spoke.
    pub audio: SpeechAudio,
    /// The exact cost in micro-USD, when the model is priced.
    pub cost_usd_micros: Option<i64>,
    /// From the request to the whole clip.
    pub latency_ms: u32,
}

/// One speech call under way: its record, span and clock.
struct SpeechCall {
    record: ProviderCallRecord,
    span: Span,
    started: Instant,
    runtime: Handle,
}

impl SpeechCall {
    fn start(
        context: &CallContext,
        operation: &'static str,
        provider: &str,
        model: &str,
    ) -> AppResult<Self> {
        let runtime = Handle::try_current().map_err(AppError::internal)?;
        let call_id = Uuid::now_v7();
        let kind = if operation == STT_OPERATION {
            Operation::Transcription
        } else {
            Operation::Speech
        };
        let span = telemetry::call_span(kind, context, provider, model, call_id);
        let started_at: DateTime<Utc> = Utc::now();
        let record = ProviderCallRecord {
            id: call_id,
            service: context.service,
            operation: operation.to_owned(),
            provider: provider.to_owned(),
            model_id: Some(model.to_owned()),
            request_id: context.request_id.clone(),
            pipeline_run_id: context.pipeline_run_id,
            session_id: context.session_id,
            interaction_id: context.interaction_id,
            user_id: context.user_id,
            org_id: context.org_id,
            prompt_messages: None,
            output_content: None,
            latency_ms: 0,
            ttft_ms: None,
            tokens_in: None,
            tokens_out: None,
            tokens_estimated: false,
            audio_duration_ms: None,
            cost_usd_micros: None,
            priced: false,
            success: false,
            error: None,
            error_code: None,
            finish_reason: None,
            response_model: None,
            started_at,
            completed_at: started_at,
        };
        Ok(Self {
            record,
            span,
            started: Instant::now(),
            runtime,
        })
    }

    /// Ends the call: measures, prices and writes its record, and waits until it is written
    /// (rows may refer to the call as soon as the caller has its id).
    async fn end<T>(
        mut self,
        recorder: &Recorder,
        answer: &AppResult<T>,
        characters: Option<u64>,
    ) -> ProviderCallRecord {
        let latency = self.started.elapsed();
        self.record.latency_ms = millis(latency);
        self.record.completed_at = completed_at(self.record.started_at, latency);
        match answer {
            Ok(_) => self.record.success = true,
            Err(error) => {
                self.record.error_code = Some(error.code().to_owned());
                self.record.error = Some(redact_secrets(&error.public_message()));
            }
        }
        recorder.price_speech(&mut self.record, characters);
        let written = {
            let _entered = self.span.enter();
            recorder.submit(self.record.clone(), &self.span, &self.runtime)
        };
        written.wait().await;
        self.record
    }
}

/// A speech-to-text model whose every call is recorded, traced and counted. Cheap to clone.
#[derive(Clone)]
pub struct RecordingStt {
    inner: Arc<dyn SttProvider>,
    recorder: Arc<Recorder>,
    options: RecordingOptions,
}

impl fmt::Debug for RecordingStt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingStt")
            .field("provider", &self.inner.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RecordingStt {
    /// Records the calls of `inner` into `store`, priced from `prices`.
    #[must_use]
    pub fn new(
        inner: Arc<dyn SttProvider>,
        store: Arc<dyn ProviderCallStore>,
        prices: Arc<PriceTable>,
        options: RecordingOptions,
    ) -> Self {
        Self {
            inner,
            recorder: Arc::new(Recorder::new(store, prices)),
            options,
        }
    }

    /// The wrapped provider's name.
    #[must_use]
    pub fn provider_name(&self) -> &str {
        self.inner.name()
    }

    /// Transcribes a whole recording for `context`; the call is recorded whatever its outcome.
    ///
    /// # Errors
    /// The provider's typed error; `Internal` outside a tokio runtime.
    pub async fn transcribe(
        &self,
        context: &CallContext,
        request: SttRequest,
    ) -> AppResult<RecordedTranscript> {
        let mut call =
            SpeechCall::start(context, STT_OPERATION, self.inner.name(), &request.model)?;
        let heard = recording_duration_ms(&request.audio, request.format, request.sample_rate);
        let answer = self
            .inner
            .transcribe(request)
            .instrument(call.span.clone())
            .await;
        self.observe(&mut call, &answer, heard);
        let record = call.end(&self.recorder, &answer, None).await;
        answer.map(|transcript| RecordedTranscript {
            call_id: record.id,
            transcript,
            audio_duration_ms: record.audio_duration_ms,
            cost_usd_micros: record.cost_usd_micros,
        })
    }

    /// Opens a live transcription for `context` when the provider has one (`Ok(None)`
    /// otherwise: transcribe the whole recording instead). The call is recorded when the
    /// stream finishes or fails.
    ///
    /// # Errors
    /// The provider's typed error when the session cannot be opened (recorded as a call).
    pub async fn start_stream(
        &self,
        context: &CallContext,
        request: SttRequest,
    ) -> AppResult<Option<RecordedSttStream>> {
        let call = SpeechCall::start(context, STT_OPERATION, self.inner.name(), &request.model)?;
        let (format, sample_rate) = (request.format, request.sample_rate);
        match self
            .inner
            .start_stream(request)
            .instrument(call.span.clone())
            .await
        {
            Ok(Some(stream)) => Ok(Some(RecordedSttStream {
                stream,
                call: Some(call),
                owner: self.clone(),
                header: Vec::with_capacity(HEADER_BYTES),
                total_bytes: 0,
                format,
                sample_rate,
            })),
            Ok(None) => Ok(None),
            Err(error) => {
                let failed: AppResult<()> = Err(error);
                call.end(&self.recorder, &failed, None).await;
                failed.map(|()| None)
            }
        }
    }

    fn observe(&self, call: &mut SpeechCall, answer: &AppResult<Transcript>, heard: Option<u32>) {
        if let Ok(transcript) = answer {
            call.record.audio_duration_ms = transcript.duration_ms.or(heard);
            call.record.response_model.clone_from(&transcript.model);
            if self.options.store_prompts {
                call.record.output_content = Some(transcript.text.clone());
            }
        } else {
            call.record.audio_duration_ms = heard;
        }
    }
}

/// A live transcription whose call is recorded when it ends (or when sending fails).
pub struct RecordedSttStream {
    stream: Box<dyn SttStream>,
    /// `None` once the call is recorded (sending failed).
    call: Option<SpeechCall>,
    owner: RecordingStt,
    header: Vec<u8>,
    total_bytes: usize,
    format: AudioFormat,
    sample_rate: Option<u32>,
}

/// Bytes of the recording's start kept to read its header (a WAV header is 44 bytes).
const HEADER_BYTES: usize = 64;

impl fmt::Debug for RecordedSttStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedSttStream")
            .field("call_id", &self.call.as_ref().map(|call| call.record.id))
            .field("bytes", &self.total_bytes)
            .finish_non_exhaustive()
    }
}

impl RecordedSttStream {
    /// Sends the next piece of audio.
    ///
    /// # Errors
    /// The provider's typed error (the call is then recorded as failed), or `INVALID_STATE`
    /// after such a failure.
    pub async fn send_audio(&mut self, chunk: Vec<u8>) -> AppResult<()> {
        if self.call.is_none() {
            return Err(ended());
        }
        let room = HEADER_BYTES.saturating_sub(self.header.len());
        self.header
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        self.total_bytes = self.total_bytes.saturating_add(chunk.len());
        let sent = self.stream.send_audio(chunk).await;
        if sent.is_err()
            && let Some(mut call) = self.call.take()
        {
            call.record.audio_duration_ms = self.heard_ms();
            call.end(&self.owner.recorder, &sent, None).await;
        }
        sent
    }

    /// Ends the audio and waits for the whole transcript; the call is recorded.
    ///
    /// # Errors
    /// The provider's typed error; `INVALID_STATE` when sending had failed.
    pub async fn finish(mut self) -> AppResult<RecordedTranscript> {
        let heard = self.heard_ms();
        let Some(mut call) = self.call.take() else {
            return Err(ended());
        };
        let answer = self.stream.finish().instrument(call.span.clone()).await;
        self.owner.observe(&mut call, &answer, heard);
        let record = call.end(&self.owner.recorder, &answer, None).await;
        answer.map(|transcript| RecordedTranscript {
            call_id: record.id,
            transcript,
            audio_duration_ms: record.audio_duration_ms,
            cost_usd_micros: record.cost_usd_micros,
        })
    }

    /// The duration of what was sent, from its header and length.
    fn heard_ms(&self) -> Option<u32> {
        match self.format {
            AudioFormat::Wav => {
                let info = WavInfo::read(&self.header)?;
                let data = self.total_bytes.saturating_sub(44);
                (info.channels == 1 && info.bits_per_sample == 16)
                    .then(|| pcm16_duration_ms(data, info.sample_rate))
                    .flatten()
            }
            AudioFormat::Pcm16 => self
                .sample_rate
                .and_then(|rate| pcm16_duration_ms(self.total_bytes, rate)),
            _ => None,
        }
    }
}

fn ended() -> AppError {
    AppError::InvalidState {
        message: "the live transcription failed; start a new one".to_owned(),
    }
}

/// A text-to-speech voice whose every call is recorded, traced and counted. Cheap to clone.
#[derive(Clone)]
pub struct RecordingTts {
    inner: Arc<dyn TtsProvider>,
    recorder: Arc<Recorder>,
    options: RecordingOptions,
}

impl fmt::Debug for RecordingTts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingTts")
            .field("provider", &self.inner.name())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RecordingTts {
    /// Records the calls of `inner` into `store`, priced from `prices`.
    #[must_use]
    pub fn new(
        inner: Arc<dyn TtsProvider>,
        store: Arc<dyn ProviderCallStore>,
        prices: Arc<PriceTable>,
        options: RecordingOptions,
    ) -> Self {
        Self {
            inner,
            recorder: Arc::new(Recorder::new(store, prices)),
            options,
        }
    }

    /// The wrapped provider's name.
    #[must_use]
    pub fn provider_name(&self) -> &str {
        self.inner.name()
    }

    /// Speaks the request's text for `context`; the call is recorded whatever its outcome.
    ///
    /// # Errors
    /// The provider's typed error; `Internal` outside a tokio runtime.
    pub async fn synthesize(
        &self,
        context: &CallContext,
        request: TtsRequest,
    ) -> AppResult<RecordedSpeech> {
        let mut call =
            SpeechCall::start(context, TTS_OPERATION, self.inner.name(), &request.model)?;
        let characters = u64::try_from(request.text.chars().count()).ok();
        if self.options.store_prompts {
            call.record.prompt_messages = Some(serde_json::json!([request.text]));
        }
        let answer = self
            .inner
            .synthesize(request)
            .instrument(call.span.clone())
            .await;
        if let Ok(audio) = &answer {
            call.record.audio_duration_ms = audio.duration_ms;
            call.record.response_model.clone_from(&audio.model);
            call.record.tokens_in = audio.tokens_in;
            call.record.tokens_out = audio.tokens_out;
        }
        let record = call.end(&self.recorder, &answer, characters).await;
        answer.map(|audio| RecordedSpeech {
            call_id: record.id,
            audio,
            cost_usd_micros: record.cost_usd_micros,
            latency_ms: record.latency_ms,
        })
    }
}
