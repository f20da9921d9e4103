//! Local generation speed: prompt processing and decoding measured apart, and peak memory.
//!
//! ```text
//! cargo run --release -p hellosales-local-llm --example local_bench -- \
//!     --model ~/.cache/hellosales/models/SmolLM2-135M-Instruct.Q4_1.gguf --threads 2 --runs 5
//! ```
//!
//! Each run sends a prompt of about `--prompt-words` words and decodes `--max-tokens` tokens
//! greedily without a grammar (as `llama-bench -p … -n …` does), then one structured run with
//! the email schema. Prefill speed is prompt tokens over the time to the first token; decoding
//! speed is the tokens after the first over the time from the first to the last.

#![allow(clippy::print_stdout, clippy::expect_used, clippy::unwrap_used)]

use futures::StreamExt;
use hellosales_domain::ports::{ChatEvent, ChatMessage, ChatRequest, LlmProvider};
use hellosales_local_llm::{LocalLlm, LocalLlmSettings};
use serde_json::json;
use std::time::Instant;

struct Args {
    model: String,
    threads: u16,
    runs: usize,
    prompt_words: usize,
    max_tokens: u32,
}

fn args() -> Args {
    let mut args = Args {
        model: String::new(),
        threads: 1,
        runs: 3,
        prompt_words: 380,
        max_tokens: 128,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--model" => args.model = value,
            "--threads" => args.threads = value.parse().expect("--threads"),
            "--runs" => args.runs = value.parse().expect("--runs"),
            "--prompt-words" => args.prompt_words = value.parse().expect("--prompt-words"),
            "--max-tokens" => args.max_tokens = value.parse().expect("--max-tokens"),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

/// Peak resident memory of this process, in MiB.
fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

struct Run {
    prompt_tokens: u32,
    completion_tokens: u32,
    ttft_ms: f64,
    decode_ms: f64,
}

async fn run(llm: &LocalLlm, request: ChatRequest) -> (Run, String) {
    let started = Instant::now();
    let mut stream = llm.chat_stream(request).await.expect("stream");
    let mut first = None;
    let mut last = started;
    let mut text = String::new();
    let mut usage = (0, 0);
    while let Some(event) = stream.next().await {
        match event.expect("event") {
            ChatEvent::Delta(piece) => {
                first.get_or_insert_with(Instant::now);
                last = Instant::now();
                text.push_str(&piece);
            }
            ChatEvent::Usage {
                prompt_tokens,
                completion_tokens,
            } => usage = (prompt_tokens, completion_tokens),
            ChatEvent::Done { .. } => {}
        }
    }
    let first = first.unwrap_or(last);
    (
        Run {
            prompt_tokens: usage.0,
            completion_tokens: usage.1,
            ttft_ms: (first - started).as_secs_f64() * 1000.0,
            decode_ms: (last - first).as_secs_f64() * 1000.0,
        },
        text,
    )
}

#[tokio::main]
async fn main() {
    let args = args();
    let loading = Instant::now();
    let llm = LocalLlm::load(LocalLlmSettings {
        threads: args.threads,
        context_tokens: 4096,
        ..LocalLlmSettings::new(&args.model, "bench")
    })
    .expect("load");
    println!(
        "loaded in {:.0} ms, threads {}, RSS peak {:.1} MiB",
        loading.elapsed().as_secs_f64() * 1000.0,
        args.threads,
        peak_rss_mib()
    );
    let filler = "Our customers in retail and logistics want fewer manual steps, faster quotes and \
                  clear reports for their managers. ";
    let words_per_filler = filler.split_whitespace().count();
    let prompt = filler.repeat(args.prompt_words / words_per_filler + 1);
    let mut prefill = Vec::new();
    let mut decode = Vec::new();
    for index in 0..=args.runs {
        let mut request = ChatRequest::new(
            "bench",
            vec![ChatMessage::user(format!(
                "{prompt}\nSummarise the above at length."
            ))],
        );
        request.temperature = Some(0.0);
        request.max_tokens = Some(args.max_tokens);
        let (run, _) = run(&llm, request).await;
        let prefill_tps = f64::from(run.prompt_tokens) / (run.ttft_ms / 1000.0);
        let decode_tps =
            f64::from(run.completion_tokens.saturating_sub(1)) / (run.decode_ms / 1000.0);
        println!(
            "run {index}{}: prompt {} tokens, TTFT {:.0} ms ({prefill_tps:.0} tok/s); \
             decoded {} tokens at {decode_tps:.1} tok/s",
            if index == 0 { " (warm-up)" } else { "" },
            run.prompt_tokens,
            run.ttft_ms,
            run.completion_tokens
        );
        if index > 0 {
            prefill.push(prefill_tps);
            decode.push(decode_tps);
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values.get(values.len() / 2).copied().unwrap_or(0.0)
    };
    println!(
        "median: prefill {:.0} tok/s, decode {:.1} tok/s",
        median(&mut prefill),
        median(&mut decode)
    );

    let mut structured = ChatRequest::new(
        "bench",
        vec![
            ChatMessage::system("You write sales emails. Answer with a JSON object."),
            ChatMessage::user(
                "Write a short sales email to Dana Reyes at Acme Logistics about RouteWise.",
            ),
        ],
    );
    structured.response_schema = Some(json!({
        "type": "object",
        "properties": {
            "subject": {"type": "string"},
            "body": {"type": "string"},
            "call_to_action": {"type": "string"},
            "personalization_fields": {"type": "array", "items": {"type": "string"}}
        },
        "required": ["subject", "body", "call_to_action", "personalization_fields"],
        "additionalProperties": false
    }));
    structured.max_tokens = Some(400);
    let (run, text) = run(&llm, structured).await;
    let valid = serde_json::from_str::<serde_json::Value>(&text).is_ok();
    println!(
        "structured (grammar): {} tokens at {:.1} tok/s, valid JSON: {valid}",
        run.completion_tokens,
        f64::from(run.completion_tokens.saturating_sub(1)) / (run.decode_ms / 1000.0)
    );
    println!("peak RSS {:.1} MiB", peak_rss_mib());
}
