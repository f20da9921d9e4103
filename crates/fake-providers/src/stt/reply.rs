//! Scripted speech-to-text replies: what the fake answers to one request or live session,
//! rendered in the wire format of the route that receives it.

use std::time::Duration;

/// What the fake speech-to-text server answers to one request (or live session).
#[derive(Clone, Debug)]
pub struct SttReply {
    pub(crate) body: SttBody,
    pub(crate) delay: Duration,
}

/// The content of a reply.
#[derive(Clone, Debug)]
pub(crate) enum SttBody {
    /// What was said.
    Spoken(Spoken),
    /// An error status with the provider's error body (refuses the handshake of a live session).
    Error {
        status: u16,
        message: String,
        retry_after: Option<String>,
    },
    /// 200 with a body that is not JSON; a live session sends one such text frame, then closes.
    InvalidJson,
    /// 200 with an empty body; a live session closes without any result or metadata.
    Nothing,
}

/// A transcript, in the segments a provider reports it in.
#[derive(Clone, Debug)]
pub(crate) struct Spoken {
    /// One result per segment (live `Results` messages, Google `results`); joined with spaces
    /// where a provider answers one text.
    pub(crate) segments: Vec<String>,
    pub(crate) length: Length,
    pub(crate) confidence: f32,
    /// The model Deepgram reports; the requested one when `None`.
    pub(crate) model: Option<String>,
}

/// The duration a reply reports.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Length {
    /// Computed from the audio received when it is WAV or raw PCM, else one second.
    FromAudio,
    /// Exactly this many milliseconds.
    Fixed(u32),
    /// None at all.
    Omitted,
}

/// The duration reported when the audio's cannot be computed.
pub(crate) const UNKNOWN_AUDIO_MS: u32 = 1000;

impl Spoken {
    /// The text as one string.
    pub(crate) fn text(&self) -> String {
        self.segments
            .iter()
            .map(|segment| segment.trim())
            .filter(|segment| !segment.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The milliseconds reported for audio that plays `audio_ms` (when known); `None` when
    /// the reply omits them.
    pub(crate) fn duration_ms(&self, audio_ms: Option<u32>) -> Option<u32> {
        match self.length {
            Length::FromAudio => Some(audio_ms.unwrap_or(UNKNOWN_AUDIO_MS)),
            Length::Fixed(ms) => Some(ms),
            Length::Omitted => None,
        }
    }
}

impl SttReply {
    fn new(body: SttBody) -> Self {
        Self {
            body,
            delay: Duration::ZERO,
        }
    }

    /// `text` as one segment, with confidence 0.98 and the duration of the audio received.
    pub fn transcript(text: impl Into<String>) -> Self {
        Self::segments([text.into()])
    }

    /// These segments: one final result each (live `Results`, Google `results`), joined with
    /// spaces where a provider answers one text; the duration is shared evenly among them.
    pub fn segments<I>(segments: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        Self::new(SttBody::Spoken(Spoken {
            segments: segments.into_iter().map(Into::into).collect(),
            length: Length::FromAudio,
            confidence: 0.98,
            model: None,
        }))
    }

    /// An error status with the provider's error body carrying `message`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::new(SttBody::Error {
            status,
            message: message.into(),
            retry_after: None,
        })
    }

    /// 429 with `Retry-After: seconds`.
    #[must_use]
    pub fn rate_limited(retry_after_seconds: u64) -> Self {
        Self::error(429, "rate limit reached").with_retry_after(retry_after_seconds.to_string())
    }

    /// 401.
    #[must_use]
    pub fn unauthorized() -> Self {
        Self::error(401, "invalid credentials")
    }

    /// 500.
    #[must_use]
    pub fn server_error() -> Self {
        Self::error(500, "internal error")
    }

    /// 200 with a body that is not JSON (a live session: one such text frame, then a close).
    #[must_use]
    pub fn invalid_json() -> Self {
        Self::new(SttBody::InvalidJson)
    }

    /// 200 with an empty body (a live session: a clean close without any result or metadata).
    #[must_use]
    pub fn nothing() -> Self {
        Self::new(SttBody::Nothing)
    }

    /// Transcripts: this duration instead of the audio's.
    #[must_use]
    pub fn with_duration_ms(mut self, duration_ms: u32) -> Self {
        if let SttBody::Spoken(spoken) = &mut self.body {
            spoken.length = Length::Fixed(duration_ms);
        }
        self
    }

    /// Transcripts: no duration at all (no `duration`, `resultEndTime`, `totalBilledTime`).
    #[must_use]
    pub fn without_duration(mut self) -> Self {
        if let SttBody::Spoken(spoken) = &mut self.body {
            spoken.length = Length::Omitted;
        }
        self
    }

    /// Transcripts: the confidence of every segment (default 0.98).
    #[must_use]
    pub fn with_confidence(mut self, confidence: f32) -> Self {
        if let SttBody::Spoken(spoken) = &mut self.body {
            spoken.confidence = confidence;
        }
        self
    }

    /// Transcripts: the model Deepgram reports (default: the requested one).
    #[must_use]
    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        if let SttBody::Spoken(spoken) = &mut self.body {
            spoken.model = Some(model.into());
        }
        self
    }

    /// Errors: the `Retry-After` header.
    #[must_use]
    pub fn with_retry_after(mut self, value: impl Into<String>) -> Self {
        if let SttBody::Error { retry_after, .. } = &mut self.body {
            *retry_after = Some(value.into());
        }
        self
    }

    /// Waits this long before answering (a live session: after the end of the audio).
    #[must_use]
    pub const fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}
