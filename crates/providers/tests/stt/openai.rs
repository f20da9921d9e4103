//! OpenAI-compatible transcriptions: `POST /audio/transcriptions`, multipart.

use super::{
    Adapter, KEY, PATIENT, assert_key_not_in_url_or_body, fake, pcm, pcm_request, wav_request,
};
use hellosales_domain::ports::speech::{
    AudioFormat, SttProvider, SttRequest, Transcript, wav_from_pcm16,
};
use hellosales_fake_providers::{FakeSttServer, SttReply};
use hellosales_providers::openai_transcription::{
    OpenAiTranscriptionConfig, OpenAiTranscriptionStt,
};
use secrecy::SecretString;
use std::time::Duration;

const MODEL: &str = "whisper-large-v3-turbo";

fn config(name: &str, base_url: String, timeout: Duration) -> OpenAiTranscriptionConfig {
    OpenAiTranscriptionConfig::new(name, base_url)
        .with_api_key(SecretString::from(KEY))
        .with_request_timeout(timeout)
}

fn provider(server: &FakeSttServer) -> OpenAiTranscriptionStt {
    OpenAiTranscriptionStt::new(config("groq", server.openai_base_url(), PATIENT)).unwrap()
}

const ADAPTER: Adapter = Adapter {
    name: "openai",
    base_suffix: "/v1",
    build: |base_url, timeout| {
        Box::new(OpenAiTranscriptionStt::new(config("openai", base_url, timeout)).unwrap())
    },
};

#[tokio::test]
async fn uploads_the_file_model_format_and_language_with_the_bearer_key() {
    let server = fake([SttReply::transcript("Olá, tudo bem?")]).await;
    let mut request = wav_request(MODEL, 1200);
    request.language = Some("pt-BR".to_owned());
    let stt = provider(&server);
    assert_eq!(stt.name(), "groq");
    let transcript = stt.transcribe(request.clone()).await.unwrap();
    assert_eq!(
        transcript,
        Transcript {
            text: "Olá, tudo bem?".to_owned(),
            duration_ms: Some(1200),
            model: None,
            confidence: None,
        }
    );
    let sent = server.requests().remove(0);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/audio/transcriptions")
    );
    assert_eq!(sent.query, None);
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let content_type = sent.content_type.clone().unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let names: Vec<&str> = sent.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["file", "model", "response_format", "language"]);
    let file = sent.field("file").unwrap();
    assert_eq!(file.filename.as_deref(), Some("audio.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(file.data, request.audio);
    assert_eq!(sent.field("model").unwrap().text(), Some(MODEL));
    assert_eq!(
        sent.field("response_format").unwrap().text(),
        Some("verbose_json")
    );
    assert_eq!(sent.field("language").unwrap().text(), Some("pt"));
    assert_no_key_in_fields(&sent);
}

fn assert_no_key_in_fields(sent: &hellosales_fake_providers::RecordedSttRequest) {
    assert_key_not_in_url_or_body(sent);
    for field in &sent.fields {
        super::assert_no_key(&String::from_utf8_lossy(&field.data));
    }
}

#[tokio::test]
async fn raw_pcm_is_uploaded_as_wav_and_measured() {
    let server = fake([SttReply::transcript("short").without_duration()]).await;
    let audio = pcm(500, 16_000);
    let transcript = provider(&server)
        .transcribe(pcm_request(MODEL, audio.clone(), Some(16_000)))
        .await
        .unwrap();
    assert_eq!(transcript.duration_ms, Some(500), "computed from the PCM");
    let sent = server.requests().remove(0);
    let file = sent.field("file").unwrap();
    assert_eq!(file.filename.as_deref(), Some("audio.wav"));
    assert_eq!(file.content_type.as_deref(), Some("audio/wav"));
    assert_eq!(file.data, wav_from_pcm16(&audio, 16_000));
    assert_eq!(sent.field("language"), None);
}

#[tokio::test]
async fn webm_keeps_its_type_and_an_unreported_duration_stays_unknown() {
    let server = fake([SttReply::transcript("from the browser").without_duration()]).await;
    let request = SttRequest {
        model: MODEL.to_owned(),
        audio: b"\x1aE\xdf\xa3 not really webm".to_vec(),
        format: AudioFormat::Webm,
        sample_rate: None,
        language: Some("en".to_owned()),
    };
    let transcript = provider(&server).transcribe(request).await.unwrap();
    assert_eq!(transcript.text, "from the browser");
    assert_eq!(transcript.duration_ms, None);
    let sent = server.requests().remove(0);
    let file = sent.field("file").unwrap();
    assert_eq!(file.filename.as_deref(), Some("audio.webm"));
    assert_eq!(file.content_type.as_deref(), Some("audio/webm"));
    assert_eq!(sent.field("language").unwrap().text(), Some("en"));
}

#[tokio::test]
async fn failures_are_typed_and_never_name_the_key() {
    ADAPTER.assert_failures_are_typed().await;
    ADAPTER.assert_pcm_needs_a_rate().await;
}

#[tokio::test]
async fn presets_point_at_groq_and_openai() {
    let groq =
        OpenAiTranscriptionStt::new(OpenAiTranscriptionConfig::groq(SecretString::from(KEY)))
            .unwrap();
    assert_eq!(
        groq.endpoint(),
        "https://api.groq.com/openai/v1/audio/transcriptions"
    );
    assert_eq!(groq.name(), "groq");
    let openai =
        OpenAiTranscriptionStt::new(OpenAiTranscriptionConfig::openai(SecretString::from(KEY)))
            .unwrap();
    assert_eq!(
        openai.endpoint(),
        "https://api.openai.com/v1/audio/transcriptions"
    );
    assert_eq!(openai.name(), "openai");
    assert!(!format!("{openai:?}").contains(KEY));
}
