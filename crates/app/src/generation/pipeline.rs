//! The `script_generation` and `email_generation` pipelines (one graph, two names):
//!
//! ```text
//! [input_guard] ─────┐
//! [company_enrich] ──┤
//! [product_enrich] ──┼──> [llm] ──> [validate] ──> [output_guard] ──> [persist]
//! [client_enrich] ───┘
//! ```
//!
//! `output_guard` also reads `input_guard` (the policy) and `llm` (the instructions it was
//! given); `persist` reads `llm` (prompt, model) and the enrichers (names).

use super::stages::{
    CLIENT_ENRICH, COMPANY_ENRICH, ClientEnrichStage, CompanyEnrichStage, DocumentGuardStage,
    GenerateStage, INPUT_GUARD, InstructionsGuardStage, LLM, OUTPUT_GUARD, PERSIST, PRODUCT_ENRICH,
    PersistDocumentStage, ProductEnrichStage, VALIDATE, ValidateStage,
};
use crate::services::content::VersionedService;
use hellosales_domain::content::{Client, Product, SalesEmail, SalesScript};
use hellosales_domain::ports::{
    CompanyProfileStore, EditableStore, GuardService, IdentityRepository,
};
use hellosales_providers::LlmRoutes;
use stageflow::interceptors::{InterceptorConfig, default_interceptors};
use stageflow::{BuildError, Pipeline, StageKind, StageSpec};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The registered name of the script pipeline.
pub const SCRIPT_PIPELINE: &str = "script_generation";
/// The registered name of the email pipeline.
pub const EMAIL_PIPELINE: &str = "email_generation";

/// What the generation stages work with.
#[derive(Clone)]
pub struct GenerationDeps {
    /// The guardrails.
    pub guard: Arc<dyn GuardService>,
    /// Users and organizations (the guard policy).
    pub identities: Arc<dyn IdentityRepository>,
    /// Company profiles.
    pub company_profiles: Arc<dyn CompanyProfileStore>,
    /// Products.
    pub products: Arc<dyn EditableStore<Product>>,
    /// Clients.
    pub clients: Arc<dyn EditableStore<Client>>,
    /// Scripts (versioned).
    pub scripts: VersionedService<SalesScript>,
    /// Emails (versioned).
    pub emails: VersionedService<SalesEmail>,
    /// The LLM routes.
    pub llm: LlmRoutes,
}

impl fmt::Debug for GenerationDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationDeps")
            .field("llm", &self.llm)
            .finish_non_exhaustive()
    }
}

/// Builds the generation pipeline named `name`. `llm_timeout` bounds the writing and the
/// validation stages (with its repair request); neither is retried (a retry would write
/// another document).
///
/// # Errors
/// Only if the graph were invalid (it is fixed; a test builds it).
pub fn generation_pipeline(
    name: &str,
    deps: &GenerationDeps,
    interceptors: &InterceptorConfig,
    llm_timeout: Duration,
) -> Result<Pipeline, BuildError> {
    Pipeline::builder(name)
        .interceptors(default_interceptors(interceptors))
        .stage(StageSpec::new(
            INPUT_GUARD,
            InstructionsGuardStage::new(deps.guard.clone(), deps.identities.clone()),
            StageKind::Guard,
        ))
        .stage(StageSpec::new(
            COMPANY_ENRICH,
            CompanyEnrichStage::new(deps.company_profiles.clone()),
            StageKind::Enrich,
        ))
        .stage(StageSpec::new(
            PRODUCT_ENRICH,
            ProductEnrichStage::new(deps.products.clone()),
            StageKind::Enrich,
        ))
        .stage(StageSpec::new(
            CLIENT_ENRICH,
            ClientEnrichStage::new(deps.clients.clone()),
            StageKind::Enrich,
        ))
        .stage(
            StageSpec::new(
                LLM,
                GenerateStage::new(deps.llm.clone()),
                StageKind::Transform,
            )
            .depends_on([INPUT_GUARD, COMPANY_ENRICH, PRODUCT_ENRICH, CLIENT_ENRICH])
            .timeout(llm_timeout)
            .max_attempts(1)
            // The LLM routes guard each provider and model with their own breaker.
            .without_circuit_breaker(),
        )
        .stage(
            StageSpec::new(
                VALIDATE,
                ValidateStage::new(deps.llm.clone()),
                StageKind::Guard,
            )
            .depends_on([LLM])
            .timeout(llm_timeout)
            .max_attempts(1)
            .without_circuit_breaker(),
        )
        .stage(
            StageSpec::new(
                OUTPUT_GUARD,
                DocumentGuardStage::new(deps.guard.clone()),
                StageKind::Guard,
            )
            .depends_on([VALIDATE, INPUT_GUARD, LLM]),
        )
        .stage(
            StageSpec::new(
                PERSIST,
                PersistDocumentStage::new(deps.scripts.clone(), deps.emails.clone()),
                StageKind::Work,
            )
            .depends_on([OUTPUT_GUARD, LLM, PRODUCT_ENRICH, CLIENT_ENRICH])
            .max_attempts(1),
        )
        .build()
}
