//! Embedding calls are recorded like chat calls: one record with operation `embedding`, input
//! tokens (the provider's or estimated and flagged), no output tokens, the exact cost, and the
//! typed error of a failed call.

use super::support::{MemoryStore, provider_error};
use async_trait::async_trait;
use hellosales_domain::AppResult;
use hellosales_domain::error::ProviderFailure;
use hellosales_domain::ports::{
    AiService, CallContext, EmbeddingProvider, EmbeddingRequest, Embeddings,
};
use hellosales_providers::{ModelPrice, PriceTable, RecordingEmbedder, RecordingOptions};
use std::sync::{Arc, Mutex};

/// Answers each call with the next scripted result.
struct FakeEmbedder(Mutex<Vec<AppResult<Embeddings>>>);

#[async_trait]
impl EmbeddingProvider for FakeEmbedder {
    fn name(&self) -> &str {
        "openai"
    }

    async fn embed(&self, _request: EmbeddingRequest) -> AppResult<Embeddings> {
        self.0.lock().unwrap().remove(0)
    }
}

fn embedder(script: Vec<AppResult<Embeddings>>, store: &Arc<MemoryStore>) -> RecordingEmbedder {
    let mut prices = PriceTable::seeded();
    prices.extend([ModelPrice::per_million_usd(
        "openai",
        "text-embedding-3-small",
        0.02,
        0.0,
        chrono::NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
    )]);
    RecordingEmbedder::new(
        Arc::new(FakeEmbedder(Mutex::new(script))),
        store.clone(),
        Arc::new(prices),
        RecordingOptions::default(),
    )
}

fn request() -> EmbeddingRequest {
    EmbeddingRequest::new(
        "text-embedding-3-small",
        vec!["Acme sells rockets.".to_owned(), "Call Ada.".to_owned()],
    )
}

#[tokio::test]
async fn an_embedding_call_is_one_priced_record() {
    let store = Arc::new(MemoryStore::default());
    let answer = Embeddings {
        vectors: vec![vec![0.1, 0.2], vec![0.3, 0.4]],
        model: Some("text-embedding-3-small-v2".to_owned()),
        prompt_tokens: Some(120_000),
    };
    let llm = embedder(vec![Ok(answer.clone())], &store);
    let context = CallContext::new(AiService::Embedding).with_request_id("req-e");
    let recorded = llm.embed(&context, request()).await.unwrap();
    assert_eq!(recorded.embeddings, answer);
    llm.flush().await;

    let record = store.only();
    assert_eq!(record.id, recorded.call_id);
    assert_eq!(record.operation, "embedding");
    assert_eq!(record.service, AiService::Embedding);
    assert_eq!(
        (record.tokens_in, record.tokens_out),
        (Some(120_000), Some(0))
    );
    assert!(!record.tokens_estimated);
    assert!(record.priced);
    assert_eq!(
        record.cost_usd_micros,
        Some(2_400),
        "120k tokens at 0.02 USD / M"
    );
    assert_eq!(
        record.response_model.as_deref(),
        Some("text-embedding-3-small-v2")
    );
    assert!(record.success);
}

#[tokio::test]
async fn missing_usage_is_estimated_and_failures_are_recorded_typed() {
    let store = Arc::new(MemoryStore::default());
    let no_usage = Embeddings {
        vectors: vec![vec![0.0], vec![1.0]],
        model: None,
        prompt_tokens: None,
    };
    let llm = embedder(
        vec![
            Ok(no_usage),
            Err(provider_error(
                ProviderFailure::RateLimited {
                    retry_after_seconds: 3,
                },
                "slow down",
            )),
        ],
        &store,
    );
    let context = CallContext::new(AiService::Embedding);
    llm.embed(&context, request()).await.unwrap();
    let error = llm.embed(&context, request()).await.unwrap_err();
    assert_eq!(error.code(), "PROVIDER_RATE_LIMITED");
    llm.flush().await;

    let records = store.records();
    assert_eq!(records.len(), 2);
    let estimated = &records[0];
    assert!(estimated.tokens_estimated);
    assert_eq!(estimated.tokens_in, Some(5 + 3), "19 and 9 characters");
    let failed = &records[1];
    assert!(!failed.success);
    assert_eq!(failed.error_code.as_deref(), Some("PROVIDER_RATE_LIMITED"));
    assert_eq!((failed.tokens_in, failed.cost_usd_micros), (None, None));
}
