//! Deepgram prerecorded: `POST /v1/listen` with the raw audio.

use super::{
    Adapter, KEY, PATIENT, assert_key_not_in_url_or_body, fake, pcm, pcm_request, wav_request,
};
use hellosales_domain::ports::speech::{SttProvider, Transcript};
use hellosales_fake_providers::{FakeSttServer, SttReply};
use hellosales_providers::deepgram::{DEEPGRAM_BASE_URL, DeepgramConfig, DeepgramStt};
use secrecy::SecretString;
use std::time::Duration;

pub(crate) fn config(base_url: String, timeout: Duration) -> DeepgramConfig {
    DeepgramConfig::new(SecretString::from(KEY))
        .with_base_url(base_url)
        .with_request_timeout(timeout)
}

pub(crate) fn provider(server: &FakeSttServer) -> DeepgramStt {
    DeepgramStt::new(config(server.deepgram_base_url(), PATIENT)).unwrap()
}

const ADAPTER: Adapter = Adapter {
    name: "deepgram",
    base_suffix: "",
    build: |base_url, timeout| Box::new(DeepgramStt::new(config(base_url, timeout)).unwrap()),
};

#[tokio::test]
async fn posts_the_wav_with_its_type_and_the_token_and_reads_the_transcript() {
    let server = fake([SttReply::transcript("Hello there.").with_confidence(0.91)]).await;
    let mut request = wav_request("nova-2", 1500);
    request.language = Some("en-US".to_owned());
    let transcript = provider(&server).transcribe(request.clone()).await.unwrap();
    assert_eq!(
        transcript,
        Transcript {
            text: "Hello there.".to_owned(),
            duration_ms: Some(1500),
            model: Some("nova-2".to_owned()),
            confidence: Some(0.91),
        }
    );
    let sent = server.requests().remove(0);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/listen")
    );
    assert_eq!(sent.query_param("model").as_deref(), Some("nova-2"));
    assert_eq!(sent.query_param("smart_format").as_deref(), Some("true"));
    assert_eq!(sent.query_param("language").as_deref(), Some("en-US"));
    assert_eq!(sent.query_param("encoding"), None, "WAV is detected");
    assert_eq!(sent.query_param("interim_results"), None);
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Token {KEY}").as_str())
    );
    assert_eq!(sent.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(sent.body, request.audio);
    assert_key_not_in_url_or_body(&sent);
}

#[tokio::test]
async fn raw_pcm_is_described_by_encoding_and_rate_and_metadata_is_read() {
    let server = fake([SttReply::transcript(" Hi. ")
        .with_duration_ms(3210)
        .with_model("nova-3")])
    .await;
    let audio = pcm(1000, 8000);
    let transcript = provider(&server)
        .transcribe(pcm_request("nova-3", audio.clone(), Some(8000)))
        .await
        .unwrap();
    assert_eq!(transcript.text, "Hi.");
    assert_eq!(transcript.duration_ms, Some(3210));
    assert_eq!(transcript.model.as_deref(), Some("nova-3"));
    let sent = server.requests().remove(0);
    assert_eq!(sent.query_param("encoding").as_deref(), Some("linear16"));
    assert_eq!(sent.query_param("sample_rate").as_deref(), Some("8000"));
    assert_eq!(sent.query_param("language"), None);
    assert_eq!(sent.content_type.as_deref(), Some("audio/L16"));
    assert_eq!(sent.body, audio);
}

#[tokio::test]
async fn without_a_reported_duration_the_wav_is_measured() {
    let server = fake([SttReply::transcript("ok").without_duration()]).await;
    let transcript = provider(&server)
        .transcribe(wav_request("nova-2", 700))
        .await
        .unwrap();
    assert_eq!(transcript.duration_ms, Some(700));
}

#[tokio::test]
async fn failures_are_typed_and_never_name_the_key() {
    ADAPTER.assert_failures_are_typed().await;
    ADAPTER.assert_pcm_needs_a_rate().await;
}

#[tokio::test]
async fn a_base_url_that_is_not_http_is_not_configured() {
    let err = DeepgramStt::new(config("wss://api.deepgram.com".to_owned(), PATIENT)).unwrap_err();
    let failure = super::failure(&err, "deepgram");
    assert_eq!(
        failure,
        &hellosales_domain::error::ProviderFailure::NotConfigured
    );
    let default = DeepgramStt::new(DeepgramConfig::new(SecretString::from(KEY))).unwrap();
    assert_eq!(default.endpoint(), format!("{DEEPGRAM_BASE_URL}/v1/listen"));
    assert_eq!(default.name(), "deepgram");
    assert!(!format!("{default:?}").contains(KEY));
}
