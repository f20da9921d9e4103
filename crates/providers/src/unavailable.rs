//! [`UnavailableLlm`]: a provider that is named in the configuration but cannot answer on this
//! server (the embedded local model before it is built in). Every call fails at once with
//! `PROVIDER_NOT_CONFIGURED` and says what to configure instead: a clear, typed error rather
//! than a silent stub.

use async_trait::async_trait;
use hellosales_domain::error::{AppError, AppResult, ProviderFailure};
use hellosales_domain::ports::llm::{ChatRequest, ChatStream, LLM_OPERATION, LlmProvider};

/// A provider that refuses every call with `PROVIDER_NOT_CONFIGURED`.
#[derive(Clone, Debug)]
pub struct UnavailableLlm {
    name: String,
    reason: String,
}

impl UnavailableLlm {
    /// A provider named `name` that refuses with `reason` (shown to callers: no secrets).
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            reason: reason.into(),
        }
    }
}

#[async_trait]
impl LlmProvider for UnavailableLlm {
    fn name(&self) -> &str {
        &self.name
    }

    async fn chat_stream(&self, _request: ChatRequest) -> AppResult<ChatStream> {
        Err(AppError::Provider {
            provider: self.name.clone(),
            operation: LLM_OPERATION.to_owned(),
            failure: ProviderFailure::NotConfigured,
            message: self.reason.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_with_a_typed_not_retryable_error() {
        let llm = UnavailableLlm::new("local", "the local model is not built in");
        let Err(error) = llm.chat_stream(ChatRequest::default()).await else {
            panic!("an unavailable provider answered");
        };
        assert_eq!(error.code(), "PROVIDER_NOT_CONFIGURED");
        assert!(!error.retryable());
        assert!(error.to_string().contains("not built in"), "{error}");
    }
}
