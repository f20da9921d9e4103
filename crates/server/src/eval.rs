//! `hellosales eval`: generates a sales script and a sales email for each fixture pair of
//! `evals/fixtures.json` with the configured provider (`LLM_PROVIDER`, `LLM_MODEL`, …) and
//! prints the pass rate of each check ([`hellosales_app::generation::evals`]) as Markdown.
//!
//! It runs on a throwaway SQLite database in a directory of its own under the data directory
//! (removed at the end), so that it never touches real data, and as an organization of its
//! own.

use crate::ai::AiServices;
use crate::config::Config;
use crate::startup;
use anyhow::Context as _;
use hellosales_app::generation::evals::{
    EvalReport, Expected, check_email, check_script, failed_generation,
};
use hellosales_app::generation::{GenerateEmail, GenerateScript, GeneratedDocument, Length};
use hellosales_app::{CompanyProfileService, EditableService, IdentityService};
use hellosales_domain::content::{
    Client, ClientInput, CompanyProfileInput, Precondition, Product, ProductInput,
};
use hellosales_domain::{AppResult, ExternalIdentity, OrgContext, Role};
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The fixtures file.
#[derive(Debug, Deserialize)]
struct Fixtures {
    company_profile: CompanyProfileInput,
    cases: Vec<Case>,
}

/// One client × product pair.
#[derive(Debug, Deserialize)]
struct Case {
    name: String,
    client: ClientInput,
    product: ProductInput,
}

/// Runs the evaluation and returns the report as Markdown.
///
/// # Errors
/// The fixtures cannot be read, the database cannot be set up, or a fixture is invalid.
/// Failed generations are not errors: they fail their checks.
pub async fn run(mut config: Config, fixtures: &Path, length: Length) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(fixtures)
        .with_context(|| format!("reading {}", fixtures.display()))?;
    let fixtures: Fixtures = serde_json::from_str(&text)
        .with_context(|| format!("reading the fixtures of {}", fixtures.display()))?;
    let dir = config
        .data_dir
        .join(format!("eval-{}", uuid::Uuid::now_v7().simple()));
    config.data_dir.clone_from(&dir);
    config.database_url = None;
    let outcome = evaluate(&config, &fixtures, length).await;
    if let Err(error) = std::fs::remove_dir_all(&dir) {
        tracing::warn!(error = %error, dir = %dir.display(), "removing the evaluation database");
    }
    outcome
}

async fn evaluate(config: &Config, fixtures: &Fixtures, length: Length) -> anyhow::Result<String> {
    let store = startup::connect_store(config).await?;
    store
        .migrate()
        .await
        .context("applying database migrations")?;
    let ai = AiServices::build(config, &store)?;
    let identities = IdentityService::new(Arc::new(store.identities()));
    let resolved = identities
        .resolve(&ExternalIdentity {
            auth_provider: "eval".to_owned(),
            subject: "eval".to_owned(),
            org_external_id: "org_eval".to_owned(),
            email: Some("eval@hellosales.test".to_owned()),
            display_name: Some("Evaluation".to_owned()),
            role: Role::Admin,
        })
        .await?;
    let caller = OrgContext {
        user_id: resolved.user_id,
        org_id: resolved.org_id,
        role: resolved.role,
        request_id: "eval".to_owned(),
    };
    CompanyProfileService::new(Arc::new(store.company_profiles()))
        .put(
            &caller,
            fixtures.company_profile.clone(),
            &Precondition::None,
        )
        .await
        .context("storing the fixture company profile")?;
    let products = EditableService::<Product>::new(Arc::new(store.products()));
    let clients = EditableService::<Client>::new(Arc::new(store.clients()));

    let mut report = EvalReport::default();
    for case in &fixtures.cases {
        let product = products
            .create(&caller, case.product.clone())
            .await
            .with_context(|| format!("storing the product of {}", case.name))?;
        let client = clients
            .create(&caller, case.client.clone())
            .await
            .with_context(|| format!("storing the client of {}", case.name))?;
        let expected = Expected {
            client_company: client.fields.company.clone(),
            product: Some(product.fields.name.clone()),
            length,
        };
        let script = GenerateScript {
            client_id: Some(client.id),
            product_id: Some(product.id),
            script_type: Some("cold_call".to_owned()),
            length: Some(length),
            ..GenerateScript::default()
        };
        let results = match generate(&ai, &caller, script.validate()).await {
            Ok(GeneratedDocument::Script(script)) => check_script(&script, &expected),
            Ok(GeneratedDocument::Email(_)) => failed_generation("an email instead of a script"),
            Err(error) => failed_generation(error.code()),
        };
        report.add(case.name.clone(), "script", results);
        let email = GenerateEmail {
            client_id: Some(client.id),
            product_id: Some(product.id),
            email_type: Some("cold_outreach".to_owned()),
            length: Some(length),
            ..GenerateEmail::default()
        };
        let results = match generate(&ai, &caller, email.validate()).await {
            Ok(GeneratedDocument::Email(email)) => check_email(&email, &expected),
            Ok(GeneratedDocument::Script(_)) => failed_generation("a script instead of an email"),
            Err(error) => failed_generation(error.code()),
        };
        report.add(case.name.clone(), "email", results);
    }
    ai.shutdown().await;
    if let Err(error) = store.close().await {
        tracing::warn!(error = %error, "closing the evaluation database");
    }
    let primary = config.llm_primary();
    let model = primary.model;
    Ok(report.to_markdown(&format!(
        "Evaluation: {} {model}, {} documents, length {}",
        primary.provider.as_str(),
        fixtures.cases.len() * 2,
        length.as_str()
    )))
}

async fn generate(
    ai: &AiServices,
    caller: &OrgContext,
    brief: AppResult<hellosales_app::generation::Brief>,
) -> AppResult<GeneratedDocument> {
    let mut documents = ai
        .generation()
        .generate(caller, brief?, CancellationToken::new(), None)
        .await?;
    documents
        .pop()
        .ok_or_else(|| hellosales_domain::AppError::internal("the generation made no document"))
}
