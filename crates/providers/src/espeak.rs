//! The offline voice: text-to-speech by the local `espeak-ng` program (provider `local`).
//!
//! Each call runs `espeak-ng --stdin --stdout -b 1 -v {voice} -s {words per minute}`: the text
//! goes to its standard input (never into its arguments, so no text can be read as an option)
//! and the WAV it writes to standard output (22.05 kHz 16-bit mono, with the "unknown size"
//! header of a pipe) is answered with exact sizes, or as raw PCM when
//! [`AudioFormat::Pcm16`](hellosales_domain::ports::speech::AudioFormat) was asked; espeak-ng
//! writes no compressed formats, so a WAV answers those.
//!
//! At most [`EspeakConfig::max_concurrent`] syntheses run at once (the CPU is shared with the
//! server); further callers wait their turn. A synthesis that outlasts
//! [`EspeakConfig::timeout`] is killed. Failures are
//! [`AppError::Provider`](hellosales_domain::error::AppError::Provider)s with operation `tts`:
//! `BadRequest` for empty or too long text or an unsafe or unknown voice, `NotConfigured` when
//! the program is not installed, `ServerError` when it fails, `Timeout`.

use crate::tts_wire;
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use hellosales_domain::ports::speech::{SpeechAudio, TTS_OPERATION, TtsProvider, TtsRequest};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt as _;
use tokio::process::Command;
use tokio::sync::Semaphore;

/// The provider's name, as recorded and shown in errors.
pub const ESPEAK_PROVIDER: &str = "local";
/// The model recorded when a request names none.
pub const ESPEAK_MODEL: &str = "espeak-ng";
/// The program run when none is configured (looked up on `PATH`).
pub const ESPEAK_DEFAULT_PROGRAM: &str = "espeak-ng";
/// The voice when neither the configuration nor the request says one.
pub const ESPEAK_DEFAULT_VOICE: &str = "en-us";
/// The default speed, in words per minute (espeak-ng's own is 175).
pub const ESPEAK_DEFAULT_WORDS_PER_MINUTE: u32 = 165;
/// The default number of syntheses that may run at once.
pub const ESPEAK_DEFAULT_MAX_CONCURRENT: usize = 2;
/// The default longest run of one synthesis.
pub const ESPEAK_DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// The longest text one call may speak, in characters.
pub const ESPEAK_MAX_TEXT_CHARS: usize = 5_000;

/// Longest part of espeak-ng's error output kept in an error message.
const MAX_STDERR_CHARS: usize = 200;

/// Configuration of the local voice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EspeakConfig {
    /// The espeak-ng program: a path, or a name looked up on `PATH`.
    pub program: PathBuf,
    /// The voice (`en-us`, `en-gb-x-rp`, `en-us+f3`) when the request has none.
    pub voice: String,
    /// Speaking speed, kept within espeak-ng's 80–450.
    pub words_per_minute: u32,
    /// Syntheses that may run at once (at least 1); further callers wait.
    pub max_concurrent: usize,
    /// Longest run of one synthesis, after which espeak-ng is killed.
    pub timeout: Duration,
}

impl Default for EspeakConfig {
    fn default() -> Self {
        Self {
            program: PathBuf::from(ESPEAK_DEFAULT_PROGRAM),
            voice: ESPEAK_DEFAULT_VOICE.to_owned(),
            words_per_minute: ESPEAK_DEFAULT_WORDS_PER_MINUTE,
            max_concurrent: ESPEAK_DEFAULT_MAX_CONCURRENT,
            timeout: ESPEAK_DEFAULT_TIMEOUT,
        }
    }
}

impl EspeakConfig {
    /// `espeak-ng` from `PATH`, `en-us` at 165 words per minute, 2 at once, 20 s each.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the program.
    #[must_use]
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = program.into();
        self
    }

    /// Sets the default voice.
    #[must_use]
    pub fn with_voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = voice.into();
        self
    }

    /// Sets the speed.
    #[must_use]
    pub const fn with_words_per_minute(mut self, words_per_minute: u32) -> Self {
        self.words_per_minute = words_per_minute;
        self
    }

    /// Sets how many syntheses may run at once.
    #[must_use]
    pub const fn with_max_concurrent(mut self, max_concurrent: usize) -> Self {
        self.max_concurrent = max_concurrent;
        self
    }

    /// Sets the longest run of one synthesis.
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The local espeak-ng voice. Cheap to clone: clones share the bound on concurrent runs.
#[derive(Clone, Debug)]
pub struct EspeakTts {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: EspeakConfig,
    permits: Semaphore,
}

impl EspeakTts {
    /// The voice of `config`. Whether the program is installed shows at the first call.
    ///
    /// # Errors
    /// `Provider` / `NotConfigured` (operation `tts`) when the configured voice is not a safe
    /// voice name.
    pub fn new(config: EspeakConfig) -> AppResult<Self> {
        if safe_voice(&config.voice).is_none() {
            return Err(failure(
                ProviderFailure::NotConfigured,
                format!("`{}` is not an espeak-ng voice name", config.voice),
            ));
        }
        let permits = Semaphore::new(config.max_concurrent.max(1));
        Ok(Self {
            inner: Arc::new(Inner { config, permits }),
        })
    }

    /// Runs espeak-ng on `text` and returns what it wrote.
    async fn run(&self, text: &str, voice: &str) -> AppResult<Vec<u8>> {
        let config = &self.inner.config;
        let speed = config.words_per_minute.clamp(80, 450).to_string();
        let mut child = Command::new(&config.program)
            .args(["--stdin", "--stdout", "-b", "1", "-v", voice, "-s", &speed])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|err| spawn_error(&config.program, &err))?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| failure(ProviderFailure::ServerError, "espeak-ng has no stdin"))?;
        let input = text.as_bytes().to_vec();
        let feed = async move {
            let written = stdin.write_all(&input).await;
            drop(stdin); // end of the text
            written
        };
        let (fed, output) = tokio::join!(feed, child.wait_with_output());
        let output = output.map_err(|err| {
            failure(
                ProviderFailure::ServerError,
                format!("espeak-ng could not be awaited: {err}"),
            )
        })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let line = stderr.lines().map(str::trim).find(|l| !l.is_empty());
            let line: String = line
                .unwrap_or("no error output")
                .chars()
                .take(MAX_STDERR_CHARS)
                .collect();
            let kind = if line.contains("voice does not exist") {
                ProviderFailure::BadRequest
            } else {
                ProviderFailure::ServerError
            };
            return Err(failure(
                kind,
                format!("espeak-ng failed ({}): {line}", output.status),
            ));
        }
        fed.map_err(|err| {
            failure(
                ProviderFailure::ServerError,
                format!("the text could not be written to espeak-ng: {err}"),
            )
        })?;
        Ok(output.stdout)
    }
}

#[async_trait::async_trait]
impl TtsProvider for EspeakTts {
    fn name(&self) -> &'static str {
        ESPEAK_PROVIDER
    }

    async fn synthesize(&self, request: TtsRequest) -> AppResult<SpeechAudio> {
        let config = &self.inner.config;
        if request.text.trim().is_empty() {
            return Err(failure(
                ProviderFailure::BadRequest,
                "there is no text to speak",
            ));
        }
        let chars = request.text.chars().count();
        if chars > ESPEAK_MAX_TEXT_CHARS {
            return Err(failure(
                ProviderFailure::BadRequest,
                format!(
                    "the text has {chars} characters; at most {ESPEAK_MAX_TEXT_CHARS} are spoken at once"
                ),
            ));
        }
        let asked = request.voice.as_deref().filter(|v| !v.trim().is_empty());
        let asked = asked.unwrap_or(&config.voice);
        let voice = safe_voice(asked).ok_or_else(|| {
            failure(
                ProviderFailure::BadRequest,
                "the voice is not an espeak-ng voice name (like `en-us` or `en-gb-x-rp`)",
            )
        })?;
        let _permit = self.inner.permits.acquire().await.map_err(|_| {
            failure(
                ProviderFailure::ServerError,
                "the local voice has been shut down",
            )
        })?;
        tracing::debug!(provider = ESPEAK_PROVIDER, voice = %voice, chars, "tts request");
        let wav = tokio::time::timeout(config.timeout, self.run(&request.text, &voice))
            .await
            .map_err(|_| {
                let ms = config.timeout.as_millis();
                failure(
                    ProviderFailure::Timeout,
                    format!("espeak-ng did not finish within {ms} ms"),
                )
            })??;
        let (rate, pcm) = tts_wire::wav_pcm16(&wav).map_err(|fault| {
            failure(
                fault.failure,
                format!("espeak-ng's output: {}", fault.message),
            )
        })?;
        let mut speech = tts_wire::linear_audio(pcm, rate, request.format);
        speech.model = Some(tts_wire::model_or(&request.model, ESPEAK_MODEL));
        Ok(speech)
    }
}

/// The voice in lower case when it is a safe espeak-ng voice name: a 2–3 letter language,
/// `-`-separated tags of 1–8 letters or digits, and an optional `+variant`.
fn safe_voice(voice: &str) -> Option<String> {
    let voice = voice.trim().to_ascii_lowercase();
    let (name, variant) = match voice.split_once('+') {
        Some((name, variant)) => (name, Some(variant)),
        None => (voice.as_str(), None),
    };
    let tag = |part: &str, min: usize, max: usize| {
        (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    let mut parts = name.split('-');
    let language = parts.next()?;
    let language_ok = tag(language, 2, 3) && language.bytes().all(|b| b.is_ascii_alphabetic());
    let ok =
        language_ok && parts.all(|part| tag(part, 1, 8)) && variant.is_none_or(|v| tag(v, 1, 16));
    ok.then_some(voice)
}

/// Why espeak-ng could not be started.
fn spawn_error(program: &std::path::Path, err: &std::io::Error) -> AppError {
    let program = program.display();
    match err.kind() {
        std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied => failure(
            ProviderFailure::NotConfigured,
            format!(
                "the local voice needs espeak-ng: `{program}` cannot be run ({err}); install \
                 espeak-ng (Debian/Ubuntu: `apt-get install espeak-ng`) or configure its path"
            ),
        ),
        _ => failure(
            ProviderFailure::ServerError,
            format!("espeak-ng (`{program}`) could not be started: {err}"),
        ),
    }
}

fn failure(failure: ProviderFailure, message: impl Into<String>) -> AppError {
    AppError::Provider {
        provider: ESPEAK_PROVIDER.to_owned(),
        operation: TTS_OPERATION.to_owned(),
        failure,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_voice;

    #[test]
    fn only_voice_names_reach_the_command_line() {
        for voice in ["en-us", "en-GB-x-rp", "en-us+f3", "fr", "cmn", "en-029"] {
            assert!(safe_voice(voice).is_some(), "{voice}");
        }
        assert_eq!(safe_voice(" en-US ").as_deref(), Some("en-us"));
        for voice in [
            "", "-w", "--stdout", "e", "en us", "en/../x", "en-", "en-us+", "1a", "en;rm",
        ] {
            assert!(safe_voice(voice).is_none(), "{voice}");
        }
    }
}
