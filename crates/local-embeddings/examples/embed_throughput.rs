//! A plain timing loop beside the criterion bench: wall time *and* process CPU time per
//! embedding, so that figures taken on a busy machine can still be compared (CPU time per
//! embedding hardly depends on what else runs; wall time does). Linux only for CPU time
//! (`/proc/self/stat`).
//!
//! `cargo run --release -p hellosales-local-embeddings --example embed_throughput`
//! (`RAYON_NUM_THREADS=1` for the single-core cost).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use hellosales_domain::ports::{EmbeddingProvider, EmbeddingRequest};
use hellosales_local_embeddings::{EmbedderOptions, LocalEmbedder, MODEL_NAME, default_model_dir};
use std::time::{Duration, Instant};

const SENTENCES: [&str; 8] = [
    "Can we book a demo for Thursday afternoon?",
    "Our CRM integration cuts the time your reps spend on data entry in half.",
    "What discounts do you offer for annual contracts with more than fifty seats?",
    "Thanks for the call, attached is the proposal we discussed.",
    "The pilot with the logistics team showed a 14% lift in qualified meetings.",
    "Please loop in your procurement contact so we can start the security review.",
    "Is the onboarding included in the enterprise plan?",
    "We would like to renew, but the budget for next year is not approved yet.",
];

/// User + system CPU time of this process, from `/proc/self/stat` (clock ticks of 10 ms).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split(' ').collect();
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Resident memory of this process, from `/proc/self/status`.
fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            Some(line.trim_start_matches("VmRSS:").trim().to_owned())
        })
        .unwrap_or_else(|| "n/a".to_owned())
}

async fn measure(embedder: &LocalEmbedder, label: &str, inputs: &[String], rounds: usize) {
    let request = EmbeddingRequest::new(MODEL_NAME, inputs.to_vec());
    embedder.embed(request.clone()).await.unwrap(); // warm-up
    let (wall, cpu) = (Instant::now(), cpu_time());
    for _ in 0..rounds {
        embedder.embed(request.clone()).await.unwrap();
    }
    let wall = wall.elapsed();
    let count = (inputs.len() * rounds) as f64;
    let per_call_ms = wall.as_secs_f64() * 1e3 / rounds as f64;
    let rate = count / wall.as_secs_f64();
    let cpu_ms = match (cpu, cpu_time()) {
        (Some(start), Some(end)) => format!("{:.2}", (end - start).as_secs_f64() * 1e3 / count),
        _ => "n/a".to_owned(),
    };
    println!(
        "{label}: {per_call_ms:.1} ms per call, {rate:.1} embeddings/s, {cpu_ms} CPU-ms per embedding"
    );
}

#[tokio::main]
async fn main() {
    let dir = default_model_dir().expect("HOME or HELLOSALES_MODELS_DIR");
    let started = Instant::now();
    let embedder = LocalEmbedder::load(&dir, EmbedderOptions::default())
        .unwrap_or_else(|error| panic!("{error}"));
    println!(
        "model loaded in {:.0} ms, RSS {}",
        started.elapsed().as_secs_f64() * 1e3,
        rss()
    );
    let one = vec![SENTENCES[0].to_owned()];
    let batch: Vec<String> = SENTENCES
        .iter()
        .cycle()
        .take(32)
        .map(|s| (*s).to_owned())
        .collect();
    measure(&embedder, "single sentence", &one, 300).await;
    measure(&embedder, "batch of 32", &batch, 20).await;
    println!("RSS after the runs {}", rss());
}
