//! The local voice running the real espeak-ng (the test machine has it), and stand-in scripts
//! for its failures: a hung run, an error exit, no output, and concurrent runs.

use super::{failure, message};
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::speech::{AudioFormat, TtsProvider, TtsRequest, WavInfo};
use hellosales_providers::espeak::{EspeakConfig, EspeakTts};
use std::path::PathBuf;
use std::time::Duration;

fn espeak(config: EspeakConfig) -> EspeakTts {
    EspeakTts::new(config).unwrap()
}

fn hello(format: AudioFormat) -> TtsRequest {
    TtsRequest {
        model: String::new(),
        text: "Hello there.".to_owned(),
        voice: None,
        language: None,
        format,
    }
}

#[tokio::test]
async fn espeak_speaks_a_wav_of_plausible_length_with_exact_sizes() {
    let speech = espeak(EspeakConfig::new())
        .synthesize(hello(AudioFormat::Wav))
        .await
        .unwrap();
    let info = WavInfo::read(&speech.audio).unwrap();
    assert_eq!(
        (info.sample_rate, info.channels, info.bits_per_sample),
        (22_050, 1, 16)
    );
    assert_eq!(info.data_bytes as usize, speech.audio.len() - 44);
    let ms = speech.duration_ms.unwrap();
    assert!((300..=5_000).contains(&ms), "{ms} ms");
    assert_eq!(info.duration_ms(), Some(ms));
    assert_eq!(speech.format, AudioFormat::Wav);
    assert_eq!(speech.model.as_deref(), Some("espeak-ng"));
}

#[tokio::test]
async fn espeak_answers_raw_pcm_when_asked_and_a_wav_for_compressed_formats() {
    let tts = espeak(EspeakConfig::new());
    let pcm = tts.synthesize(hello(AudioFormat::Pcm16)).await.unwrap();
    assert_eq!(
        (pcm.format, pcm.sample_rate),
        (AudioFormat::Pcm16, Some(22_050))
    );
    assert!(!pcm.audio.starts_with(b"RIFF") && pcm.audio.len() % 2 == 0);
    assert!((300..=5_000).contains(&pcm.duration_ms.unwrap()));
    let mut req = hello(AudioFormat::OggOpus);
    req.voice = Some("en-GB-x-rp".to_owned());
    let wav = tts.synthesize(req).await.unwrap();
    assert_eq!(wav.format, AudioFormat::Wav);
    assert!(WavInfo::read(&wav.audio).is_some());
}

#[tokio::test]
async fn espeak_refuses_empty_or_long_text_and_unsafe_or_unknown_voices() {
    let tts = espeak(EspeakConfig::new().with_program("/nonexistent/espeak-ng"));
    for text in [String::new(), " \n\t".to_owned(), "a".repeat(5_001)] {
        let mut req = hello(AudioFormat::Wav);
        req.text = text;
        let err = tts.synthesize(req).await.unwrap_err();
        assert_eq!(
            failure(&err, "local"),
            &ProviderFailure::BadRequest,
            "{err}"
        );
    }
    for voice in ["-w/tmp/x", "en us", "--stdout"] {
        let mut req = hello(AudioFormat::Wav);
        req.voice = Some(voice.to_owned());
        let err = tts.synthesize(req).await.unwrap_err();
        assert_eq!(
            failure(&err, "local"),
            &ProviderFailure::BadRequest,
            "{err}"
        );
    }
    let err = EspeakTts::new(EspeakConfig::new().with_voice("-q")).unwrap_err();
    assert_eq!(failure(&err, "local"), &ProviderFailure::NotConfigured);
    // A safe name that espeak-ng does not know.
    let mut req = hello(AudioFormat::Wav);
    req.voice = Some("zz-nope".to_owned());
    let err = espeak(EspeakConfig::new())
        .synthesize(req)
        .await
        .unwrap_err();
    assert_eq!(
        failure(&err, "local"),
        &ProviderFailure::BadRequest,
        "{err}"
    );
}

#[tokio::test]
async fn a_missing_espeak_is_not_configured_and_says_to_install_it() {
    let tts = espeak(EspeakConfig::new().with_program("/nonexistent/espeak-ng"));
    let err = tts.synthesize(hello(AudioFormat::Wav)).await.unwrap_err();
    assert_eq!(failure(&err, "local"), &ProviderFailure::NotConfigured);
    assert!(message(&err).contains("install espeak-ng"), "{err}");
}

/// An executable shell script in a fresh temporary directory.
fn script(name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = std::env::temp_dir().join(format!("hellosales-tts-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("espeak-ng");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

#[tokio::test]
async fn one_synthesis_at_a_time_when_bounded_to_one_with_the_text_never_in_argv() {
    // Records its arguments, notes whether another run holds the lock, then is espeak-ng.
    let program = script(
        "bound",
        r#"d=$(dirname "$0")
mkdir "$d/lock" 2>/dev/null || echo overlap >> "$d/overlaps"
printf '%s\n' "$*" >> "$d/args"
sleep 0.3
rmdir "$d/lock"
exec espeak-ng "$@""#,
    );
    let dir = program.parent().unwrap().to_owned();
    let tts = espeak(
        EspeakConfig::new()
            .with_program(&program)
            .with_max_concurrent(1),
    );
    let other = tts.clone(); // clones share the bound
    let (first, second) = tokio::join!(
        tts.synthesize(hello(AudioFormat::Wav)),
        other.synthesize(hello(AudioFormat::Pcm16)),
    );
    assert_eq!(first.unwrap().format, AudioFormat::Wav);
    assert_eq!(second.unwrap().format, AudioFormat::Pcm16);
    assert!(!dir.join("overlaps").exists(), "two syntheses ran at once");
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    assert_eq!(args.lines().count(), 2);
    assert!(
        args.lines()
            .all(|l| l == "--stdin --stdout -b 1 -v en-us -s 165"),
        "{args}"
    );
    assert!(!args.contains("Hello"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_hung_espeak_is_killed_at_the_timeout_and_a_failing_one_is_a_server_error() {
    let hung = script("hung", "exec sleep 30");
    let tts = espeak(
        EspeakConfig::new()
            .with_program(&hung)
            .with_timeout(Duration::from_millis(300)),
    );
    let err = tts.synthesize(hello(AudioFormat::Wav)).await.unwrap_err();
    assert_eq!(failure(&err, "local"), &ProviderFailure::Timeout);

    let failing = script(
        "failing",
        "cat > /dev/null\necho 'Error: no sound today' >&2\nexit 3",
    );
    let err = espeak(EspeakConfig::new().with_program(&failing))
        .synthesize(hello(AudioFormat::Wav))
        .await
        .unwrap_err();
    assert_eq!(failure(&err, "local"), &ProviderFailure::ServerError);
    assert!(message(&err).contains("Error: no sound today"), "{err}");
    assert!(!message(&err).contains("Hello"), "{err}");

    let silent = script("silent", "cat > /dev/null");
    let err = espeak(EspeakConfig::new().with_program(&silent))
        .synthesize(hello(AudioFormat::Wav))
        .await
        .unwrap_err();
    assert_eq!(failure(&err, "local"), &ProviderFailure::MalformedStream);
    for program in [hung, failing, silent] {
        std::fs::remove_dir_all(program.parent().unwrap()).unwrap();
    }
}
