//! Deepgram live: a WebSocket on `/v1/listen`, binary audio frames, `CloseStream`, final results.

use super::deepgram::{config, provider};
use super::{
    IMPATIENT, KEY, PATIENT, assert_key_not_in_url_or_body, failure, fake, pcm, pcm_request,
    refused_base_url, wav_request,
};
use hellosales_domain::error::{AppError, ProviderFailure};
use hellosales_domain::ports::speech::{SttProvider, SttRequest, SttStream};
use hellosales_fake_providers::{FakeSttServer, SttReply};
use hellosales_providers::deepgram::DeepgramStt;

fn live_request() -> SttRequest {
    pcm_request("nova-2", Vec::new(), Some(16_000))
}

async fn open(provider: &DeepgramStt, request: SttRequest) -> Box<dyn SttStream> {
    provider
        .start_stream(request)
        .await
        .unwrap()
        .expect("deepgram streams")
}

async fn open_error(provider: &DeepgramStt, request: SttRequest) -> AppError {
    match provider.start_stream(request).await {
        Ok(_) => panic!("the session opened"),
        Err(err) => err,
    }
}

/// Opens a session, sends `chunks` and finishes it.
async fn run(
    server: &FakeSttServer,
    chunks: &[Vec<u8>],
) -> Result<hellosales_domain::ports::speech::Transcript, AppError> {
    let mut stream = open(&provider(server), live_request()).await;
    for chunk in chunks {
        stream.send_audio(chunk.clone()).await?;
    }
    stream.finish().await
}

#[tokio::test]
async fn chunks_go_out_in_order_and_the_final_results_are_joined() {
    let server = fake([SttReply::segments(["Hello there.", "How are you?"])]).await;
    let audio = pcm(1500, 16_000);
    let chunks: Vec<Vec<u8>> = audio.chunks(16_000).map(<[u8]>::to_vec).collect();
    assert_eq!(chunks.len(), 3);
    let transcript = run(&server, &chunks).await.unwrap();
    assert_eq!(transcript.text, "Hello there. How are you?");
    assert_eq!(
        transcript.duration_ms,
        Some(1500),
        "the metadata's duration"
    );
    assert_eq!(transcript.confidence, Some(0.98));
    assert_eq!(transcript.model.as_deref(), Some("nova-2"));

    let sent = server.requests().remove(0);
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("GET", "/v1/listen")
    );
    assert_eq!(sent.query_param("model").as_deref(), Some("nova-2"));
    assert_eq!(sent.query_param("encoding").as_deref(), Some("linear16"));
    assert_eq!(sent.query_param("sample_rate").as_deref(), Some("16000"));
    assert_eq!(
        sent.query_param("interim_results").as_deref(),
        Some("false")
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Token {KEY}").as_str())
    );
    assert_eq!(sent.header("upgrade"), Some("websocket"));
    assert_eq!(sent.audio_frames, chunks, "every chunk, in order");
    assert_eq!(
        sent.text_frames,
        vec![r#"{"type":"CloseStream"}"#.to_owned()]
    );
    assert_key_not_in_url_or_body(&sent);
}

#[tokio::test]
async fn a_wav_stream_is_not_described_and_empty_chunks_are_not_sent() {
    let server = fake([SttReply::transcript("Sure.").with_duration_ms(2000)]).await;
    let mut stream = open(&provider(&server), wav_request("nova-2", 0)).await;
    stream.send_audio(Vec::new()).await.unwrap();
    stream.send_audio(b"RIFF".to_vec()).await.unwrap();
    let transcript = stream.finish().await.unwrap();
    assert_eq!(transcript.text, "Sure.");
    assert_eq!(transcript.duration_ms, Some(2000));
    let sent = server.requests().remove(0);
    assert_eq!(sent.query_param("encoding"), None);
    assert_eq!(sent.query_param("sample_rate"), None);
    assert_eq!(sent.audio_frames, vec![b"RIFF".to_vec()]);
}

#[tokio::test]
async fn a_refused_handshake_is_typed() {
    for (reply, expected) in [
        (SttReply::unauthorized(), ProviderFailure::Authentication),
        (
            SttReply::rate_limited(3),
            ProviderFailure::RateLimited {
                retry_after_seconds: 3,
            },
        ),
        (SttReply::server_error(), ProviderFailure::ServerError),
    ] {
        let server = fake([reply]).await;
        let err = open_error(&provider(&server), live_request()).await;
        assert_eq!(failure(&err, "deepgram"), &expected, "{err}");
    }
}

#[tokio::test]
async fn a_close_without_any_final_is_malformed() {
    let server = fake([SttReply::nothing()]).await;
    let err = run(&server, &[pcm(100, 16_000)]).await.unwrap_err();
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::MalformedStream,
        "{err}"
    );
    assert!(err.to_string().contains("final"), "{err}");
}

#[tokio::test]
async fn an_unparsable_message_is_malformed() {
    let server = fake([SttReply::invalid_json()]).await;
    let err = run(&server, &[pcm(100, 16_000)]).await.unwrap_err();
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::MalformedStream,
        "{err}"
    );
}

#[tokio::test]
async fn no_final_in_time_is_a_timeout() {
    let server =
        fake([SttReply::transcript("late").with_delay(std::time::Duration::from_secs(3))]).await;
    let provider = DeepgramStt::new(config(server.deepgram_base_url(), IMPATIENT)).unwrap();
    let mut stream = open(&provider, live_request()).await;
    stream.send_audio(pcm(100, 16_000)).await.unwrap();
    let err = stream.finish().await.unwrap_err();
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::Timeout,
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_connection_and_pcm_without_rate_are_typed() {
    let provider = DeepgramStt::new(config(refused_base_url(), PATIENT)).unwrap();
    let err = open_error(&provider, live_request()).await;
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::ServerError,
        "{err}"
    );

    let server = fake([]).await;
    let err = open_error(
        &super::deepgram::provider(&server),
        pcm_request("nova-2", Vec::new(), None),
    )
    .await;
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::BadRequest,
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn an_https_base_url_connects_with_tls_and_a_failed_tls_handshake_is_typed() {
    // The fake speaks plain HTTP: the wss:// handshake (rustls, system roots) must fail, typed.
    let server = fake([]).await;
    let base_url = server.base_url().replace("http://", "https://");
    let provider = DeepgramStt::new(config(base_url, PATIENT)).unwrap();
    let err = open_error(&provider, live_request()).await;
    assert_eq!(
        failure(&err, "deepgram"),
        &ProviderFailure::ServerError,
        "{err}"
    );
    assert!(
        server.requests().is_empty(),
        "no plain-text upgrade was sent"
    );
}
