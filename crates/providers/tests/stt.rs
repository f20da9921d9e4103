//! The speech-to-text adapters (Deepgram prerecorded and live, OpenAI-compatible
//! `/audio/transcriptions`, Google `speech:recognize`) against the fake STT server of
//! `hellosales-fake-providers`: real HTTP and WebSocket on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "stt/deepgram.rs"]
mod deepgram;
#[path = "stt/deepgram_live.rs"]
mod deepgram_live;
#[path = "stt/google.rs"]
mod google;
#[path = "stt/openai.rs"]
mod openai;

use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::speech::{AudioFormat, SttProvider, SttRequest};
use hellosales_fake_providers::{FakeSttServer, RecordedSttRequest, SttReply, sine_wav};
use std::time::Duration;
use support::{KEY, assert_error_has_no_key, assert_no_key};

/// The request timeout of the tests that expect an answer.
const PATIENT: Duration = Duration::from_secs(10);
/// The request timeout of the tests that expect none.
const IMPATIENT: Duration = Duration::from_millis(300);

/// A fake server that answers with `replies` in order (then its default reply).
async fn fake(replies: impl IntoIterator<Item = SttReply>) -> FakeSttServer {
    let server = FakeSttServer::start().await.unwrap();
    for reply in replies {
        server.push(reply);
    }
    server
}

/// The failure of a speech-to-text error of `provider`, which must not name the key.
fn failure<'a>(err: &'a AppError, provider: &str) -> &'a ProviderFailure {
    assert_error_has_no_key(err);
    support::failure(err, provider, "stt")
}

/// A request for `duration_ms` of a 16 kHz sine WAV.
fn wav_request(model: &str, duration_ms: u32) -> SttRequest {
    SttRequest {
        model: model.to_owned(),
        audio: sine_wav(duration_ms, 16_000),
        format: AudioFormat::Wav,
        sample_rate: None,
        language: None,
    }
}

/// The samples of `duration_ms` of a sine at `sample_rate`, without the WAV header.
fn pcm(duration_ms: u32, sample_rate: u32) -> Vec<u8> {
    sine_wav(duration_ms, sample_rate)[44..].to_vec()
}

/// A request for raw PCM, `sample_rate` beside it.
fn pcm_request(model: &str, audio: Vec<u8>, sample_rate: Option<u32>) -> SttRequest {
    SttRequest {
        model: model.to_owned(),
        audio,
        format: AudioFormat::Pcm16,
        sample_rate,
        language: None,
    }
}

/// A base URL where nothing listens.
fn refused_base_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// The key is not in the URL, nor in the body.
fn assert_key_not_in_url_or_body(sent: &RecordedSttRequest) {
    assert_no_key(&format!("{} {:?}", sent.path, sent.query));
    assert_no_key(&String::from_utf8_lossy(&sent.body));
}

/// How to reach one adapter, for the failures every adapter maps alike.
struct Adapter {
    name: &'static str,
    /// The path below the server's root that the adapter's base URL ends with (`/v1`).
    base_suffix: &'static str,
    build: fn(String, Duration) -> Box<dyn SttProvider>,
}

impl Adapter {
    async fn error_for(&self, reply: SttReply, timeout: Duration) -> AppError {
        let server = fake([reply]).await;
        let base_url = format!("{}{}", server.base_url(), self.base_suffix);
        let provider = (self.build)(base_url, timeout);
        let err = provider
            .transcribe(wav_request("m-1", 500))
            .await
            .unwrap_err();
        assert_eq!(server.requests().len(), 1, "{}: one request", self.name);
        err
    }

    /// 401, 429, 400, 500, invalid JSON, an empty body, a slow answer and a refused
    /// connection, each typed and without the key.
    async fn assert_failures_are_typed(&self) {
        let cases = [
            (SttReply::unauthorized(), ProviderFailure::Authentication),
            (
                SttReply::rate_limited(7),
                ProviderFailure::RateLimited {
                    retry_after_seconds: 7,
                },
            ),
            (
                SttReply::error(400, "bad audio"),
                ProviderFailure::BadRequest,
            ),
            (SttReply::server_error(), ProviderFailure::ServerError),
            (SttReply::invalid_json(), ProviderFailure::MalformedStream),
            (SttReply::nothing(), ProviderFailure::MalformedStream),
        ];
        for (reply, expected) in cases {
            let err = self.error_for(reply, PATIENT).await;
            assert_eq!(failure(&err, self.name), &expected, "{}: {err}", self.name);
            if expected == ProviderFailure::BadRequest {
                assert!(err.to_string().contains("bad audio"), "{err}");
            }
        }
        let slow = SttReply::transcript("late").with_delay(Duration::from_secs(3));
        let err = self.error_for(slow, IMPATIENT).await;
        assert_eq!(failure(&err, self.name), &ProviderFailure::Timeout, "{err}");

        let base_url = format!("{}{}", refused_base_url(), self.base_suffix);
        let err = (self.build)(base_url, PATIENT)
            .transcribe(wav_request("m-1", 500))
            .await
            .unwrap_err();
        assert_eq!(
            failure(&err, self.name),
            &ProviderFailure::ServerError,
            "{err}"
        );
    }

    /// Raw PCM without its rate is refused before anything is sent.
    async fn assert_pcm_needs_a_rate(&self) {
        let server = fake([]).await;
        let base_url = format!("{}{}", server.base_url(), self.base_suffix);
        let err = (self.build)(base_url, PATIENT)
            .transcribe(pcm_request("m-1", pcm(100, 16_000), None))
            .await
            .unwrap_err();
        assert_eq!(failure(&err, self.name), &ProviderFailure::BadRequest);
        assert!(err.to_string().contains("sample rate"), "{err}");
        assert!(server.requests().is_empty());
    }
}
