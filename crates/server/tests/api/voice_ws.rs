//! Voice over WebSocket, end to end: the fake speech-to-text servers (Deepgram, prerecorded and
//! live), the fake LLM, and the real espeak-ng voice or the fake Google voice. A full turn,
//! the sentence order of the clips, cancellation, provider failures (the transcript kept),
//! the cost rows, and the refusals (no speech-to-text, bad frames, limits).

use crate::chat_ws::{id, run, session_interactions as stored};
use crate::helpers::{Backend, TestApp, backends};
use crate::ws_client::{WsClient, frame, kinds};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hellosales_domain::ports::speech::WavInfo;
use hellosales_fake_providers::{
    FakeProviderServer, FakeSttServer, FakeTtsServer, Reply, SttReply, sine_wav,
};
use hellosales_store::entities::{dead_letter_queue, provider_calls, sessions};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

const GROQ_KEY: &str = "gsk_voice_test_key_never_logged";
const DEEPGRAM_KEY: &str = "dg_voice_test_key_never_logged";
const GOOGLE_KEY: &str = "goog_voice_test_key_never_logged";

/// The fakes a voice server talks to.
struct Fakes {
    llm: FakeProviderServer,
    stt: FakeSttServer,
    tts: FakeTtsServer,
}

impl Fakes {
    async fn start() -> Self {
        Self {
            llm: FakeProviderServer::start().await.unwrap(),
            stt: FakeSttServer::start().await.unwrap(),
            tts: FakeTtsServer::start().await.unwrap(),
        }
    }
}

/// A server with Groq on the fake LLM, Deepgram on the fake STT (prerecorded unless `extra`
/// says `STT_LIVE=true`) and the local espeak-ng voice, with `extra` settings.
async fn voice_app(backend: &Backend, fakes: &Fakes, extra: &[(&str, &str)]) -> TestApp {
    let llm = fakes.llm.openai_base_url();
    let stt = fakes.stt.deepgram_base_url();
    let tts = fakes.tts.google_base_url();
    let mut env = vec![
        ("LLM_PROVIDER", "groq"),
        ("GROQ_API_KEY", GROQ_KEY),
        ("GROQ_BASE_URL", llm.as_str()),
        ("STT_PROVIDER", "deepgram"),
        ("DEEPGRAM_API_KEY", DEEPGRAM_KEY),
        ("DEEPGRAM_BASE_URL", stt.as_str()),
        ("GOOGLE_API_KEY", GOOGLE_KEY),
        ("GOOGLE_TTS_BASE_URL", tts.as_str()),
        ("STT_LIVE", "false"),
    ];
    // A test's own setting replaces the default of the same name (the first one wins).
    let mut all: Vec<(&str, &str)> = extra.to_vec();
    all.append(&mut env);
    TestApp::spawn_with(backend, &all).await
}

/// Sends `audio` as a voice turn in chunks of `chunk` bytes; reads up to the turn's end.
async fn speak(ws: &mut WsClient, audio: &[u8], chunk: usize, message_id: &str) -> Vec<Value> {
    ws.send(
        "voice.start",
        json!({ "format": "wav", "sampleRate": 16000, "message_id": message_id }),
    )
    .await;
    let mut frames = ws.until("status.update").await;
    for piece in audio.chunks(chunk) {
        ws.send("voice.chunk", json!({ "data": BASE64.encode(piece) }))
            .await;
    }
    ws.send("voice.end", json!({})).await;
    frames.extend(read_turn(ws).await);
    frames
}

/// Frames up to the end of a voice turn (complete, blocked, cancelled or an error).
async fn read_turn(ws: &mut WsClient) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = ws.recv().await;
        let kind = frame["type"].as_str().unwrap_or_default().to_owned();
        frames.push(frame);
        if matches!(
            kind.as_str(),
            "voice.complete" | "chat.blocked" | "voice.cancelled" | "error"
        ) {
            return frames;
        }
    }
}

async fn call(app: &TestApp, id: Uuid) -> provider_calls::Model {
    provider_calls::Entity::find_by_id(id)
        .one(app.state.store().connection())
        .await
        .unwrap()
        .expect("the call row")
}

fn statuses(frames: &[Value]) -> Vec<String> {
    frames
        .iter()
        .filter(|f| f["type"] == "status.update")
        .map(|f| {
            f["payload"]["stage"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_voice_turn_is_heard_answered_spoken_and_recorded() {
    for backend in backends() {
        let fakes = Fakes::start().await;
        fakes
            .stt
            .push(SttReply::transcript("How do I open a cold call?"));
        fakes
            .llm
            .push(Reply::text(["Open with a question. ", "Then listen."]).with_usage(100, 8));
        let app = voice_app(&backend, &fakes, &[]).await;
        let tenant = app.tenant("voice");
        let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;

        let audio = sine_wav(1_500, 16_000);
        let frames = speak(&mut ws, &audio, 16_000, "v-1").await;
        let kinds = kinds(&frames);
        assert_eq!(
            statuses(&frames),
            ["listening", "transcribing", "thinking", "speaking"],
            "{backend:?}: {kinds:?}"
        );
        let order: Vec<&str> = kinds
            .iter()
            .map(String::as_str)
            .filter(|k| *k != "status.update" && *k != "chat.token")
            .collect();
        assert_eq!(
            order,
            [
                "session.started",
                "voice.transcript",
                "voice.audio.chunk",
                "voice.audio.chunk",
                "chat.complete",
                "voice.complete"
            ],
            "{backend:?}"
        );
        let transcript = &frame(&frames, "voice.transcript")["payload"];
        assert_eq!(transcript["text"], "How do I open a cold call?");
        assert_eq!(transcript["message_id"], "v-1");
        assert_eq!(transcript["audio_duration_ms"], 1500);
        let session = id(&transcript["session_id"]);

        // Two sentences, two real WAV clips from espeak-ng, in order, the last one final.
        let clips: Vec<&Value> = frames
            .iter()
            .filter(|f| f["type"] == "voice.audio.chunk")
            .map(|f| &f["payload"])
            .collect();
        assert_eq!(clips[0]["text"], "Open with a question.");
        assert_eq!(clips[1]["text"], "Then listen.");
        assert_eq!(
            (clips[0]["index"].as_u64(), clips[1]["index"].as_u64()),
            (Some(0), Some(1))
        );
        assert_eq!(
            (
                clips[0]["is_final"].as_bool(),
                clips[1]["is_final"].as_bool()
            ),
            (Some(false), Some(true))
        );
        let mut spoken_ms = 0;
        for clip in &clips {
            assert_eq!(clip["format"], "wav");
            let wav = BASE64.decode(clip["data"].as_str().unwrap()).unwrap();
            let info = WavInfo::read(&wav).expect("a WAV clip");
            let ms = info.duration_ms().unwrap();
            assert!((200..10_000).contains(&ms), "{ms} ms");
            assert_eq!(clip["durationMs"].as_u64(), Some(u64::from(ms)));
            spoken_ms += u64::from(ms);
        }

        // The user's message is the transcript, stored as voice, tied to its STT call.
        let rows = stored(&app, session).await;
        assert_eq!(rows.len(), 2, "{backend:?}");
        assert_eq!(rows[0].input_type, "voice");
        assert_eq!(
            rows[0].content.as_deref(),
            Some("How do I open a cold call?")
        );
        assert_eq!(
            rows[0].transcript.as_deref(),
            Some("How do I open a cold call?")
        );
        assert_eq!(rows[0].audio_duration_ms, Some(1500));
        assert_eq!(id(&transcript["interaction_id"]), rows[0].id);
        assert_eq!(
            rows[1].content.as_deref(),
            Some("Open with a question. Then listen.")
        );

        // The run: the voice topology, its eight stages, TTFT, TTFA, TTFC, audio, calls, cost.
        let complete = &frame(&frames, "voice.complete")["payload"];
        let run_id = id(&complete["pipeline_run_id"]);
        let run = run(&app, run_id).await;
        assert_eq!(run.status, "completed", "{backend:?}");
        assert_eq!(run.topology.as_deref(), Some("voice_chat"));
        let stages = run.stages.clone().unwrap();
        for stage in [
            "stt",
            "input_guard",
            "profile_enrich",
            "summary_enrich",
            "llm",
            "output_guard",
            "persist",
            "tts",
        ] {
            assert_eq!(stages[stage]["status"], "ok", "{stage}: {stages}");
        }
        let ttft = run.ttft_ms.expect("TTFT");
        let ttfa = run.ttfa_ms.expect("TTFA");
        assert!(ttfa >= ttft, "audio comes after the first token");
        assert!(run.ttfc_ms.is_some());
        assert_eq!(run.input_audio_duration_ms, Some(1500));
        assert_eq!(
            run.output_audio_duration_ms.map(i64::from),
            Some(i64::try_from(spoken_ms).unwrap())
        );
        assert_eq!(complete["ttfa_ms"].as_i64(), Some(i64::from(ttfa)));

        let stt = call(&app, run.stt_provider_call_id.expect("the STT call")).await;
        assert_eq!(
            (stt.operation.as_str(), stt.provider.as_str()),
            ("stt", "deepgram")
        );
        assert_eq!(stt.audio_duration_ms, Some(1500));
        assert_eq!(stt.pipeline_run_id, Some(run_id));
        // nova-2 at 0.0043 USD a minute: 1.5 s is 107.5, rounded up.
        assert_eq!(stt.cost_usd_micros, Some(108));
        assert_eq!(complete["stt_cost_usd_micros"], 108);
        assert_eq!(rows[0].stt_provider_call_id, Some(stt.id));

        let tts = call(&app, run.tts_provider_call_id.expect("the TTS call")).await;
        assert_eq!(
            (tts.operation.as_str(), tts.provider.as_str()),
            ("tts", "local")
        );
        assert!(tts.audio_duration_ms.unwrap_or(0) > 0);
        assert_eq!(tts.cost_usd_micros, Some(0));
        assert!(tts.priced);
        let llm = call(&app, run.llm_provider_call_id.expect("the LLM call")).await;
        assert_eq!(
            run.total_cost_usd_micros,
            Some(llm.cost_usd_micros.unwrap() + 108),
            "the run's cost counts every call"
        );
        let session_row = sessions::Entity::find_by_id(session)
            .one(app.state.store().connection())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            Some(session_row.total_cost_usd_micros),
            run.total_cost_usd_micros
        );

        // Deepgram was sent the recording with its key in the header only.
        let heard = fakes.stt.requests();
        assert_eq!(heard.len(), 1);
        assert_eq!(heard[0].path, "/v1/listen");
        assert_eq!(heard[0].body.len(), audio.len());
        assert!(
            !heard[0]
                .query
                .clone()
                .unwrap_or_default()
                .contains(DEEPGRAM_KEY)
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn sentences_are_spoken_in_order_and_priced_per_character() {
    let fakes = Fakes::start().await;
    fakes.stt.push(SttReply::transcript("Pitch me."));
    let sentences = [
        "Our tool saves hours.",
        "It plugs into your CRM, your inbox and your calendar in a minute.",
        "Want a demo?",
    ];
    fakes
        .llm
        .push(Reply::text(sentences.map(|s| format!("{s} "))));
    let backend = &backends()[0];
    let app = voice_app(backend, &fakes, &[("TTS_PROVIDER", "google")]).await;
    let tenant = app.tenant("order");
    let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
    let frames = speak(&mut ws, &sine_wav(800, 16_000), 4_000, "v-order").await;
    assert_eq!(
        frame(&frames, "voice.complete")["type"],
        "voice.complete",
        "{frames:?}"
    );

    let clips: Vec<&Value> = frames
        .iter()
        .filter(|f| f["type"] == "voice.audio.chunk")
        .map(|f| &f["payload"])
        .collect();
    let texts: Vec<&str> = clips.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(texts, sentences);
    for (index, clip) in clips.iter().enumerate() {
        assert_eq!(clip["index"].as_u64(), Some(index as u64));
        let wav = BASE64.decode(clip["data"].as_str().unwrap()).unwrap();
        let ms = WavInfo::read(&wav).unwrap().duration_ms().unwrap();
        // The fake's tone lasts as long as its sentence is long: the clip is its sentence's.
        assert_eq!(ms, fakes.tts.tone_duration_ms(sentences[index]));
    }
    let asked: Vec<String> = fakes
        .tts
        .requests()
        .into_iter()
        .filter_map(|r| r.text)
        .collect();
    assert_eq!(asked, sentences, "one synthesis per sentence, in order");

    // Google's standard voices: 4 USD per million characters, each call rounded up.
    let complete = &frame(&frames, "voice.complete")["payload"];
    let expected: i64 = sentences
        .iter()
        .map(|s| (s.chars().count() as i64 * 4).max(1))
        .sum();
    assert_eq!(complete["tts_cost_usd_micros"].as_i64(), Some(expected));
    let tts_calls = provider_calls::Entity::find()
        .filter(provider_calls::Column::Operation.eq("tts"))
        .filter(provider_calls::Column::PipelineRunId.eq(id(&complete["pipeline_run_id"])))
        .all(app.state.store().connection())
        .await
        .unwrap();
    assert_eq!(tts_calls.len(), 3);
    assert!(
        tts_calls
            .iter()
            .all(|c| c.provider == "google" && c.success)
    );
    app.cleanup().await;
}

#[tokio::test]
async fn cancel_stops_the_answer_and_records_the_run_as_cancelled() {
    for backend in backends() {
        let fakes = Fakes::start().await;
        fakes
            .stt
            .push(SttReply::transcript("Tell me a long story."));
        fakes
            .llm
            .push(Reply::text(["Once ", "upon ", "a ", "time."]).stall_after(2));
        let app = voice_app(&backend, &fakes, &[]).await;
        let tenant = app.tenant("vcancel");
        let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
        ws.send(
            "voice.start",
            json!({ "format": "wav", "message_id": "v-c" }),
        )
        .await;
        ws.until("status.update").await;
        ws.send(
            "voice.chunk",
            json!({ "data": BASE64.encode(sine_wav(500, 16_000)) }),
        )
        .await;
        ws.send("voice.end", json!({})).await;
        let mut seen = ws.until("chat.token").await;
        seen.extend(ws.until("chat.token").await);
        ws.send("voice.cancel", json!({})).await;
        let end = read_turn(&mut ws).await;
        let cancelled = &frame(&end, "voice.cancelled")["payload"];
        assert_eq!(cancelled["message_id"], "v-c");
        assert!(!kinds(&end).iter().any(|k| k == "voice.audio.chunk"));
        let run = run(&app, id(&cancelled["pipeline_run_id"])).await;
        assert_eq!(run.status, "cancelled", "{backend:?}");
        let session = id(&frame(&seen, "voice.transcript")["payload"]["session_id"]);
        let rows = stored(&app, session).await;
        assert_eq!(rows.len(), 1, "the user's words are kept, no answer stored");
        assert_eq!(rows[0].content.as_deref(), Some("Tell me a long story."));

        // An open recording is dropped by voice.cancel, before anything runs.
        ws.send(
            "voice.start",
            json!({ "format": "wav", "message_id": "v-d" }),
        )
        .await;
        ws.until("status.update").await;
        ws.send("voice.cancel", json!({ "message_id": "v-d" }))
            .await;
        let dropped = ws.until("voice.cancelled").await;
        let payload = &frame(&dropped, "voice.cancelled")["payload"];
        assert_eq!(payload["message_id"], "v-d");
        assert!(payload["pipeline_run_id"].is_null());
        ws.send("voice.end", json!({})).await;
        let refused = ws.until("error").await;
        assert_eq!(frame(&refused, "error")["payload"]["code"], "INVALID_STATE");
        assert_eq!(
            fakes.stt.requests().len(),
            1,
            "the dropped recording was never sent"
        );
        app.cleanup().await;
    }
}

#[tokio::test]
async fn an_llm_failure_keeps_the_transcript_and_queues_the_turn() {
    for backend in backends() {
        let fakes = Fakes::start().await;
        fakes.stt.push(SttReply::transcript("What does it cost?"));
        fakes.llm.set_default(Reply::unauthorized());
        let app = voice_app(&backend, &fakes, &[]).await;
        let tenant = app.tenant("vfail");
        let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
        let frames = speak(&mut ws, &sine_wav(700, 16_000), 8_000, "v-f").await;
        let error = &frame(&frames, "error")["payload"];
        assert_eq!(
            error["code"], "PROVIDER_AUTHENTICATION_FAILED",
            "{backend:?}"
        );
        assert_eq!(error["message_id"], "v-f");
        assert!(!error.to_string().contains(GROQ_KEY));

        let transcript = &frame(&frames, "voice.transcript")["payload"];
        let session = id(&transcript["session_id"]);
        let rows = stored(&app, session).await;
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].content.as_deref(), Some("What does it cost?"));

        let queued = dead_letter_queue::Entity::find()
            .filter(dead_letter_queue::Column::SessionId.eq(session))
            .all(app.state.store().connection())
            .await
            .unwrap();
        assert_eq!(queued.len(), 1, "{backend:?}");
        let input = queued[0].input_data.clone().unwrap();
        assert_eq!(input["content"], "What does it cost?", "{input}");
        assert_eq!(queued[0].failed_stage.as_deref(), Some("llm"));
        // The STT call succeeded and is recorded with its cost.
        let run = run(&app, queued[0].pipeline_run_id.unwrap()).await;
        assert_eq!(run.status, "failed");
        let stt = call(&app, run.stt_provider_call_id.unwrap()).await;
        assert!(stt.success && stt.cost_usd_micros.unwrap() > 0);
        app.cleanup().await;
    }
}

#[tokio::test]
async fn a_speech_to_text_failure_is_a_typed_error_and_the_message_is_kept() {
    let fakes = Fakes::start().await;
    fakes.stt.push(SttReply::error(401, "invalid credentials"));
    let backend = &backends()[0];
    let app = voice_app(backend, &fakes, &[]).await;
    let tenant = app.tenant("vsttfail");
    let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
    let frames = speak(&mut ws, &sine_wav(300, 16_000), 8_000, "v-s").await;
    let error = &frame(&frames, "error")["payload"];
    assert_eq!(error["code"], "PROVIDER_AUTHENTICATION_FAILED");
    assert_eq!(error["details"]["operation"], "stt");
    assert!(!error.to_string().contains(DEEPGRAM_KEY));
    assert!(
        fakes.llm.requests().is_empty(),
        "no answer without a transcript"
    );
    let session = id(&frame(&frames, "session.started")["payload"]["sessionId"]);
    let rows = stored(&app, session).await;
    assert_eq!(
        rows.len(),
        1,
        "the spoken message is stored before transcription"
    );
    assert_eq!(rows[0].input_type, "voice");
    assert_eq!(rows[0].audio_duration_ms, Some(300));
    let failed = provider_calls::Entity::find()
        .filter(provider_calls::Column::Operation.eq("stt"))
        .filter(provider_calls::Column::SessionId.eq(session))
        .all(app.state.store().connection())
        .await
        .unwrap();
    assert_eq!(failed.len(), 1);
    assert!(!failed[0].success);
    assert_eq!(
        failed[0].error_code.as_deref(),
        Some("PROVIDER_AUTHENTICATION_FAILED")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn deepgram_live_hears_the_chunks_as_they_arrive() {
    let fakes = Fakes::start().await;
    fakes.stt.push(SttReply::transcript("Live and well."));
    fakes.llm.push(Reply::text(["Good."]));
    let backend = &backends()[0];
    let app = voice_app(backend, &fakes, &[("STT_LIVE", "true")]).await;
    let tenant = app.tenant("vlive");
    let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
    let audio = sine_wav(1_000, 16_000);
    let frames = speak(&mut ws, &audio, 6_400, "v-l").await;
    assert_eq!(
        frame(&frames, "voice.transcript")["payload"]["text"],
        "Live and well.",
        "{frames:?}"
    );
    frame(&frames, "voice.complete");
    let heard = fakes.stt.requests();
    assert_eq!(heard.len(), 1);
    assert_eq!(heard[0].method, "GET", "the live endpoint is a WebSocket");
    assert_eq!(heard[0].audio(), audio, "every chunk, in order");
    app.cleanup().await;
}

#[tokio::test]
async fn voice_is_refused_clearly_when_it_cannot_run() {
    let fakes = Fakes::start().await;
    let backend = &backends()[0];

    // No speech-to-text configured (the default).
    let plain = TestApp::spawn_with(backend, &[("STT_PROVIDER", "none")]).await;
    let tenant = plain.tenant("nostt");
    let (mut ws, _) = WsClient::authenticated(&plain, &tenant.member).await;
    ws.send(
        "voice.start",
        json!({ "format": "wav", "message_id": "n-1" }),
    )
    .await;
    let refused = ws.until("error").await;
    let error = &frame(&refused, "error")["payload"];
    assert_eq!(error["code"], "STT_NOT_CONFIGURED");
    assert_eq!(error["message_id"], "n-1");
    plain.cleanup().await;

    let app = voice_app(
        backend,
        &fakes,
        &[
            ("VOICE_MAX_AUDIO_BYTES", "20000"),
            ("VOICE_MAX_DURATION_MS", "400"),
        ],
    )
    .await;
    let tenant = app.tenant("vlimits");
    let (mut ws, _) = WsClient::authenticated(&app, &tenant.member).await;
    let code = |frames: &[Value]| frame(frames, "error")["payload"]["code"].clone();

    ws.send("voice.start", json!({ "format": "flac" })).await;
    let bad = ws.until("error").await;
    assert_eq!(code(&bad), "VALIDATION_ERROR");
    ws.send("voice.start", json!({ "format": "pcm16" })).await;
    let bad = ws.until("error").await;
    assert_eq!(code(&bad), "VALIDATION_ERROR");
    assert_eq!(
        frame(&bad, "error")["payload"]["details"]["fields"][0]["field"],
        "sampleRate"
    );
    ws.send("voice.chunk", json!({ "data": "AAAA" })).await;
    assert_eq!(code(&ws.until("error").await), "INVALID_STATE");

    // Longer than 400 ms of WAV: refused as it arrives.
    ws.send(
        "voice.start",
        json!({ "format": "wav", "message_id": "long" }),
    )
    .await;
    ws.until("status.update").await;
    ws.send(
        "voice.chunk",
        json!({ "data": BASE64.encode(sine_wav(500, 16_000)) }),
    )
    .await;
    let long = ws.until("error").await;
    assert_eq!(code(&long), "AUDIO_TOO_LONG");
    assert_eq!(frame(&long, "error")["payload"]["details"]["limit_ms"], 400);

    // More bytes than allowed (raw PCM, whose duration is under the limit per chunk).
    ws.send(
        "voice.start",
        json!({ "format": "webm", "message_id": "big" }),
    )
    .await;
    ws.until("status.update").await;
    for _ in 0..2 {
        ws.send(
            "voice.chunk",
            json!({ "data": BASE64.encode(vec![7_u8; 12_000]) }),
        )
        .await;
    }
    let big = ws.until("error").await;
    assert_eq!(code(&big), "PAYLOAD_TOO_LARGE");
    ws.send("voice.chunk", json!({ "data": "not base64!" }))
        .await;
    assert_eq!(
        code(&ws.until("error").await),
        "INVALID_STATE",
        "the recording was dropped"
    );

    ws.send("voice.start", json!({ "format": "wav" })).await;
    ws.until("status.update").await;
    ws.send("voice.chunk", json!({ "data": "not base64!" }))
        .await;
    assert_eq!(code(&ws.until("error").await), "BAD_REQUEST");
    assert!(fakes.stt.requests().is_empty(), "nothing was transcribed");
    app.cleanup().await;
}
