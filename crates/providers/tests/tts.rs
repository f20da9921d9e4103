//! The text-to-speech adapters: Google and Gemini against the fake TTS server of
//! `hellosales-fake-providers` (real HTTP on 127.0.0.1, real audio back), and the local voice
//! running the real espeak-ng (in `tts/espeak.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

#[path = "tts/espeak.rs"]
mod espeak;

use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::speech::{AudioFormat, TtsProvider, TtsRequest, WavInfo};
use hellosales_fake_providers::{FAKE_MP3, FakeTtsServer, RecordedTtsRequest, TtsReply};
use hellosales_providers::gemini_tts::{GeminiTts, GeminiTtsConfig};
use hellosales_providers::google_tts::{GoogleTts, GoogleTtsConfig};
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;
use support::{KEY, assert_error_has_no_key, assert_no_key};

const TEXT: &str = "Thanks for your time today.";

fn request(model: &str, format: AudioFormat) -> TtsRequest {
    TtsRequest {
        model: model.to_owned(),
        text: TEXT.to_owned(),
        voice: None,
        language: None,
        format,
    }
}

fn google_config(server: &FakeTtsServer) -> GoogleTtsConfig {
    GoogleTtsConfig::new(SecretString::from(KEY))
        .with_base_url(server.google_base_url())
        .with_request_timeout(Duration::from_secs(10))
}

fn gemini_config(server: &FakeTtsServer) -> GeminiTtsConfig {
    GeminiTtsConfig::new(SecretString::from(KEY))
        .with_base_url(server.gemini_base_url())
        .with_request_timeout(Duration::from_secs(10))
}

fn google(server: &FakeTtsServer) -> GoogleTts {
    GoogleTts::new(google_config(server)).unwrap()
}

fn gemini(server: &FakeTtsServer) -> GeminiTts {
    GeminiTts::new(gemini_config(server)).unwrap()
}

async fn fake(replies: impl IntoIterator<Item = TtsReply>) -> FakeTtsServer {
    let server = FakeTtsServer::start().await.unwrap();
    replies.into_iter().for_each(|reply| server.push(reply));
    server
}

fn failure<'a>(err: &'a AppError, provider: &str) -> &'a ProviderFailure {
    support::failure(err, provider, "tts")
}

fn message(err: &AppError) -> &str {
    match err {
        AppError::Provider { message, .. } => message,
        other => panic!("expected a provider error, got {other:?}"),
    }
}

/// The key travels in its header only.
fn assert_key_only_in_its_header(sent: &RecordedTtsRequest) {
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.header("x-goog-api-key"), Some(KEY));
    assert_eq!(sent.header("authorization"), None);
    assert_no_key(&format!("{} {:?}", sent.path, sent.query));
    assert_no_key(&sent.body.to_string());
}

fn assert_about(actual: Option<u32>, expected: u32) {
    let actual = actual.expect("a duration");
    assert!(
        actual.abs_diff(expected) <= 1,
        "{actual} ms, expected {expected} ms"
    );
}

#[tokio::test]
async fn google_asks_linear16_in_the_voices_language_and_answers_a_real_wav() {
    let server = fake([]).await;
    let mut req = request("neural2", AudioFormat::Wav);
    req.voice = Some("en-GB-Neural2-A".to_owned());
    let speech = google(&server).synthesize(req).await.unwrap();
    let sent = server.requests().remove(0);
    assert_eq!(sent.path, "/v1/text:synthesize");
    assert_key_only_in_its_header(&sent);
    assert_eq!(sent.text.as_deref(), Some(TEXT));
    assert_eq!(
        sent.body,
        json!({
            "input": {"text": TEXT},
            "voice": {"languageCode": "en-GB", "name": "en-GB-Neural2-A"},
            "audioConfig": {"audioEncoding": "LINEAR16"},
        })
    );
    let info = WavInfo::read(&speech.audio).unwrap();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (24_000, 1, 16)
    );
    assert_eq!(speech.format, AudioFormat::Wav);
    assert_eq!(speech.sample_rate, Some(24_000));
    assert_about(info.duration_ms(), server.tone_duration_ms(TEXT));
    assert_about(speech.duration_ms, server.tone_duration_ms(TEXT));
    assert_eq!(speech.model.as_deref(), Some("neural2"));
    assert_eq!((speech.tokens_in, speech.tokens_out), (None, None));
}

#[tokio::test]
async fn google_pcm16_is_linear16_without_its_header_at_the_configured_rate() {
    let server = fake([]).await;
    let tts = GoogleTts::new(google_config(&server).with_sample_rate_hertz(16_000)).unwrap();
    let mut req = request("standard", AudioFormat::Pcm16);
    req.language = Some("en-AU".to_owned());
    let speech = tts.synthesize(req).await.unwrap();
    let sent = server.requests().remove(0);
    assert_eq!(sent.body["voice"], json!({"languageCode": "en-AU"}));
    assert_eq!(
        sent.body["audioConfig"],
        json!({"audioEncoding": "LINEAR16", "sampleRateHertz": 16_000})
    );
    assert_eq!(speech.format, AudioFormat::Pcm16);
    assert!(!speech.audio.starts_with(b"RIFF"));
    let expected_ms = server.tone_duration_ms(TEXT);
    assert_eq!(speech.audio.len(), 16 * 2 * expected_ms as usize);
    assert_eq!(speech.sample_rate, Some(16_000));
    assert_about(speech.duration_ms, expected_ms);
}

#[tokio::test]
async fn google_compressed_formats_pass_through_and_webm_is_asked_as_ogg_opus() {
    let server = fake([]).await;
    let tts = google(&server);
    let mp3 = tts.synthesize(request("", AudioFormat::Mp3)).await.unwrap();
    assert_eq!(
        (mp3.audio.as_slice(), mp3.format),
        (FAKE_MP3, AudioFormat::Mp3)
    );
    assert_eq!((mp3.duration_ms, mp3.model), (None, None));
    let webm = tts
        .synthesize(request("", AudioFormat::Webm))
        .await
        .unwrap();
    assert_eq!(webm.format, AudioFormat::OggOpus);
    assert!(webm.audio.starts_with(b"OggS"));
    let sent = server.requests();
    assert_eq!(sent[0].body["audioConfig"]["audioEncoding"], "MP3");
    assert_eq!(sent[1].body["audioConfig"]["audioEncoding"], "OGG_OPUS");
    assert_eq!(sent[1].body["voice"], json!({"languageCode": "en-US"}));
}

#[tokio::test]
async fn gemini_asks_audio_with_the_default_model_and_voice_and_answers_a_wav_with_usage() {
    let server = fake([]).await;
    let speech = gemini(&server)
        .synthesize(request("", AudioFormat::Wav))
        .await
        .unwrap();
    let sent = server.requests().remove(0);
    assert_eq!(
        sent.path,
        "/v1beta/models/gemini-2.5-flash-preview-tts:generateContent"
    );
    assert_key_only_in_its_header(&sent);
    assert_eq!(
        sent.body,
        json!({
            "contents": [{"parts": [{"text": TEXT}]}],
            "generationConfig": {
                "responseModalities": ["AUDIO"],
                "speechConfig": {"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Kore"}}},
            },
        })
    );
    let info = WavInfo::read(&speech.audio).unwrap();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (24_000, 1, 16)
    );
    let expected_ms = server.tone_duration_ms(TEXT);
    assert_about(info.duration_ms(), expected_ms);
    assert_about(speech.duration_ms, expected_ms);
    assert_eq!(speech.format, AudioFormat::Wav);
    assert_eq!(
        speech.model.as_deref(),
        Some("gemini-2.5-flash-preview-tts")
    );
    assert_eq!(speech.tokens_in, Some(7)); // 27 characters / 4, rounded up
    assert_eq!(speech.tokens_out, Some(expected_ms / 40));
}

#[tokio::test]
async fn gemini_reads_the_rate_from_the_mime_type_and_answers_pcm_or_wav() {
    let server = fake([
        TtsReply::ok().with_sample_rate(16_000),
        TtsReply::ok().with_sample_rate(16_000),
    ])
    .await;
    let tts = gemini(&server);
    let mut req = request("gemini-2.5-pro-preview-tts", AudioFormat::Pcm16);
    req.voice = Some("Puck".to_owned());
    req.language = Some("en-US".to_owned());
    let pcm = tts.synthesize(req).await.unwrap();
    let expected_ms = server.tone_duration_ms(TEXT);
    assert_eq!(pcm.format, AudioFormat::Pcm16);
    assert_eq!(pcm.sample_rate, Some(16_000));
    assert_eq!(pcm.audio.len(), 16 * 2 * expected_ms as usize);
    assert_about(pcm.duration_ms, expected_ms);
    let sent = server.requests().remove(0);
    assert_eq!(
        sent.path,
        "/v1beta/models/gemini-2.5-pro-preview-tts:generateContent"
    );
    assert_eq!(
        sent.body["generationConfig"]["speechConfig"],
        json!({"voiceConfig": {"prebuiltVoiceConfig": {"voiceName": "Puck"}}, "languageCode": "en-US"})
    );
    // Gemini speaks only PCM: a compressed format is answered as a WAV, and says so.
    let wav = tts.synthesize(request("", AudioFormat::Mp3)).await.unwrap();
    assert_eq!(wav.format, AudioFormat::Wav);
    assert_eq!(WavInfo::read(&wav.audio).unwrap().sample_rate, 16_000);
}

#[tokio::test]
async fn gemini_answers_without_audio_are_malformed_and_error_objects_server_errors() {
    let no_audio =
        json!({"candidates": [{"content": {"parts": [{"text": "hi"}]}, "finishReason": "OTHER"}]});
    let bad_base64 = json!({"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "audio/L16;rate=24000", "data": "%%%"}}]}}]});
    let wrong_type = json!({"candidates": [{"content": {"parts": [{"inlineData": {"mimeType": "audio/mpeg", "data": "AAAA"}}]}}]});
    let error = json!({"error": {"code": 500, "message": "backend failed"}});
    let server = fake([
        TtsReply::json(no_audio),
        TtsReply::json(bad_base64),
        TtsReply::json(wrong_type),
        TtsReply::json(error),
    ])
    .await;
    let tts = gemini(&server);
    for expected in ["no audio (finishReason OTHER)", "base64", "audio/mpeg"] {
        let err = tts
            .synthesize(request("", AudioFormat::Wav))
            .await
            .unwrap_err();
        assert_eq!(failure(&err, "gemini"), &ProviderFailure::MalformedStream);
        assert!(message(&err).contains(expected), "{err}");
    }
    let err = tts
        .synthesize(request("", AudioFormat::Wav))
        .await
        .unwrap_err();
    assert_eq!(failure(&err, "gemini"), &ProviderFailure::ServerError);
    assert!(message(&err).contains("backend failed"), "{err}");
}

#[tokio::test]
async fn http_refusals_become_typed_failures_without_the_key() {
    for name in ["google", "gemini"] {
        let server = fake([
            TtsReply::unauthorized(),
            TtsReply::rate_limited(7),
            TtsReply::server_error(),
            TtsReply::error(400, "bad voice"),
            TtsReply::invalid_json(),
            TtsReply::json(json!({})),
        ])
        .await;
        let tts: Box<dyn TtsProvider> = if name == "google" {
            Box::new(google(&server))
        } else {
            Box::new(gemini(&server))
        };
        let expected = [
            ProviderFailure::Authentication,
            ProviderFailure::RateLimited {
                retry_after_seconds: 7,
            },
            ProviderFailure::ServerError,
            ProviderFailure::BadRequest,
            ProviderFailure::MalformedStream,
            ProviderFailure::MalformedStream,
        ];
        for expected in expected {
            let err = tts
                .synthesize(request("", AudioFormat::Wav))
                .await
                .unwrap_err();
            assert_eq!(failure(&err, name), &expected, "{name}: {err}");
            assert_error_has_no_key(&err);
        }
    }
}

#[tokio::test]
async fn slow_answers_time_out_and_refused_connections_are_server_errors() {
    let server = fake([TtsReply::ok().with_delay(Duration::from_secs(5))]).await;
    let impatient = google_config(&server).with_request_timeout(Duration::from_millis(300));
    let err = GoogleTts::new(impatient)
        .unwrap()
        .synthesize(request("", AudioFormat::Wav))
        .await
        .unwrap_err();
    assert_eq!(failure(&err, "google"), &ProviderFailure::Timeout);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = GeminiTtsConfig::new(SecretString::from(KEY)).with_base_url(closed);
    let err = GeminiTts::new(config)
        .unwrap()
        .synthesize(request("", AudioFormat::Wav))
        .await
        .unwrap_err();
    assert_eq!(failure(&err, "gemini"), &ProviderFailure::ServerError);
    assert_error_has_no_key(&err);
}

#[test]
fn bad_base_urls_are_not_configured_and_debug_hides_the_key() {
    let key = || SecretString::from(KEY);
    let err = GoogleTts::new(GoogleTtsConfig::new(key()).with_base_url("ftp://x")).unwrap_err();
    assert_eq!(failure(&err, "google"), &ProviderFailure::NotConfigured);
    let err = GeminiTts::new(GeminiTtsConfig::new(key()).with_base_url("nope")).unwrap_err();
    assert_eq!(failure(&err, "gemini"), &ProviderFailure::NotConfigured);
    assert_no_key(&format!(
        "{:?}",
        GoogleTts::new(GoogleTtsConfig::new(key())).unwrap()
    ));
    assert_no_key(&format!(
        "{:?}",
        GeminiTts::new(GeminiTtsConfig::new(key())).unwrap()
    ));
    assert_no_key(&format!("{:?}", GoogleTtsConfig::new(key())));
}
