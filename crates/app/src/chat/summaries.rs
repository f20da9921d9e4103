//! Rolling summaries (specification §4.7): after every completed turn, off the reply path,
//! the session's cadence counts the turn; once [`SummaryConfig::threshold`] turns have passed
//! since the last summary, the interactions after the last cutoff, except the last
//! [`SummaryConfig::keep_last`], are summarized by the LLM (service `summary`) together with
//! the previous summary, and stored as the session's next summary version. The chat's
//! `summary_enrich` stage then sends the summary and only the interactions after its cutoff.
//!
//! A failed summary is logged and tried again after the next turn (the cadence is reset only
//! when a summary is stored). Two writers racing for one version store one summary: the other
//! is dropped.

use hellosales_domain::ports::{AiService, CallContext, ChatMessage, ChatRequest, SessionStore};
use hellosales_domain::sessions::{Interaction, InteractionRole, NewSummary};
use hellosales_domain::{AppResult, OrgId, SessionId, UserId};
use hellosales_providers::LlmRoutes;
use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::Notify;

/// The instructions of the summarizer.
const SUMMARY_PROMPT: &str = "You keep the memory of a conversation between a sales rep and \
their AI sales assistant. Write a concise summary (at most 200 words) of the conversation below, \
merged with the earlier summary if there is one. Keep names, companies, products, prices, pains, \
objections, commitments and next steps. Write plain prose, no preamble.";

/// Summaries keep facts: little sampling freedom.
const SUMMARY_TEMPERATURE: f32 = 0.2;
/// Room for the 200 words the prompt asks for.
const SUMMARY_MAX_TOKENS: u32 = 400;

/// The summary cadence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SummaryConfig {
    /// Summaries are written at all (`SUMMARY_ENABLED`).
    pub enabled: bool,
    /// Turns between summaries (`SUMMARY_THRESHOLD`, default 8).
    pub threshold: u32,
    /// The most recent interactions always sent as they are (default 6).
    pub keep_last: u32,
}

impl Default for SummaryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            threshold: 8,
            keep_last: 6,
        }
    }
}

/// Writes the summaries in background tasks. Cheap to clone.
#[derive(Clone)]
pub struct SummaryService {
    sessions: Arc<dyn SessionStore>,
    llm: LlmRoutes,
    config: SummaryConfig,
    running: Arc<Running>,
}

#[derive(Default)]
struct Running {
    count: AtomicUsize,
    idle: Notify,
}

/// One background summary; counted down when dropped.
struct Job(Arc<Running>);

impl Drop for Job {
    fn drop(&mut self) {
        if self.0.count.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl fmt::Debug for SummaryService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SummaryService")
            .field("config", &self.config)
            .field("running", &self.running.count.load(Ordering::SeqCst))
            .finish_non_exhaustive()
    }
}

/// Which session a turn completed in, and for whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedTurn {
    /// The organization.
    pub org: OrgId,
    /// The user.
    pub user: UserId,
    /// The session.
    pub session: SessionId,
    /// The request that sent the turn, for the summary call's record.
    pub request_id: Option<String>,
}

impl SummaryService {
    /// Summaries of `sessions`' conversations, written by `llm`.
    #[must_use]
    pub fn new(sessions: Arc<dyn SessionStore>, llm: LlmRoutes, config: SummaryConfig) -> Self {
        Self {
            sessions,
            llm,
            config,
            running: Arc::default(),
        }
    }

    /// The cadence.
    #[must_use]
    pub const fn config(&self) -> SummaryConfig {
        self.config
    }

    /// Counts a completed turn and, when the cadence says so, writes the next summary, in a
    /// background task. Returns at once.
    pub fn turn_completed(&self, turn: CompletedTurn) {
        if !self.config.enabled {
            return;
        }
        self.running.count.fetch_add(1, Ordering::SeqCst);
        let job = Job(Arc::clone(&self.running));
        let this = self.clone();
        tokio::spawn(async move {
            let _job = job;
            if let Err(error) = this.after_turn(&turn).await {
                tracing::warn!(
                    session_id = %turn.session,
                    error = %error,
                    code = error.code(),
                    "the session summary was not written; it is tried again after the next turn"
                );
            }
        });
    }

    /// Waits until no summary is being written (tests, graceful shutdown).
    pub async fn idle(&self) {
        loop {
            let idle = self.running.idle.notified();
            tokio::pin!(idle);
            idle.as_mut().enable();
            if self.running.count.load(Ordering::SeqCst) == 0 {
                return;
            }
            idle.await;
        }
    }

    async fn after_turn(&self, turn: &CompletedTurn) -> AppResult<()> {
        let state = self.sessions.record_turn(turn.org, turn.session).await?;
        if state.turns_since_summary < self.config.threshold {
            return Ok(());
        }
        let session = self.sessions.get(turn.org, turn.user, turn.session).await?;
        let through = session
            .interaction_count
            .saturating_sub(self.config.keep_last);
        if through <= state.last_cutoff_sequence {
            return Ok(());
        }
        let previous = self.sessions.latest_summary(turn.org, turn.session).await?;
        let interactions = self
            .sessions
            .interactions_between(
                turn.org,
                turn.session,
                state.last_cutoff_sequence,
                Some(through),
            )
            .await?;
        let transcript = transcript(
            previous.as_ref().map(|s| s.summary_text.as_str()),
            &interactions,
        );
        let mut call = CallContext::new(AiService::Summary)
            .for_tenant(turn.org, turn.user)
            .with_session(turn.session.as_uuid(), None);
        if let Some(request_id) = &turn.request_id {
            call = call.with_request_id(request_id.clone());
        }
        // No model named: the provider's configured one.
        let mut request = ChatRequest::new(
            String::new(),
            vec![
                ChatMessage::system(SUMMARY_PROMPT),
                ChatMessage::user(transcript),
            ],
        );
        request.temperature = Some(SUMMARY_TEMPERATURE);
        request.max_tokens = Some(SUMMARY_MAX_TOKENS);
        let completion = self.llm.complete(&call, request).await?;
        let text = completion.content.trim();
        if text.is_empty() {
            return Err(hellosales_domain::AppError::internal(
                "the model answered an empty summary",
            ));
        }
        let stored = self
            .sessions
            .save_summary(
                turn.org,
                turn.session,
                previous.map_or(0, |s| s.version),
                &NewSummary {
                    summary_text: text.to_owned(),
                    cutoff_sequence: through,
                    token_count: completion.usage.map(|u| u.completion_tokens),
                },
            )
            .await?;
        if let Some(summary) = stored {
            tracing::debug!(
                session_id = %turn.session,
                version = summary.version,
                cutoff_sequence = summary.cutoff_sequence,
                "session summary written"
            );
        }
        Ok(())
    }
}

/// The text the summarizer reads: the earlier summary, then the dialogue.
fn transcript(previous: Option<&str>, interactions: &[Interaction]) -> String {
    let mut text = String::new();
    if let Some(previous) = previous {
        let _ = writeln!(text, "Earlier summary:\n{previous}\n");
    }
    text.push_str("Conversation:\n");
    for interaction in interactions {
        let speaker = match interaction.role {
            InteractionRole::User => "Rep",
            InteractionRole::Assistant => "Assistant",
            InteractionRole::System => continue,
        };
        let _ = writeln!(text, "{speaker}: {}", interaction.content);
    }
    text
}
