//! The `chat` pipeline (specification §4.2):
//!
//! ```text
//! [input_guard] ──────┐
//! [profile_enrich] ───┼──> [llm] ──> [output_guard] ──> [persist]
//! [summary_enrich] ───┘
//! ```
//!
//! Beyond the drawing, `output_guard` also reads `input_guard` (the organization's policy)
//! and `persist` reads `llm` (the call's id and cost).
//!
//! Built once at start-up with the interceptors every pipeline shares (timeout, circuit
//! breaker, retry, tracing, metrics), and run once per message by the
//! [`ChatService`](super::ChatService).

use super::stages::enrich::{ProfileEnrichStage, SummaryEnrichStage};
use super::stages::guards::{InputGuardStage, OutputGuardStage};
use super::stages::llm::LlmStage;
use super::stages::persist::PersistStage;
use super::stages::{INPUT_GUARD, LLM, OUTPUT_GUARD, PERSIST, PROFILE_ENRICH, SUMMARY_ENRICH};
use crate::semantic::Memory;
use hellosales_domain::ports::{
    CompanyProfileStore, GuardService, IdentityRepository, SessionStore,
};
use hellosales_providers::LlmRoutes;
use stageflow::interceptors::{InterceptorConfig, default_interceptors};
use stageflow::{BuildError, Pipeline, StageKind, StageSpec};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The registered name of the chat pipeline.
pub const CHAT_PIPELINE: &str = "chat";
/// The topology recorded with each run.
pub const CHAT_TOPOLOGY: &str = "chat_pipeline";

/// What the chat stages work with.
#[derive(Clone)]
pub struct ChatDeps {
    /// The guardrails.
    pub guard: Arc<dyn GuardService>,
    /// Sessions and interactions.
    pub sessions: Arc<dyn SessionStore>,
    /// Company profiles.
    pub company_profiles: Arc<dyn CompanyProfileStore>,
    /// Users and organizations (names, the organization's guard policy).
    pub identities: Arc<dyn IdentityRepository>,
    /// The LLM routes.
    pub llm: LlmRoutes,
    /// Semantic memory (`None`: embeddings are not configured).
    pub memory: Option<Memory>,
}

impl fmt::Debug for ChatDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatDeps")
            .field("llm", &self.llm)
            .field("memory", &self.memory)
            .finish_non_exhaustive()
    }
}

/// Builds the chat pipeline. `llm_timeout` bounds the LLM stage (a whole streamed answer),
/// which is never retried; the other stages have the shared stage timeout.
///
/// # Errors
/// Only if the graph were invalid (it is fixed; a test builds it).
pub fn chat_pipeline(
    deps: &ChatDeps,
    interceptors: &InterceptorConfig,
    llm_timeout: Duration,
) -> Result<Pipeline, BuildError> {
    Pipeline::builder(CHAT_PIPELINE)
        .interceptors(default_interceptors(interceptors))
        .stage(StageSpec::new(
            INPUT_GUARD,
            InputGuardStage::new(deps.guard.clone(), deps.identities.clone()),
            StageKind::Guard,
        ))
        .stage(StageSpec::new(
            PROFILE_ENRICH,
            ProfileEnrichStage::new(deps.company_profiles.clone(), deps.identities.clone()),
            StageKind::Enrich,
        ))
        .stage(StageSpec::new(
            SUMMARY_ENRICH,
            SummaryEnrichStage::new(deps.sessions.clone(), deps.memory.clone()),
            StageKind::Enrich,
        ))
        .stage(
            StageSpec::new(LLM, LlmStage::new(deps.llm.clone()), StageKind::Transform)
                .depends_on([INPUT_GUARD, PROFILE_ENRICH, SUMMARY_ENRICH])
                .timeout(llm_timeout)
                .max_attempts(1)
                // The LLM routes guard each provider and model with their own breaker.
                .without_circuit_breaker(),
        )
        .stage(
            StageSpec::new(
                OUTPUT_GUARD,
                OutputGuardStage::new(deps.guard.clone()),
                StageKind::Guard,
            )
            // The input guard too: the output is checked against the policy it read.
            .depends_on([LLM, INPUT_GUARD]),
        )
        .stage(
            StageSpec::new(
                PERSIST,
                PersistStage::new(deps.sessions.clone()),
                StageKind::Work,
            )
            .depends_on([OUTPUT_GUARD, LLM]),
        )
        .build()
}
