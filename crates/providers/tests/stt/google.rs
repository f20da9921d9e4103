//! Google Speech-to-Text: `POST /v1/speech:recognize`, the audio inline in base64.

use super::{
    Adapter, KEY, PATIENT, assert_key_not_in_url_or_body, fake, pcm, pcm_request, wav_request,
};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hellosales_domain::ports::speech::{AudioFormat, SttProvider, SttRequest, Transcript};
use hellosales_fake_providers::{FakeSttServer, SttReply};
use hellosales_providers::google_stt::{GOOGLE_STT_BASE_URL, GoogleStt, GoogleSttConfig};
use secrecy::SecretString;
use serde_json::json;
use std::time::Duration;

fn config(base_url: String, timeout: Duration) -> GoogleSttConfig {
    GoogleSttConfig::new(SecretString::from(KEY))
        .with_base_url(base_url)
        .with_request_timeout(timeout)
}

fn provider(server: &FakeSttServer) -> GoogleStt {
    GoogleStt::new(config(server.google_base_url(), PATIENT)).unwrap()
}

const ADAPTER: Adapter = Adapter {
    name: "google",
    base_suffix: "",
    build: |base_url, timeout| Box::new(GoogleStt::new(config(base_url, timeout)).unwrap()),
};

fn webm_request(language: Option<&str>) -> SttRequest {
    SttRequest {
        model: "latest_short".to_owned(),
        audio: b"\x1aE\xdf\xa3 webm bytes".to_vec(),
        format: AudioFormat::Webm,
        sample_rate: None,
        language: language.map(str::to_owned),
    }
}

#[tokio::test]
async fn posts_linear16_with_the_wav_rate_and_joins_the_results() {
    let server =
        fake([SttReply::segments(["Hello there.", "How are you?"]).with_confidence(0.9)]).await;
    let request = wav_request("latest_short", 2000);
    let transcript = provider(&server).transcribe(request.clone()).await.unwrap();
    assert_eq!(
        transcript,
        Transcript {
            text: "Hello there. How are you?".to_owned(),
            duration_ms: Some(2000),
            model: None,
            confidence: Some(0.9),
        }
    );
    let sent = server.requests().remove(0);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/speech:recognize")
    );
    assert_eq!(sent.query, None);
    assert_eq!(sent.header("x-goog-api-key"), Some(KEY));
    assert_eq!(sent.header("authorization"), None);
    assert_eq!(sent.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        sent.json().unwrap(),
        json!({
            "config": {
                "encoding": "LINEAR16",
                "sampleRateHertz": 16000,
                "languageCode": "en-US",
                "model": "latest_short",
            },
            "audio": { "content": STANDARD.encode(&request.audio) },
        })
    );
    assert_key_not_in_url_or_body(&sent);
}

#[tokio::test]
async fn webm_is_opus_at_48k_in_the_requested_language() {
    let server = fake([SttReply::transcript("Guten Tag.").with_duration_ms(3200)]).await;
    let transcript = provider(&server)
        .transcribe(webm_request(Some("de-DE")))
        .await
        .unwrap();
    assert_eq!(transcript.text, "Guten Tag.");
    assert_eq!(transcript.duration_ms, Some(3200), "the last resultEndTime");
    let config = server.requests().remove(0).json().unwrap()["config"].clone();
    assert_eq!(config["encoding"], "WEBM_OPUS");
    assert_eq!(config["sampleRateHertz"], 48_000);
    assert_eq!(config["languageCode"], "de-DE");
}

#[tokio::test]
async fn no_results_is_an_empty_text_billed_for_its_time() {
    let server = fake([SttReply::transcript("")]).await;
    let transcript = provider(&server)
        .transcribe(webm_request(None))
        .await
        .unwrap();
    assert_eq!(
        transcript,
        Transcript {
            text: String::new(),
            duration_ms: Some(1000),
            model: None,
            confidence: None,
        },
        "the fake bills unknown audio as 1 s: totalBilledTime"
    );
}

#[tokio::test]
async fn raw_pcm_sends_its_rate() {
    let server = fake([SttReply::transcript("ok").without_duration()]).await;
    let audio = pcm(250, 8000);
    let transcript = provider(&server)
        .transcribe(pcm_request("default", audio.clone(), Some(8000)))
        .await
        .unwrap();
    assert_eq!(transcript.duration_ms, Some(250), "computed from the PCM");
    let body = server.requests().remove(0).json().unwrap();
    assert_eq!(body["config"]["encoding"], "LINEAR16");
    assert_eq!(body["config"]["sampleRateHertz"], 8000);
    assert_eq!(body["audio"]["content"], STANDARD.encode(&audio));
}

#[tokio::test]
async fn failures_are_typed_and_never_name_the_key() {
    ADAPTER.assert_failures_are_typed().await;
    ADAPTER.assert_pcm_needs_a_rate().await;
}

#[tokio::test]
async fn the_default_endpoint_is_googles() {
    let stt = GoogleStt::new(GoogleSttConfig::new(SecretString::from(KEY))).unwrap();
    assert_eq!(
        stt.endpoint(),
        format!("{GOOGLE_STT_BASE_URL}/v1/speech:recognize")
    );
    assert_eq!(stt.name(), "google");
    assert!(!format!("{stt:?}").contains(KEY));
}
