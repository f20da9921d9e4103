//! The local embedder against the real all-MiniLM-L6-v2 folder: vectors match
//! sentence-transformers', are unit-length, do not depend on batching, rank similar sentences
//! higher; and the typed load errors. The folder is found via `HELLOSALES_MODELS_DIR`
//! (default `~/.cache/hellosales/models`); without it these tests fail, they do not skip.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use hellosales_domain::ports::{EmbeddingProvider, EmbeddingRequest};
use hellosales_local_embeddings::{
    EmbedderOptions, LoadError, LocalEmbedder, MODEL_NAME, default_model_dir,
};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FETCH: &str = "run `cargo run -p hellosales-server -- models fetch`, or set \
    HELLOSALES_MODELS_DIR to the folder that holds all-MiniLM-L6-v2/";

fn model_dir() -> PathBuf {
    let dir = default_model_dir().unwrap_or_else(|| panic!("no HOME and no models dir: {FETCH}"));
    assert!(
        dir.join("model.safetensors").is_file(),
        "the model folder {} is missing or incomplete: {FETCH}",
        dir.display()
    );
    dir
}

fn embedder() -> &'static LocalEmbedder {
    static EMBEDDER: OnceLock<LocalEmbedder> = OnceLock::new();
    EMBEDDER.get_or_init(|| {
        LocalEmbedder::load(&model_dir(), EmbedderOptions::default())
            .unwrap_or_else(|error| panic!("cannot load the model: {error}"))
    })
}

async fn embed(embedder: &LocalEmbedder, texts: &[&str]) -> Vec<Vec<f32>> {
    let inputs = texts.iter().map(|&text| text.to_owned()).collect();
    let answer = embedder
        .embed(EmbeddingRequest::new(MODEL_NAME, inputs))
        .await
        .unwrap();
    assert_eq!(answer.vectors.len(), texts.len());
    answer.vectors
}

fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum()
}

fn norm(a: &[f32]) -> f64 {
    dot(a, a).sqrt()
}

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    dot(a, b) / (norm(a) * norm(b))
}

fn assert_unit(vector: &[f32]) {
    assert_eq!(vector.len(), 384);
    assert!((norm(vector) - 1.0).abs() < 1e-4, "norm {}", norm(vector));
    assert!(vector.iter().all(|x| x.is_finite()));
}

#[derive(Deserialize)]
struct Reference {
    dimensions: usize,
    sentences: Vec<ReferenceSentence>,
}

#[derive(Deserialize)]
struct ReferenceSentence {
    text: String,
    vector: Vec<f32>,
}

fn reference() -> Reference {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm_reference.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "the reference fixture {} is missing ({error}): generate it with \
             `HF_HUB_OFFLINE=1 python scripts/models/minilm_reference.py` in a venv with \
             sentence-transformers",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn vectors_match_sentence_transformers() {
    let reference = reference();
    assert_eq!(reference.dimensions, 384);
    assert_eq!(reference.sentences.len(), 3);
    let texts: Vec<&str> = reference
        .sentences
        .iter()
        .map(|s| s.text.as_str())
        .collect();
    let batch = embed(embedder(), &texts).await;
    for (ours, expected) in batch.iter().zip(&reference.sentences) {
        assert_unit(ours);
        let similarity = cosine(ours, &expected.vector);
        assert!(
            similarity >= 1.0 - 1e-3,
            "cosine {similarity} with sentence-transformers for {:?}",
            expected.text
        );
        // Alone, without a batch's padding, too.
        let single = embed(embedder(), &[expected.text.as_str()]).await;
        assert!(cosine(&single[0], &expected.vector) >= 1.0 - 1e-3);
    }
}

#[tokio::test]
async fn vectors_are_unit_length_with_384_dimensions() {
    let embedder = embedder();
    assert_eq!(embedder.dimensions(), 384);
    assert_eq!(embedder.model_id(), "all-MiniLM-L6-v2");
    assert_eq!(embedder.name(), "local");
    let long = "We help mid-market sales teams close faster. ".repeat(80);
    let vectors = embed(
        embedder,
        &[
            "",
            "ok",
            "Prix spécial pour l'équipe commerciale — 20 % 🚀",
            &long,
        ],
    )
    .await;
    for vector in &vectors {
        assert_unit(vector);
    }
}

#[tokio::test]
async fn padding_and_batching_do_not_change_a_vector() {
    let texts = [
        "Hi.",
        "Thanks for your time on the call today; as promised, here is a summary of the three \
         options we discussed, with pricing for fifty and for two hundred seats.",
        "Let's follow up next week.",
        "Can you share a customer reference in logistics?",
    ];
    let embedder = embedder();
    let batch = embed(embedder, &texts).await;
    for (text, in_batch) in texts.iter().zip(&batch) {
        let alone = embed(embedder, &[text]).await;
        let similarity = cosine(in_batch, &alone[0]);
        assert!(similarity >= 1.0 - 1e-5, "{similarity} for {text:?}");
    }

    // More inputs than one forward pass holds (32): order is kept across passes.
    let many: Vec<String> = (0..45)
        .map(|i| format!("Lead number {i} asked about {} seats.", i * 7))
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let all = embed(embedder, &refs).await;
    for index in [0, 17, 31, 32, 44] {
        let alone = embed(embedder, &[refs[index]]).await;
        assert!(
            cosine(&all[index], &alone[0]) >= 1.0 - 1e-5,
            "input {index}"
        );
    }
}

#[tokio::test]
async fn similar_sentences_score_higher_than_unrelated_ones() {
    let vectors = embed(
        embedder(),
        &[
            "How much does the premium plan cost per user?",
            "What is the price of the premium subscription for each seat?",
            "The weather in Lisbon is sunny today.",
            "Our onboarding takes two weeks and includes a dedicated success manager.",
        ],
    )
    .await;
    let paraphrase = cosine(&vectors[0], &vectors[1]);
    let unrelated = cosine(&vectors[0], &vectors[2]);
    let other_topic = cosine(&vectors[0], &vectors[3]);
    assert!(paraphrase > 0.6, "paraphrase {paraphrase}");
    assert!(paraphrase > unrelated + 0.4, "{paraphrase} vs {unrelated}");
    assert!(paraphrase > other_topic, "{paraphrase} vs {other_topic}");
}

#[tokio::test]
async fn long_inputs_are_truncated_at_max_seq_length() {
    let embedder = embedder();
    assert_eq!(embedder.max_seq_length(), 256);
    // ≈ 600 tokens: what follows token 256 cannot change the vector.
    let long = "Our platform syncs every call note into the CRM automatically. ".repeat(60);
    let vectors = embed(
        embedder,
        &[
            &long,
            &format!("{long} Completely different ending about football."),
        ],
    )
    .await;
    assert!(cosine(&vectors[0], &vectors[1]) >= 1.0 - 1e-6);

    // …but every token up to 256 counts (the folder's tokenizer.json alone would cut at 128).
    let medium = "Our platform syncs every call note into the CRM automatically. ".repeat(13);
    let ending = format!("{medium} Completely different ending about football.");
    let answer = embedder
        .embed(EmbeddingRequest::new(MODEL_NAME, vec![ending.clone()]))
        .await
        .unwrap();
    let tokens = answer.prompt_tokens.unwrap();
    assert!((140..256).contains(&tokens), "{tokens} tokens");
    let vectors = embed(embedder, &[&medium, &ending]).await;
    assert!(
        cosine(&vectors[0], &vectors[1]) < 1.0 - 1e-4,
        "the ending was cut"
    );

    // A shorter limit, from the options, cuts earlier.
    let short = LocalEmbedder::load(
        &model_dir(),
        EmbedderOptions {
            max_seq_length: Some(8),
            ..EmbedderOptions::default()
        },
    )
    .unwrap();
    assert_eq!(short.max_seq_length(), 8);
    let a = embed(&short, &["one two three four five six seven eight"]).await;
    let b = embed(&short, &["one two three four five six ninety ninety-one"]).await;
    assert!(cosine(&a[0], &b[0]) >= 1.0 - 1e-6, "tokens 7+ are cut");
}

#[tokio::test]
async fn usage_and_empty_requests() {
    let embedder = embedder();
    let answer = embedder
        .embed(EmbeddingRequest::new(
            "",
            vec!["Hello".into(), "Hello world".into()],
        ))
        .await
        .unwrap();
    // [CLS] hello [SEP] + [CLS] hello world [SEP]
    assert_eq!(answer.prompt_tokens, Some(7));
    assert_eq!(answer.model.as_deref(), Some("all-MiniLM-L6-v2"));
    let empty = embedder
        .embed(EmbeddingRequest::new(MODEL_NAME, Vec::new()))
        .await
        .unwrap();
    assert!(empty.vectors.is_empty());
}

/// A folder with some of the real files copied in.
fn partial_folder(files: &[&str]) -> tempfile::TempDir {
    let source = model_dir();
    let dir = tempfile::tempdir().unwrap();
    for file in files {
        let target = dir.path().join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(source.join(file), target).unwrap();
    }
    dir
}

fn load_error(dir: &Path) -> LoadError {
    LocalEmbedder::load(dir, EmbedderOptions::default()).unwrap_err()
}

#[test]
fn a_missing_folder_or_file_says_which_and_how_to_fetch() {
    let nowhere = Path::new("/nonexistent/hellosales/all-MiniLM-L6-v2");
    let error = load_error(nowhere);
    assert!(
        matches!(error, LoadError::MissingFolder { .. }),
        "{error:?}"
    );
    assert!(error.is_missing());
    let message = error.to_string();
    assert!(
        message.contains("/nonexistent/hellosales/all-MiniLM-L6-v2"),
        "{message}"
    );
    assert!(message.contains("hellosales models fetch"), "{message}");

    for (present, missing) in [
        (&[][..], "config.json"),
        (&["config.json"][..], "tokenizer.json"),
        (&["config.json", "tokenizer.json"][..], "model.safetensors"),
    ] {
        let dir = partial_folder(present);
        let error = load_error(dir.path());
        match &error {
            LoadError::MissingFile { file, .. } => assert_eq!(*file, missing),
            other => panic!("expected {missing} missing, got {other:?}"),
        }
        let message = error.to_string();
        assert!(message.contains(missing), "{message}");
        assert!(message.contains("hellosales models fetch"), "{message}");
    }
}

#[test]
fn corrupt_or_unsupported_folders_are_typed_errors() {
    let dir = partial_folder(&["config.json", "tokenizer.json"]);
    std::fs::write(
        dir.path().join("model.safetensors"),
        b"not a safetensors file",
    )
    .unwrap();
    let error = load_error(dir.path());
    assert!(matches!(error, LoadError::Weights { .. }), "{error:?}");
    assert!(!error.is_missing());

    let dir = partial_folder(&["config.json", "tokenizer.json", "model.safetensors"]);
    std::fs::create_dir(dir.path().join("1_Pooling")).unwrap();
    std::fs::write(
        dir.path().join("1_Pooling/config.json"),
        r#"{"word_embedding_dimension": 384, "pooling_mode_cls_token": true}"#,
    )
    .unwrap();
    let error = load_error(dir.path());
    assert!(
        matches!(&error, LoadError::InvalidConfig { message, .. } if message.contains("mean pooling")),
        "{error:?}"
    );

    let dir = partial_folder(&["config.json", "model.safetensors"]);
    std::fs::write(dir.path().join("tokenizer.json"), b"{}").unwrap();
    let error = load_error(dir.path());
    assert!(matches!(error, LoadError::Tokenizer { .. }), "{error:?}");

    let error = LocalEmbedder::load(
        &model_dir(),
        EmbedderOptions {
            max_concurrency: 0,
            ..EmbedderOptions::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(error, LoadError::InvalidOptions { .. }),
        "{error:?}"
    );
}
