//! [`GenerationService`]: writes sales scripts and emails with the LLM.
//!
//! 1. Checks the request against the organization: the base version (it must be the latest of
//!    its document: a version has one next version), the client and the product (another
//!    organization's answers 404 before any AI work).
//! 2. Opens a session (`script_generation` / `email_generation`) and stores the request as its
//!    user message.
//! 3. Runs the pipeline once per variant, each a `pipeline_runs` row (service `script` or
//!    `email`), streaming the JSON as it is written ([`GenerationUpdate::Token`]) and then the
//!    stored record ([`GenerationUpdate::Complete`]); each record is also stored as the
//!    session's assistant message. A variant that fails ends the request with its error; the
//!    variants before it stay stored (and were streamed).

use super::pipeline::{EMAIL_PIPELINE, SCRIPT_PIPELINE};
use super::prompts::{EMAIL_PROMPT_VERSION, SCRIPT_PROMPT_VERSION};
use super::request::{Brief, DocumentType};
use super::stages::{BASE, BRIEF, INPUT_GUARD, LLM, MODEL, PERSIST, VARIANT};
use crate::chat::stages::failure_error;
use crate::dead_letters::{DeadLetterRecorder, ReplayInput, ReplayOrigin};
use crate::observability::RunLogger;
use crate::services::content::VersionedService;
use crate::streamed::{forward_deltas, run_totals};
use hellosales_domain::content::{Client, Product, SalesEmail, SalesScript};
use hellosales_domain::error::Resource;
use hellosales_domain::ports::{EditableStore, SessionStore};
use hellosales_domain::sessions::{InteractionRole, NewInteraction, NewSession, SessionType};
use hellosales_domain::{AppError, AppResult, OrgContext, SessionId};
use serde::Serialize;
use serde_json::{Value, json};
use stageflow::events::EventSink;
use stageflow::{
    ContextSnapshot, Pipeline, PipelineError, PipelineResults, RunOptions, stream_channel,
};
use std::fmt;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// A stored document of either kind.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum GeneratedDocument {
    /// A sales script.
    Script(SalesScript),
    /// A sales email.
    Email(SalesEmail),
}

/// One step of a generation.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum GenerationUpdate {
    /// A piece of the document's JSON, as the model writes it.
    Token(GenerationToken),
    /// A variant is stored.
    Complete(Box<GenerationComplete>),
}

impl GenerationUpdate {
    /// The frame or event type: `generate.token` or `generate.complete`.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Token(_) => "generate.token",
            Self::Complete(_) => "generate.complete",
        }
    }
}

/// `generate.token`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GenerationToken {
    /// Which variant (0, 1, 2).
    pub variant: u8,
    /// 0, 1, 2, … in order within the variant.
    pub index: u64,
    /// The text to append.
    pub delta: String,
}

/// `generate.complete`.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct GenerationComplete {
    /// Which variant (0, 1, 2).
    pub variant: u8,
    /// The run that wrote it.
    pub pipeline_run_id: Uuid,
    /// The stored record.
    pub record: GeneratedDocument,
}

/// A request checked against the organization, ready to run.
#[derive(Clone, Debug)]
pub struct Prepared {
    brief: Brief,
    base: Value,
}

/// What [`GenerationService::new`] wires together.
#[derive(Clone)]
pub struct GenerationServiceParts {
    /// The script pipeline.
    pub scripts_pipeline: Pipeline,
    /// The email pipeline.
    pub emails_pipeline: Pipeline,
    /// Sessions.
    pub sessions: Arc<dyn SessionStore>,
    /// Products (reference checks).
    pub products: Arc<dyn EditableStore<Product>>,
    /// Clients (reference checks).
    pub clients: Arc<dyn EditableStore<Client>>,
    /// Scripts (bases).
    pub scripts: VersionedService<SalesScript>,
    /// Emails (bases).
    pub emails: VersionedService<SalesEmail>,
    /// The run recorder.
    pub runs: RunLogger,
    /// Where run events go.
    pub events: Arc<dyn EventSink>,
    /// The model to ask (empty: the provider's configured one).
    pub model: String,
    /// Where failed runs are kept for replay (`None`: nowhere).
    pub dead_letters: Option<DeadLetterRecorder>,
}

impl fmt::Debug for GenerationServiceParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationServiceParts")
            .finish_non_exhaustive()
    }
}

/// Writes scripts and emails. Cheap to clone.
#[derive(Clone)]
pub struct GenerationService {
    inner: Arc<GenerationServiceParts>,
}

impl fmt::Debug for GenerationService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GenerationService").finish_non_exhaustive()
    }
}

/// Room for tokens not yet sent to the client.
const STREAM_CAPACITY: usize = 64;

impl GenerationService {
    /// A service over `parts`.
    #[must_use]
    pub fn new(parts: GenerationServiceParts) -> Self {
        Self {
            inner: Arc::new(parts),
        }
    }

    /// Generates the documents `brief` asks for, sending progress to `updates` when given.
    ///
    /// # Errors
    /// `SCRIPT_NOT_FOUND` / `EMAIL_NOT_FOUND` (the base), `CLIENT_NOT_FOUND`,
    /// `PRODUCT_NOT_FOUND`, `INVALID_STATE` (a base that already has a next version),
    /// `GUARD_BLOCKED` (the instructions or the document), `GENERATION_INVALID_OUTPUT`, the
    /// provider's errors, `PIPELINE_CANCELLED`.
    pub async fn generate(
        &self,
        caller: &OrgContext,
        brief: Brief,
        cancel: CancellationToken,
        updates: Option<mpsc::Sender<GenerationUpdate>>,
    ) -> AppResult<Vec<GeneratedDocument>> {
        let prepared = self.prepare(caller, brief).await?;
        self.run(caller, prepared, cancel, updates).await
    }

    /// Checks `brief` against the organization (the base, the client, the product), before any
    /// AI work: what [`run`](Self::run) then writes from. A transport that streams calls it
    /// first, so that these errors are answered as plain responses.
    ///
    /// # Errors
    /// As [`generate`](Self::generate), for the checks.
    pub async fn prepare(&self, caller: &OrgContext, mut brief: Brief) -> AppResult<Prepared> {
        let base = self.resolve_base(caller, &mut brief).await?;
        self.check_subjects(caller, &brief).await?;
        Ok(Prepared { brief, base })
    }

    /// Writes the documents of a prepared request.
    ///
    /// # Errors
    /// As [`generate`](Self::generate), for the writing.
    pub async fn run(
        &self,
        caller: &OrgContext,
        prepared: Prepared,
        cancel: CancellationToken,
        updates: Option<mpsc::Sender<GenerationUpdate>>,
    ) -> AppResult<Vec<GeneratedDocument>> {
        let written = self.write(caller, prepared, cancel, updates, None).await?;
        Ok(written.into_iter().map(|(_, document)| document).collect())
    }

    /// Generates what `brief` asks for again, for a dead-letter replay: checked against the
    /// organization afresh, written as `caller`, each run's metadata naming `origin`. Returns
    /// the runs that wrote the documents.
    ///
    /// # Errors
    /// As [`generate`](Self::generate); a failed run writes no new dead-letter entry.
    pub async fn replay(
        &self,
        caller: &OrgContext,
        brief: Brief,
        origin: &ReplayOrigin,
    ) -> AppResult<Vec<Uuid>> {
        let prepared = self.prepare(caller, brief).await?;
        let written = self
            .write(
                caller,
                prepared,
                CancellationToken::new(),
                None,
                Some(origin),
            )
            .await?;
        Ok(written.into_iter().map(|(run, _)| run).collect())
    }

    /// Writes the documents of a prepared request, with the run that wrote each. A failed run
    /// that is not a replay (`origin` is `None`) is written to the dead-letter queue with the
    /// variants it and the later ones were to write.
    async fn write(
        &self,
        caller: &OrgContext,
        prepared: Prepared,
        cancel: CancellationToken,
        updates: Option<mpsc::Sender<GenerationUpdate>>,
        origin: Option<&ReplayOrigin>,
    ) -> AppResult<Vec<(Uuid, GeneratedDocument)>> {
        let Prepared { brief, base } = prepared;
        let (session_type, pipeline, pipeline_name, service, prompt_version) = match brief.document
        {
            DocumentType::Script(_) => (
                SessionType::ScriptGeneration,
                &self.inner.scripts_pipeline,
                SCRIPT_PIPELINE,
                "script",
                SCRIPT_PROMPT_VERSION,
            ),
            DocumentType::Email(_) => (
                SessionType::EmailGeneration,
                &self.inner.emails_pipeline,
                EMAIL_PIPELINE,
                "email",
                EMAIL_PROMPT_VERSION,
            ),
        };
        let brief_data = serde_json::to_value(&brief).map_err(AppError::internal)?;
        let session = self
            .inner
            .sessions
            .create(
                caller.org_id,
                caller.user_id,
                &NewSession::new(Some(session_type), Some(json!({ "brief": brief_data })))?,
            )
            .await?;
        let request = self
            .inner
            .sessions
            .append(
                caller.org_id,
                caller.user_id,
                session.id,
                &NewInteraction::text(InteractionRole::User, describe(&brief))
                    .with_metadata(json!({ "brief": brief_data })),
            )
            .await?;

        let mut documents = Vec::with_capacity(usize::from(brief.variants));
        for variant in 0..brief.variants {
            let snapshot = ContextSnapshot::new()
                .with_request_id(caller.request_id.clone())
                .with_session_id(session.id.as_uuid())
                .with_user_id(caller.user_id.as_uuid())
                .with_org_id(caller.org_id.as_uuid())
                .with_interaction_id(request.id.as_uuid())
                .with_topology(pipeline_name)
                .with_execution_mode("default")
                .with_service(service)
                .with_input_text(brief.instructions.clone().unwrap_or_default())
                .with_metadata(BRIEF, brief_data.clone())
                .with_metadata(BASE, base.clone())
                .with_metadata(VARIANT, variant);
            let run_id = snapshot.pipeline_run_id;
            let mut metadata = json!({ "prompt_version": prompt_version, "variant": variant });
            ReplayOrigin::annotate(origin, &mut metadata);
            if let Err(error) = self
                .inner
                .runs
                .start(&snapshot, pipeline_name, service, metadata)
                .await
            {
                tracing::warn!(error = %error, code = error.code(), "the generation run was not recorded");
            }
            let (stream_tx, stream_rx) = stream_channel(STREAM_CAPACITY);
            let options = RunOptions::new()
                .sink(Arc::clone(&self.inner.events))
                .cancellation(cancel.clone())
                .stream(stream_tx)
                .config_value(MODEL, self.inner.model.clone());
            let started = Instant::now();
            let (result, first_token) = tokio::join!(
                pipeline.run(snapshot.clone(), options),
                forward_deltas(
                    stream_rx,
                    updates.as_ref(),
                    &cancel,
                    started,
                    |delta, index, _| {
                        GenerationUpdate::Token(GenerationToken {
                            variant,
                            index,
                            delta,
                        })
                    }
                ),
            );
            self.inner
                .runs
                .finish(&snapshot, &result, run_totals(&result, LLM, first_token))
                .await;
            let results = match result {
                Ok(results) => results,
                Err(error) => {
                    let client = generation_error(&error, run_id);
                    if let (None, Some(recorder)) = (origin, &self.inner.dead_letters) {
                        let rest = Brief {
                            variants: brief.variants - variant,
                            ..brief.clone()
                        };
                        let input = match rest.document {
                            DocumentType::Script(_) => ReplayInput::Script { brief: rest },
                            DocumentType::Email(_) => ReplayInput::Email { brief: rest },
                        };
                        recorder
                            .record_failure(&snapshot, &error, &client, &input)
                            .await;
                    }
                    return Err(client);
                }
            };
            let document = stored_document(&results, brief.document)?;
            self.record_answer(caller, session.id, &document, run_id)
                .await;
            if let Some(updates) = &updates {
                let complete = GenerationUpdate::Complete(Box::new(GenerationComplete {
                    variant,
                    pipeline_run_id: run_id,
                    record: document.clone(),
                }));
                // The client may have left; the document is stored either way.
                let _ = updates.send(complete).await;
            }
            documents.push((run_id, document));
        }
        Ok(documents)
    }

    /// The base version's fields (as stage data), after checking it is the organization's and
    /// the latest of its document; fills the brief's client and product from it when the
    /// request named neither.
    async fn resolve_base(&self, caller: &OrgContext, brief: &mut Brief) -> AppResult<Value> {
        let Some(base) = brief.base_id else {
            return Ok(Value::Null);
        };
        let (fields, latest, client, product) = match brief.document {
            DocumentType::Script(_) => {
                let lineage = self.inner.scripts.versions(caller, base.into()).await?;
                let current = lineage
                    .iter()
                    .find(|v| v.id.0 == base)
                    .ok_or_else(|| AppError::not_found(Resource::Script, base))?;
                (
                    serde_json::to_value(&current.fields).map_err(AppError::internal)?,
                    lineage.last().map(|v| v.id.0),
                    current.fields.client_id,
                    current.fields.product_id,
                )
            }
            DocumentType::Email(_) => {
                let lineage = self.inner.emails.versions(caller, base.into()).await?;
                let current = lineage
                    .iter()
                    .find(|v| v.id.0 == base)
                    .ok_or_else(|| AppError::not_found(Resource::Email, base))?;
                (
                    serde_json::to_value(&current.fields).map_err(AppError::internal)?,
                    lineage.last().map(|v| v.id.0),
                    current.fields.client_id,
                    current.fields.product_id,
                )
            }
        };
        if latest != Some(base) {
            return Err(AppError::InvalidState {
                message: "this version already has a next version; refine the latest one"
                    .to_owned(),
            });
        }
        if brief.client_id.is_none() && brief.product_id.is_none() {
            brief.client_id = client;
            brief.product_id = product;
        }
        Ok(fields)
    }

    /// Another organization's client or product answers 404, before any AI work.
    async fn check_subjects(&self, caller: &OrgContext, brief: &Brief) -> AppResult<()> {
        if let Some(client) = brief.client_id
            && !self.inner.clients.exists(caller.org_id, client).await?
        {
            return Err(AppError::not_found(Resource::Client, client));
        }
        if let Some(product) = brief.product_id
            && !self.inner.products.exists(caller.org_id, product).await?
        {
            return Err(AppError::not_found(Resource::Product, product));
        }
        Ok(())
    }

    /// Stores the document as the session's assistant message (best effort: the document
    /// itself is stored already).
    async fn record_answer(
        &self,
        caller: &OrgContext,
        session: SessionId,
        document: &GeneratedDocument,
        run_id: Uuid,
    ) {
        let (text, id) = match document {
            GeneratedDocument::Script(script) => (script.fields.content.clone(), script.id.0),
            GeneratedDocument::Email(email) => (
                format!("Subject: {}\n\n{}", email.fields.subject, email.fields.body),
                email.id.0,
            ),
        };
        let answer = NewInteraction::text(InteractionRole::Assistant, text).with_metadata(json!({
            "pipeline_run_id": run_id.to_string(),
            "document_id": id.to_string(),
        }));
        if let Err(error) = self
            .inner
            .sessions
            .append(caller.org_id, caller.user_id, session, &answer)
            .await
        {
            tracing::warn!(error = %error, code = error.code(), "the generated document was not added to its session");
        }
    }
}

/// The user message that records a request.
fn describe(brief: &Brief) -> String {
    let what = match brief.document {
        DocumentType::Script(kind) => format!("Write a {} sales script", kind.as_str()),
        DocumentType::Email(kind) => format!("Write a {} sales email", kind.as_str()),
    };
    match &brief.instructions {
        Some(instructions) => format!("{what}. {instructions}"),
        None => format!("{what}."),
    }
}

/// The record the persist stage stored.
fn stored_document(
    results: &PipelineResults,
    document: DocumentType,
) -> AppResult<GeneratedDocument> {
    let record: Value = results
        .get(PERSIST)
        .and_then(|stage| stage.get::<Value>("record").ok())
        .ok_or_else(|| AppError::internal("the generation finished without a stored record"))?;
    Ok(match document {
        DocumentType::Script(_) => {
            GeneratedDocument::Script(serde_json::from_value(record).map_err(AppError::internal)?)
        }
        DocumentType::Email(_) => {
            GeneratedDocument::Email(serde_json::from_value(record).map_err(AppError::internal)?)
        }
    })
}

/// The client's error for a run that did not finish.
fn generation_error(error: &PipelineError, run_id: Uuid) -> AppError {
    match error {
        PipelineError::Cancelled(cancelled) if cancelled.stage.as_deref() == Some(INPUT_GUARD) => {
            let guard = cancelled.partial_results.get(INPUT_GUARD);
            let text = |key: &str| guard.and_then(|stage| stage.get::<String>(key).ok());
            AppError::GuardBlocked {
                reason: text("reason").unwrap_or_else(|| cancelled.reason.clone()),
                category: text("category"),
            }
        }
        PipelineError::Cancelled(cancelled) => AppError::PipelineCancelled {
            stage: cancelled.stage.clone().unwrap_or_default(),
            reason: cancelled.reason.clone(),
            pipeline_run_id: Some(run_id.to_string()),
        },
        PipelineError::StageFailed { stage, error, .. } => failure_error(stage, error, run_id),
        other => AppError::StageFailed {
            stage: "generation".to_owned(),
            pipeline_run_id: Some(run_id.to_string()),
            message: other.to_string(),
            retryable: false,
        },
    }
}
