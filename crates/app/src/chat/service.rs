//! [`ChatService`]: one chat turn, end to end (specification §4.4).
//!
//! 1. Waits for the session's turn ([`SessionLocks`]): one run at a time per session.
//! 2. A `message_id` already answered in the session replays the stored answer (no second
//!    run); one whose turn ended without an answer (blocked, failed, cancelled) is refused
//!    with `CONFLICT`.
//! 3. Stores the user's message (before any AI work: input is never lost), then sends
//!    [`ChatUpdate::Ack`].
//! 4. Records the run (`pipeline_runs`, status `running`), runs the `chat` pipeline with the
//!    caller's cancellation token and forwards each streamed delta as a [`ChatUpdate::Token`].
//! 5. Records the outcome (stages, TTFT measured at the first token forwarded, tokens, cost,
//!    the LLM call) and ends the turn with `Complete`, `Blocked`, `Cancelled` or the error;
//!    after a completed turn the summary cadence runs in the background.
//!
//! A client that stops reading (its updates channel closed) cancels the run.

use super::locks::SessionLocks;
use super::pipeline::{CHAT_PIPELINE, CHAT_TOPOLOGY};
use super::prompt::CHAT_PROMPT_VERSION;
use super::stages::{
    FILTERED, INPUT_GUARD, INTERACTION_ID, LLM, MAX_TOKENS, MESSAGE_ID, MODEL, OUTPUT_GUARD,
    PERSIST, RESPONSE, TEMPERATURE, USER_SEQUENCE, failure_error,
};
use super::summaries::{CompletedTurn, SummaryService};
use super::updates::{
    ChatAck, ChatBlocked, ChatCancelled, ChatComplete, ChatToken, ChatUpdate, ChatUsage,
};
use crate::dead_letters::{DeadLetterRecorder, ReplayInput, ReplayOrigin};
use crate::observability::{QUALITY_MODE_KEY, RunLogger, RunTotals};
use crate::streamed::{forward_deltas, run_totals};
use hellosales_domain::error::Resource;
use hellosales_domain::ports::SessionStore;
use hellosales_domain::sessions::{
    Interaction, InteractionRole, NewInteraction, NewSession, parse_message_id,
};
use hellosales_domain::{AppError, AppResult, InteractionId, OrgContext, SessionId};
use serde_json::json;
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

/// Which model a run asks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityMode {
    /// The quickest model.
    Fast,
    /// The default.
    #[default]
    Balanced,
    /// The strongest model.
    Quality,
}

impl QualityMode {
    /// Its name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Balanced => "balanced",
            Self::Quality => "quality",
        }
    }
}

/// The chat settings.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatConfig {
    /// The quality mode of every run (`QUALITY_MODE`).
    pub quality_mode: QualityMode,
    /// The model of each quality mode; an empty name asks the provider's configured model.
    pub fast_model: String,
    /// The model of `balanced`.
    pub balanced_model: String,
    /// The model of `quality`.
    pub quality_model: String,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The most tokens of an answer.
    pub max_tokens: Option<u32>,
    /// Room for tokens not yet sent to the client; a client that reads nothing for the
    /// engine's stall timeout fails the run.
    pub stream_capacity: usize,
}

impl Default for ChatConfig {
    fn default() -> Self {
        Self {
            quality_mode: QualityMode::Balanced,
            fast_model: String::new(),
            balanced_model: String::new(),
            quality_model: String::new(),
            temperature: Some(0.7),
            max_tokens: Some(1024),
            stream_capacity: 64,
        }
    }
}

impl ChatConfig {
    /// The model of the configured quality mode.
    #[must_use]
    pub fn model(&self) -> &str {
        match self.quality_mode {
            QualityMode::Fast => &self.fast_model,
            QualityMode::Balanced => &self.balanced_model,
            QualityMode::Quality => &self.quality_model,
        }
    }
}

/// A message sent by a client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatInput {
    /// The session; `None` starts a new chat session.
    pub session_id: Option<SessionId>,
    /// The text.
    pub content: String,
    /// The client's id of the message (deduplication); generated when absent.
    pub message_id: Option<String>,
}

/// Runs chat turns. Cheap to clone.
#[derive(Clone)]
pub struct ChatService {
    inner: Arc<Inner>,
}

struct Inner {
    sessions: Arc<dyn SessionStore>,
    pipeline: Pipeline,
    runs: RunLogger,
    events: Arc<dyn EventSink>,
    summaries: SummaryService,
    locks: SessionLocks,
    config: ChatConfig,
    dead_letters: Option<DeadLetterRecorder>,
}

impl fmt::Debug for ChatService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatService")
            .field("config", &self.inner.config)
            .field("locks", &self.inner.locks)
            .finish_non_exhaustive()
    }
}

/// What [`ChatService::new`] wires together.
#[derive(Clone)]
pub struct ChatServiceParts {
    /// Sessions and interactions.
    pub sessions: Arc<dyn SessionStore>,
    /// The chat pipeline.
    pub pipeline: Pipeline,
    /// The run recorder.
    pub runs: RunLogger,
    /// Where run events go.
    pub events: Arc<dyn EventSink>,
    /// The summary cadence.
    pub summaries: SummaryService,
    /// The settings.
    pub config: ChatConfig,
    /// Where failed runs are kept for replay (`None`: nowhere).
    pub dead_letters: Option<DeadLetterRecorder>,
}

impl fmt::Debug for ChatServiceParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChatServiceParts")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// The parts of a [`ChatService`] that voice turns share.
pub(crate) struct Shared<'a> {
    pub(crate) sessions: &'a Arc<dyn SessionStore>,
    pub(crate) runs: &'a RunLogger,
    pub(crate) events: &'a Arc<dyn EventSink>,
    pub(crate) config: &'a ChatConfig,
    pub(crate) dead_letters: Option<&'a DeadLetterRecorder>,
}

/// A stored user message and whether it was sent before.
enum Received {
    New(Interaction),
    Duplicate(Interaction),
}

impl ChatService {
    /// A service over `parts`.
    #[must_use]
    pub fn new(parts: ChatServiceParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                sessions: parts.sessions,
                pipeline: parts.pipeline,
                runs: parts.runs,
                events: parts.events,
                summaries: parts.summaries,
                locks: SessionLocks::default(),
                config: parts.config,
                dead_letters: parts.dead_letters,
            }),
        }
    }

    /// The summary cadence (to wait for its background work).
    #[must_use]
    pub fn summaries(&self) -> &SummaryService {
        &self.inner.summaries
    }

    /// Waits for `session`'s turn (voice turns share the order of chat turns).
    pub(crate) async fn lock_session(&self, session: SessionId) -> super::SessionTurn {
        self.inner.locks.lock(session).await
    }

    /// What a voice turn shares with chat turns: the sessions, the run recorder, the event
    /// sink, the settings and the dead-letter queue.
    pub(crate) fn shared(&self) -> Shared<'_> {
        let inner = &self.inner;
        Shared {
            sessions: &inner.sessions,
            runs: &inner.runs,
            events: &inner.events,
            config: &inner.config,
            dead_letters: inner.dead_letters.as_ref(),
        }
    }

    /// Starts the summary cadence after a completed turn of `session`.
    pub(crate) fn turn_completed(&self, caller: &OrgContext, session: SessionId) {
        self.inner.summaries.turn_completed(CompletedTurn {
            org: caller.org_id,
            user: caller.user_id,
            session,
            request_id: Some(caller.request_id.clone()),
        });
    }

    /// Runs one turn, sending its updates to `updates`. Returns once the turn ended; the
    /// turn's last update (`Complete`, `Blocked`, `Cancelled`) has then been sent, or the
    /// error is returned.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` (a bad `message_id`), `SESSION_NOT_FOUND`, `INVALID_STATE` (an
    /// ended session), `CONFLICT` (a repeated `message_id` whose turn has no answer), the
    /// provider's error when the model failed, `STAGE_FAILED` for other failed stages.
    pub async fn send(
        &self,
        caller: &OrgContext,
        input: ChatInput,
        cancel: CancellationToken,
        updates: mpsc::Sender<ChatUpdate>,
    ) -> AppResult<()> {
        let inner = &self.inner;
        let message_id =
            parse_message_id(input.message_id)?.unwrap_or_else(|| Uuid::now_v7().to_string());
        let session = match input.session_id {
            Some(session) => session,
            None => {
                inner
                    .sessions
                    .create(caller.org_id, caller.user_id, &NewSession::default())
                    .await?
                    .id
            }
        };
        let _turn = inner.locks.lock(session).await;

        let user_message = match self
            .receive(caller, session, &message_id, input.content)
            .await?
        {
            Received::Duplicate(stored) => {
                return self.replay(caller, stored, &message_id, &updates).await;
            }
            Received::New(stored) => stored,
        };
        let ack = ChatUpdate::Ack(ChatAck {
            message_id: message_id.clone(),
            interaction_id: user_message.id,
            session_id: session,
        });
        if updates.send(ack).await.is_err() {
            // The client left before the turn started; its message is stored.
            return Ok(());
        }

        let end = self
            .execute(
                caller,
                session,
                &user_message,
                &message_id,
                &cancel,
                &updates,
                None,
            )
            .await?;
        // The client may have left; the outcome is recorded either way.
        let _ = updates.send(end).await;
        Ok(())
    }

    /// Answers the stored user message `interaction` of `session` again, for a dead-letter
    /// replay: the chat pipeline runs as `caller` (a new run whose metadata names `origin`),
    /// and the answer is stored under `message_id`, so that a client sending that message id
    /// again gets it. An answer stored already (by an earlier replay) is not written twice.
    /// Returns the run that answered.
    ///
    /// # Errors
    /// `INTERACTION_NOT_FOUND` when the message is gone; `GUARD_BLOCKED` or
    /// `PIPELINE_CANCELLED` when the run did not answer; the run's error when it failed (no
    /// new dead-letter entry is written).
    pub async fn replay_turn(
        &self,
        caller: &OrgContext,
        session: SessionId,
        interaction: InteractionId,
        message_id: &str,
        content: String,
        origin: &ReplayOrigin,
    ) -> AppResult<Uuid> {
        let inner = &self.inner;
        let _turn = inner.locks.lock(session).await;
        let find = |role| {
            inner
                .sessions
                .find_message(caller.org_id, session, role, message_id)
        };
        if let Some(answer) = find(InteractionRole::Assistant).await?
            && let Some(run) = answer
                .metadata
                .get("pipeline_run_id")
                .and_then(serde_json::Value::as_str)
                .and_then(|id| id.parse().ok())
        {
            return Ok(run);
        }
        let mut user_message = find(InteractionRole::User)
            .await?
            .filter(|stored| stored.id == interaction)
            .ok_or_else(|| AppError::not_found(Resource::Interaction, interaction))?;
        user_message.content = content;
        // Nobody reads the updates of a replay; they are drained so that the run goes on.
        let (updates, mut drained) = mpsc::channel(16);
        let drain = tokio::spawn(async move { while drained.recv().await.is_some() {} });
        let end = self
            .execute(
                caller,
                session,
                &user_message,
                message_id,
                &CancellationToken::new(),
                &updates,
                Some(origin),
            )
            .await;
        drop(updates);
        let _ = drain.await;
        match end? {
            ChatUpdate::Complete(complete) => complete
                .pipeline_run_id
                .ok_or_else(|| AppError::internal("a replayed turn has no run")),
            ChatUpdate::Blocked(blocked) => Err(AppError::GuardBlocked {
                reason: blocked.reason,
                category: blocked.category,
            }),
            _ => Err(AppError::PipelineCancelled {
                stage: "chat".to_owned(),
                reason: "the replay was cancelled".to_owned(),
                pipeline_run_id: None,
            }),
        }
    }

    /// Runs the chat pipeline for the stored `user_message`, recording the run, and returns
    /// the turn's last update (`Complete`, `Blocked` or `Cancelled`). A failed run that is not
    /// a replay (`origin` is `None`) is written to the dead-letter queue.
    #[allow(clippy::too_many_arguments)]
    async fn execute(
        &self,
        caller: &OrgContext,
        session: SessionId,
        user_message: &Interaction,
        message_id: &str,
        cancel: &CancellationToken,
        updates: &mpsc::Sender<ChatUpdate>,
        origin: Option<&ReplayOrigin>,
    ) -> AppResult<ChatUpdate> {
        let inner = &self.inner;
        let message_id = message_id.to_owned();
        let snapshot = self.snapshot(caller, session, user_message, &message_id);
        let model = inner.config.model().to_owned();
        let mut metadata =
            json!({ "prompt_version": CHAT_PROMPT_VERSION, "message_id": message_id });
        ReplayOrigin::annotate(origin, &mut metadata);
        if let Err(error) = inner
            .runs
            .start(&snapshot, CHAT_PIPELINE, "chat", metadata)
            .await
        {
            tracing::warn!(error = %error, code = error.code(), "the chat run was not recorded");
        }
        let (stream_tx, stream_rx) = stream_channel(inner.config.stream_capacity);
        let mut options = RunOptions::new()
            .sink(Arc::clone(&inner.events))
            .cancellation(cancel.clone())
            .stream(stream_tx)
            .config_value(MODEL, model);
        if let Some(temperature) = inner.config.temperature {
            options = options.config_value(TEMPERATURE, f64::from(temperature));
        }
        if let Some(max_tokens) = inner.config.max_tokens {
            options = options.config_value(MAX_TOKENS, max_tokens);
        }
        let started = Instant::now();
        let run = inner.pipeline.run(snapshot.clone(), options);
        let forward = forward_deltas(
            stream_rx,
            Some(updates),
            cancel,
            started,
            |delta, index, _| {
                ChatUpdate::Token(ChatToken {
                    message_id: message_id.clone(),
                    delta,
                    index,
                })
            },
        );
        let (result, first_token) = tokio::join!(run, forward);

        let totals = run_totals(&result, LLM, first_token);
        inner.runs.finish(&snapshot, &result, totals.clone()).await;
        let run_id = snapshot.pipeline_run_id;
        Ok(match result {
            Ok(results) => {
                let complete = completed(&results, &message_id, session, run_id, &totals)?;
                inner.summaries.turn_completed(CompletedTurn {
                    org: caller.org_id,
                    user: caller.user_id,
                    session,
                    request_id: Some(caller.request_id.clone()),
                });
                ChatUpdate::Complete(complete)
            }
            Err(PipelineError::Cancelled(cancelled))
                if cancelled.stage.as_deref() == Some(INPUT_GUARD) =>
            {
                let guard = cancelled.partial_results.get(INPUT_GUARD);
                let text = |key: &str| guard.and_then(|stage| stage.get::<String>(key).ok());
                ChatUpdate::Blocked(ChatBlocked {
                    message_id,
                    reason: text("reason").unwrap_or(cancelled.reason),
                    category: text("category"),
                    pipeline_run_id: run_id,
                })
            }
            Err(PipelineError::Cancelled(_)) => ChatUpdate::Cancelled(ChatCancelled {
                message_id,
                pipeline_run_id: run_id,
            }),
            Err(error) => {
                let client = turn_error(&error, run_id);
                if let (None, Some(recorder)) = (origin, &inner.dead_letters) {
                    let input = ReplayInput::Chat {
                        session_id: session,
                        interaction_id: user_message.id,
                        message_id,
                        content: user_message.content.clone(),
                    };
                    recorder
                        .record_failure(&snapshot, &error, &client, &input)
                        .await;
                }
                return Err(client);
            }
        })
    }

    /// Stores the user's message, or finds it when its `message_id` was sent before. The store
    /// refuses a second message with the same id (`CONFLICT`): that is how a duplicate is
    /// recognised, without a read before every write.
    async fn receive(
        &self,
        caller: &OrgContext,
        session: SessionId,
        message_id: &str,
        content: String,
    ) -> AppResult<Received> {
        let sessions = &self.inner.sessions;
        let message = NewInteraction::text(InteractionRole::User, content)
            .with_message_id(Some(message_id.to_owned()));
        match sessions
            .append(caller.org_id, caller.user_id, session, &message)
            .await
        {
            Ok(stored) => Ok(Received::New(stored)),
            // The session is the caller's (the append checked it before the insert).
            Err(AppError::Conflict { .. }) => sessions
                .find_message(caller.org_id, session, InteractionRole::User, message_id)
                .await?
                .map(Received::Duplicate)
                .ok_or_else(|| {
                    AppError::internal("a message conflicted with one that cannot be found")
                }),
            Err(error) => Err(error),
        }
    }

    /// Answers a message sent before with its stored answer.
    async fn replay(
        &self,
        caller: &OrgContext,
        user_message: Interaction,
        message_id: &str,
        updates: &mpsc::Sender<ChatUpdate>,
    ) -> AppResult<()> {
        let answer = self
            .inner
            .sessions
            .find_message(
                caller.org_id,
                user_message.session_id,
                InteractionRole::Assistant,
                message_id,
            )
            .await?
            .ok_or_else(|| AppError::Conflict {
                message: format!(
                    "message {message_id} was already received and its turn ended without an \
                     answer; send it again with a new message_id"
                ),
            })?;
        let ack = ChatUpdate::Ack(ChatAck {
            message_id: message_id.to_owned(),
            interaction_id: user_message.id,
            session_id: user_message.session_id,
        });
        let metadata = &answer.metadata;
        let complete = ChatUpdate::Complete(ChatComplete {
            message_id: message_id.to_owned(),
            interaction_id: answer.id,
            session_id: answer.session_id,
            filtered: metadata.get(FILTERED).and_then(serde_json::Value::as_bool) == Some(true),
            pipeline_run_id: metadata
                .get("pipeline_run_id")
                .and_then(serde_json::Value::as_str)
                .and_then(|id| id.parse().ok()),
            content: answer.content,
            usage: ChatUsage::default(),
            replayed: true,
        });
        if updates.send(ack).await.is_ok() {
            let _ = updates.send(complete).await;
        }
        Ok(())
    }

    /// The snapshot of a run answering `user_message`.
    fn snapshot(
        &self,
        caller: &OrgContext,
        session: SessionId,
        user_message: &Interaction,
        message_id: &str,
    ) -> ContextSnapshot {
        ContextSnapshot::new()
            .with_request_id(caller.request_id.clone())
            .with_session_id(session.as_uuid())
            .with_user_id(caller.user_id.as_uuid())
            .with_org_id(caller.org_id.as_uuid())
            .with_interaction_id(user_message.id.as_uuid())
            .with_topology(CHAT_TOPOLOGY)
            .with_execution_mode("default")
            .with_service("chat")
            .with_input_text(user_message.content.clone())
            .with_metadata(MESSAGE_ID, message_id)
            .with_metadata(USER_SEQUENCE, user_message.sequence_number)
            .with_metadata(QUALITY_MODE_KEY, self.inner.config.quality_mode.as_str())
    }
}

/// The `Complete` update of a finished run.
pub(crate) fn completed(
    results: &PipelineResults,
    message_id: &str,
    session: SessionId,
    run_id: Uuid,
    totals: &RunTotals,
) -> AppResult<ChatComplete> {
    let missing = |what: &str| AppError::internal(format!("the chat run finished without {what}"));
    let guard = results
        .get(OUTPUT_GUARD)
        .ok_or_else(|| missing("an output guard"))?;
    let persist = results
        .get(PERSIST)
        .ok_or_else(|| missing("a stored answer"))?;
    let content: String = guard.get(RESPONSE).map_err(|_| missing("an answer"))?;
    let filtered: bool = guard.get(FILTERED).unwrap_or(false);
    let interaction_id = persist
        .get::<String>(INTERACTION_ID)
        .ok()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| missing("the answer's id"))?;
    let llm = results.get(LLM);
    Ok(ChatComplete {
        message_id: message_id.to_owned(),
        interaction_id,
        session_id: session,
        content,
        pipeline_run_id: Some(run_id),
        usage: ChatUsage {
            tokens_in: totals.tokens_in.and_then(|n| u32::try_from(n).ok()),
            tokens_out: totals.tokens_out.and_then(|n| u32::try_from(n).ok()),
            tokens_estimated: llm
                .and_then(|stage| stage.get::<bool>("tokens_estimated").ok())
                .unwrap_or(false),
            cost_usd_micros: totals.cost_usd_micros,
        },
        filtered,
        replayed: false,
    })
}

/// The client's error for a run that failed.
pub(crate) fn turn_error(error: &PipelineError, run_id: Uuid) -> AppError {
    match error {
        PipelineError::StageFailed { stage, error, .. } => failure_error(stage, error, run_id),
        other => AppError::StageFailed {
            stage: "chat".to_owned(),
            pipeline_run_id: Some(run_id.to_string()),
            message: other.to_string(),
            retryable: false,
        },
    }
}
