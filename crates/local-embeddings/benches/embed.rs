//! Embeddings per second of the local all-MiniLM-L6-v2 through the port (tokenizer, BERT,
//! pooling, the blocking-thread hop and the admission limits): one short sentence at a time
//! (latency), and batches of 32 sales sentences (throughput). Needs the model folder
//! (`HELLOSALES_MODELS_DIR`, default `~/.cache/hellosales/models`).
//!
//! `cargo bench -p hellosales-local-embeddings --bench embed`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hellosales_domain::ports::{EmbeddingProvider, EmbeddingRequest};
use hellosales_local_embeddings::{EmbedderOptions, LocalEmbedder, MODEL_NAME, default_model_dir};
use std::hint::black_box;
use std::time::Duration;

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

fn embedder() -> LocalEmbedder {
    let dir = default_model_dir().expect("HOME or HELLOSALES_MODELS_DIR");
    LocalEmbedder::load(&dir, EmbedderOptions::default()).unwrap_or_else(|error| panic!("{error}"))
}

fn embed_bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let embedder = embedder();
    let one = EmbeddingRequest::new(MODEL_NAME, vec![SENTENCES[0].to_owned()]);
    let batch = EmbeddingRequest::new(
        MODEL_NAME,
        SENTENCES
            .iter()
            .cycle()
            .take(32)
            .map(|s| (*s).to_owned())
            .collect(),
    );

    let mut group = c.benchmark_group("local_embeddings");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    group.bench_function("single_sentence", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(embedder.embed(one.clone()).await.unwrap()) });
    });
    group.throughput(Throughput::Elements(32));
    group.sample_size(20);
    group.bench_function("batch_of_32", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(embedder.embed(batch.clone()).await.unwrap()) });
    });
    group.finish();
}

criterion_group!(benches, embed_bench);
criterion_main!(benches);
