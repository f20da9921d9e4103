//! The stages of the `script_generation` and `email_generation` pipelines:
//!
//! * `input_guard`: reads the organization's policy and checks the free-text instructions
//!   (cancels the run when they are blocked);
//! * `company_enrich` ∥ `product_enrich` ∥ `client_enrich`: the facts (a subject not asked for
//!   skips its stage);
//! * `llm`: writes the document as JSON (JSON mode and the response schema), streaming it;
//! * `validate`: reads the JSON into a draft; an unreadable answer gets one repair request to
//!   the model, then fails the run with `GENERATION_INVALID_OUTPUT`;
//! * `output_guard`: the organization's blocked terms and leaks of the instructions fail the
//!   run (`GUARD_BLOCKED`); personal data is expected in sales documents and passes;
//! * `persist`: stores the draft as version 1 of a new document, or as the next version of the
//!   base.

use super::prompts::{
    EmailBrief, Facts, ScriptBrief, email_messages, repair_message, script_messages,
};
use super::request::{Brief, DocumentType};
use super::structured::{
    EmailDraft, ScriptDraft, email_schema, parse_email, parse_script, script_schema,
};
use crate::chat::stages::{SharedAppError, run_scope, stage_error};
use crate::services::content::VersionedService;
use crate::streamed::{RESPONSE, stream_answer};
use hellosales_domain::content::{
    Client, CompanyProfile, EmailFields, EmailInput, Generation, Precondition, Product, SalesEmail,
    SalesScript, ScriptFields, ScriptInput,
};
use hellosales_domain::ports::{
    AiService, CallContext, ChatMessage, ChatRequest, CompanyProfileStore, EditableStore,
    GuardCategory, GuardPolicy, GuardService, GuardVerdict, IdentityRepository,
};
use hellosales_domain::{AppError, OrgContext, Role};
use hellosales_providers::LlmRoutes;
use serde_json::{Value, json};
use stageflow::{StageContext, StageError, StageOutput, async_trait, codes};
use std::sync::Arc;

/// The stage that checks the instructions.
pub const INPUT_GUARD: &str = "input_guard";
/// The stage that reads the company profile.
pub const COMPANY_ENRICH: &str = "company_enrich";
/// The stage that reads the product.
pub const PRODUCT_ENRICH: &str = "product_enrich";
/// The stage that reads the client.
pub const CLIENT_ENRICH: &str = "client_enrich";
/// The stage that writes the document.
pub const LLM: &str = "llm";
/// The stage that reads the answer into a draft.
pub const VALIDATE: &str = "validate";
/// The stage that checks the draft.
pub const OUTPUT_GUARD: &str = "output_guard";
/// The stage that stores the draft.
pub const PERSIST: &str = "persist";

/// Snapshot metadata: the [`Brief`].
pub const BRIEF: &str = "brief";
/// Snapshot metadata: the fields of the version being refined.
pub const BASE: &str = "base";
/// Snapshot metadata: which variant of the request this run writes (0, 1, 2).
pub const VARIANT: &str = "variant";
/// Run config: the model to ask.
pub const MODEL: &str = "model";

/// The error code of an answer that could not be read as the document.
pub const GENERATION_INVALID_OUTPUT: &str = "GENERATION_INVALID_OUTPUT";

fn brief(ctx: &StageContext) -> Result<Brief, StageError> {
    let value = ctx
        .snapshot()
        .metadata
        .get(BRIEF)
        .ok_or_else(|| StageError::new(codes::INPUT_MISSING, "the run has no brief"))?;
    serde_json::from_value(value.clone())
        .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))
}

fn to_value(value: &impl serde::Serialize) -> Result<Value, StageError> {
    serde_json::to_value(value)
        .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))
}

/// The call context of a run's provider calls.
fn call_context(ctx: &StageContext, document: DocumentType) -> Result<CallContext, StageError> {
    let (org, user, session) = run_scope(ctx)?;
    let service = match document {
        DocumentType::Script(_) => AiService::Script,
        DocumentType::Email(_) => AiService::Email,
    };
    let snapshot = ctx.snapshot();
    let mut call = CallContext::new(service)
        .for_tenant(org, user)
        .with_pipeline_run(snapshot.pipeline_run_id)
        .with_session(session.as_uuid(), snapshot.interaction_id);
    if let Some(request_id) = &snapshot.request_id {
        call = call.with_request_id(request_id.clone());
    }
    Ok(call)
}

/// Checks the instructions and passes the organization's policy on.
pub struct InstructionsGuardStage {
    guard: Arc<dyn GuardService>,
    identities: Arc<dyn IdentityRepository>,
}

impl InstructionsGuardStage {
    /// A stage checking with `guard` the policies of the organizations in `identities`.
    #[must_use]
    pub fn new(guard: Arc<dyn GuardService>, identities: Arc<dyn IdentityRepository>) -> Self {
        Self { guard, identities }
    }
}

#[async_trait]
impl stageflow::Stage for InstructionsGuardStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, _) = run_scope(ctx)?;
        let brief = brief(ctx)?;
        let organization = self
            .identities
            .organization(org)
            .await
            .map_err(stage_error)?;
        let policy = GuardPolicy::from_settings(&organization.settings);
        let policy_data = to_value(&policy)?;
        let Some(instructions) = brief.instructions.as_deref() else {
            return Ok(StageOutput::ok().with("policy", policy_data));
        };
        match self
            .guard
            .check_input(&policy, instructions)
            .await
            .map_err(stage_error)?
        {
            GuardVerdict::Blocked { reason, category } => {
                ctx.emit_event(
                    "guard.input.blocked",
                    json!({ "reason": reason, "category": category.as_str() }),
                );
                Ok(StageOutput::cancel(format!("Input blocked: {reason}"))
                    .with("blocked", true)
                    .with("reason", reason)
                    .with("category", category.as_str()))
            }
            GuardVerdict::Redacted { text, .. } => Ok(StageOutput::ok()
                .with("policy", policy_data)
                .with("instructions", text)),
            GuardVerdict::Allowed => Ok(StageOutput::ok()
                .with("policy", policy_data)
                .with("instructions", instructions)),
        }
    }
}

/// Adds the organization's company profile.
pub struct CompanyEnrichStage {
    profiles: Arc<dyn CompanyProfileStore>,
}

impl CompanyEnrichStage {
    /// A stage reading `profiles`.
    #[must_use]
    pub fn new(profiles: Arc<dyn CompanyProfileStore>) -> Self {
        Self { profiles }
    }
}

#[async_trait]
impl stageflow::Stage for CompanyEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, _) = run_scope(ctx)?;
        let company = self.profiles.get(org).await.map_err(stage_error)?;
        Ok(StageOutput::ok().with("company", to_value(&company)?))
    }
}

/// Adds the product, when the brief names one.
pub struct ProductEnrichStage {
    products: Arc<dyn EditableStore<Product>>,
}

impl ProductEnrichStage {
    /// A stage reading `products`.
    #[must_use]
    pub fn new(products: Arc<dyn EditableStore<Product>>) -> Self {
        Self { products }
    }
}

#[async_trait]
impl stageflow::Stage for ProductEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, _) = run_scope(ctx)?;
        let Some(id) = brief(ctx)?.product_id else {
            return Ok(StageOutput::skip("No product in the brief"));
        };
        let product = self.products.get(org, id).await.map_err(stage_error)?;
        Ok(StageOutput::ok().with("product", to_value(&product)?))
    }
}

/// Adds the client, when the brief names one.
pub struct ClientEnrichStage {
    clients: Arc<dyn EditableStore<Client>>,
}

impl ClientEnrichStage {
    /// A stage reading `clients`.
    #[must_use]
    pub fn new(clients: Arc<dyn EditableStore<Client>>) -> Self {
        Self { clients }
    }
}

#[async_trait]
impl stageflow::Stage for ClientEnrichStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, _, _) = run_scope(ctx)?;
        let Some(id) = brief(ctx)?.client_id else {
            return Ok(StageOutput::skip("No client in the brief"));
        };
        let client = self.clients.get(org, id).await.map_err(stage_error)?;
        Ok(StageOutput::ok().with("client", to_value(&client)?))
    }
}

/// Writes the document, streaming it.
pub struct GenerateStage {
    llm: LlmRoutes,
}

impl GenerateStage {
    /// A stage asking `llm`.
    #[must_use]
    pub fn new(llm: LlmRoutes) -> Self {
        Self { llm }
    }
}

/// The prompt of a run: its messages and the schema of the answer.
fn prompt(ctx: &StageContext, brief: &Brief) -> Result<(Vec<ChatMessage>, Value), StageError> {
    let inputs = ctx.inputs();
    let company: Option<CompanyProfile> = inputs
        .get_from_opt::<Option<CompanyProfile>>(COMPANY_ENRICH, "company")?
        .flatten();
    let product: Option<Product> = inputs.get_from_opt(PRODUCT_ENRICH, "product")?;
    let client: Option<Client> = inputs.get_from_opt(CLIENT_ENRICH, "client")?;
    let instructions: Option<String> = inputs.get_from_opt(INPUT_GUARD, "instructions")?;
    let facts = Facts {
        company: company.as_ref(),
        product: product.as_ref(),
        client: client.as_ref(),
    };
    let base = ctx
        .snapshot()
        .metadata
        .get(BASE)
        .filter(|value| !value.is_null());
    Ok(match brief.document {
        DocumentType::Script(script_type) => {
            let base: Option<ScriptFields> = base
                .map(|value| serde_json::from_value(value.clone()))
                .transpose()
                .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))?;
            let messages = script_messages(
                &facts,
                &ScriptBrief {
                    script_type,
                    tone: brief.tone.as_deref(),
                    length: brief.length,
                    instructions: instructions.as_deref(),
                    language: brief.language.as_deref(),
                    base: base.as_ref(),
                },
            );
            (messages, script_schema())
        }
        DocumentType::Email(email_type) => {
            let base: Option<EmailFields> = base
                .map(|value| serde_json::from_value(value.clone()))
                .transpose()
                .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))?;
            let messages = email_messages(
                &facts,
                &EmailBrief {
                    email_type,
                    tone: brief.tone.as_deref(),
                    length: brief.length,
                    call_to_action: brief.call_to_action.as_deref(),
                    instructions: instructions.as_deref(),
                    language: brief.language.as_deref(),
                    base: base.as_ref(),
                },
            );
            (messages, email_schema())
        }
    })
}

#[async_trait]
impl stageflow::Stage for GenerateStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let brief = brief(ctx)?;
        let (messages, schema) = prompt(ctx, &brief)?;
        let model: String = ctx.config_value(MODEL)?.unwrap_or_default();
        let mut request = ChatRequest::new(model, messages.clone());
        request.json_mode = true;
        request.response_schema = Some(schema);
        let variant = ctx
            .snapshot()
            .metadata
            .get(VARIANT)
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let call = call_context(ctx, brief.document)?;
        let mut tag = serde_json::Map::new();
        tag.insert(VARIANT.to_owned(), Value::from(variant));
        let Some(answer) = stream_answer(ctx, &self.llm, &call, request, &tag).await? else {
            return Ok(StageOutput::cancel("cancelled"));
        };
        let prompt_text = messages
            .iter()
            .map(|m| m.content.as_str())
            .collect::<Vec<_>>()
            .join("\n\n");
        Ok(answer
            .into_output(&self.llm.primary().model)
            .with("messages", to_value(&messages)?)
            .with("prompt", prompt_text))
    }
}

/// Reads the answer into a draft, with one repair request when it cannot.
pub struct ValidateStage {
    llm: LlmRoutes,
}

impl ValidateStage {
    /// A stage asking `llm` for repairs.
    #[must_use]
    pub fn new(llm: LlmRoutes) -> Self {
        Self { llm }
    }
}

/// A draft of either kind, as stage data.
fn parse(document: DocumentType, text: &str) -> Result<Value, String> {
    match document {
        DocumentType::Script(_) => parse_script(text)
            .map_err(|invalid| invalid.problem)
            .and_then(|draft: ScriptDraft| serde_json::to_value(draft).map_err(|e| e.to_string())),
        DocumentType::Email(_) => parse_email(text)
            .map_err(|invalid| invalid.problem)
            .and_then(|draft: EmailDraft| serde_json::to_value(draft).map_err(|e| e.to_string())),
    }
}

#[async_trait]
impl stageflow::Stage for ValidateStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let brief = brief(ctx)?;
        let output: String = ctx.inputs().get_from(LLM, RESPONSE)?;
        let problem = match parse(brief.document, &output) {
            Ok(draft) => {
                return Ok(StageOutput::ok()
                    .with("draft", draft)
                    .with("repaired", false));
            }
            Err(problem) => problem,
        };
        ctx.emit_event("generation.repair.requested", json!({ "problem": problem }));
        let mut messages: Vec<ChatMessage> = ctx.inputs().get_from(LLM, "messages")?;
        messages.push(ChatMessage::assistant(output.clone()));
        messages.push(repair_message(&output, &problem));
        let model: String = ctx.config_value(MODEL)?.unwrap_or_default();
        let mut request = ChatRequest::new(model, messages);
        request.json_mode = true;
        request.response_schema = Some(match brief.document {
            DocumentType::Script(_) => script_schema(),
            DocumentType::Email(_) => email_schema(),
        });
        let call = call_context(ctx, brief.document)?;
        let repaired = self
            .llm
            .complete(&call, request)
            .await
            .map_err(stage_error)?;
        match parse(brief.document, &repaired.content) {
            Ok(draft) => Ok(StageOutput::ok()
                .with("draft", draft)
                .with("repaired", true)
                .with("repair_call_id", repaired.call_id.to_string())),
            Err(problem) => {
                let error = AppError::GenerationInvalidOutput {
                    message: format!(
                        "the model's answer is not a valid document, even after a repair \
                         request: {problem}"
                    ),
                    pipeline_run_id: Some(ctx.snapshot().pipeline_run_id.to_string()),
                };
                Err(
                    StageError::new(GENERATION_INVALID_OUTPUT, error.to_string())
                        .with_retryable(true)
                        .with_source(SharedAppError(Arc::new(error))),
                )
            }
        }
    }
}

/// Refuses a document with the organization's blocked terms or the writer's instructions.
pub struct DocumentGuardStage {
    guard: Arc<dyn GuardService>,
}

impl DocumentGuardStage {
    /// A stage checking with `guard`.
    #[must_use]
    pub fn new(guard: Arc<dyn GuardService>) -> Self {
        Self { guard }
    }
}

/// Every text of a draft, one per line.
fn draft_text(draft: &Value) -> String {
    let mut parts = Vec::new();
    collect_strings(draft, &mut parts);
    parts.join("\n")
}

fn collect_strings<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::String(text) => out.push(text),
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, out)),
        Value::Object(map) => map.iter().for_each(|(key, item)| {
            out.push(key);
            collect_strings(item, out);
        }),
        _ => {}
    }
}

#[async_trait]
impl stageflow::Stage for DocumentGuardStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let draft: Value = ctx.inputs().get_from(VALIDATE, "draft")?;
        let policy: GuardPolicy = ctx
            .inputs()
            .get_from_opt(INPUT_GUARD, "policy")?
            .unwrap_or_default();
        let messages: Vec<ChatMessage> = ctx.inputs().get_from(LLM, "messages")?;
        let instructions = messages
            .first()
            .map(|m| m.content.clone())
            .unwrap_or_default();
        let verdict = self
            .guard
            .check_output(&policy, &draft_text(&draft), &instructions)
            .await
            .map_err(stage_error)?;
        match verdict {
            // Contact details belong in sales documents.
            GuardVerdict::Blocked {
                category: GuardCategory::Pii,
                ..
            }
            | GuardVerdict::Redacted { .. }
            | GuardVerdict::Allowed => Ok(StageOutput::ok().with("draft", draft)),
            GuardVerdict::Blocked { reason, category } => {
                ctx.emit_event(
                    "guard.output.filtered",
                    json!({ "reason": reason, "category": category.as_str() }),
                );
                let error = AppError::GuardBlocked {
                    reason,
                    category: Some(category.as_str().to_owned()),
                };
                Err(StageError::new(error.code(), error.to_string())
                    .with_source(SharedAppError(Arc::new(error))))
            }
        }
    }
}

/// Stores the draft.
pub struct PersistDocumentStage {
    scripts: VersionedService<SalesScript>,
    emails: VersionedService<SalesEmail>,
}

impl PersistDocumentStage {
    /// A stage writing through `scripts` and `emails`.
    #[must_use]
    pub fn new(
        scripts: VersionedService<SalesScript>,
        emails: VersionedService<SalesEmail>,
    ) -> Self {
        Self { scripts, emails }
    }
}

/// A name for a document the request did not name.
fn default_name(kind: &str, client: Option<&Client>, product: Option<&Product>) -> String {
    let subject = match (client, product) {
        (Some(client), Some(product)) => {
            format!("{} – {}", client_label(client), product.fields.name)
        }
        (Some(client), None) => client_label(client),
        (None, Some(product)) => product.fields.name.clone(),
        (None, None) => "refined".to_owned(),
    };
    let name = format!("{kind}: {subject}");
    name.chars().take(200).collect()
}

fn client_label(client: &Client) -> String {
    client.fields.company.as_deref().map_or_else(
        || client.fields.name.clone(),
        |company| format!("{} ({company})", client.fields.name),
    )
}

#[async_trait]
impl stageflow::Stage for PersistDocumentStage {
    async fn execute(&self, ctx: &StageContext) -> Result<StageOutput, StageError> {
        let (org, user, session) = run_scope(ctx)?;
        let brief = brief(ctx)?;
        let draft: Value = ctx.inputs().get_from(OUTPUT_GUARD, "draft")?;
        let prompt: String = ctx.inputs().get_from(LLM, "prompt")?;
        let model: String = ctx.inputs().get_from(LLM, "model")?;
        let product: Option<Product> = ctx.inputs().get_from_opt(PRODUCT_ENRICH, "product")?;
        let client: Option<Client> = ctx.inputs().get_from_opt(CLIENT_ENRICH, "client")?;
        let caller = OrgContext {
            user_id: user,
            org_id: org,
            role: Role::Member,
            request_id: ctx.snapshot().request_id.clone().unwrap_or_default(),
        };
        let generation = Generation {
            generated_by_session_id: Some(session.as_uuid()),
            generation_prompt: Some(prompt),
            model_id: Some(model),
        };
        let none = Precondition::default();
        let record = match brief.document {
            DocumentType::Script(script_type) => {
                let draft: ScriptDraft = serde_json::from_value(draft)
                    .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))?;
                let input = ScriptInput {
                    product_id: Some(brief.product_id),
                    client_id: Some(brief.client_id),
                    name: Some(brief.name.clone().unwrap_or_else(|| {
                        default_name(script_type.as_str(), client.as_ref(), product.as_ref())
                    })),
                    script_type: Some(script_type.as_str().to_owned()),
                    content: Some(draft.content),
                    key_talking_points: Some(Some(draft.key_talking_points)),
                    objection_handlers: Some(Some(draft.objection_handlers)),
                    discovery_questions: Some(Some(draft.discovery_questions)),
                    closing_techniques: Some(Some(draft.closing_techniques)),
                    ..ScriptInput::default()
                };
                let script = match brief.base_id {
                    Some(base) => {
                        self.scripts
                            .edit(&caller, base.into(), input, &generation, &none)
                            .await
                    }
                    None => self.scripts.create(&caller, input, &generation).await,
                }
                .map_err(stage_error)?;
                to_value(&script)?
            }
            DocumentType::Email(email_type) => {
                let draft: EmailDraft = serde_json::from_value(draft)
                    .map_err(|error| StageError::new(codes::INPUT_INVALID, error.to_string()))?;
                let input = EmailInput {
                    product_id: Some(brief.product_id),
                    client_id: Some(brief.client_id),
                    name: Some(brief.name.clone().unwrap_or_else(|| {
                        default_name(email_type.as_str(), client.as_ref(), product.as_ref())
                    })),
                    email_type: Some(email_type.as_str().to_owned()),
                    subject: Some(draft.subject),
                    body: Some(draft.body),
                    call_to_action: Some(draft.call_to_action),
                    personalization_fields: Some(Some(draft.personalization_fields)),
                    ..EmailInput::default()
                };
                let email = match brief.base_id {
                    Some(base) => {
                        self.emails
                            .edit(&caller, base.into(), input, &generation, &none)
                            .await
                    }
                    None => self.emails.create(&caller, input, &generation).await,
                }
                .map_err(stage_error)?;
                to_value(&email)?
            }
        };
        Ok(StageOutput::ok().with("record", record))
    }
}

stage_debug!(
    InstructionsGuardStage,
    CompanyEnrichStage,
    ProductEnrichStage,
    ClientEnrichStage,
    GenerateStage,
    ValidateStage,
    DocumentGuardStage,
    PersistDocumentStage,
);
