//! The dead-letter queue (specification §3.3 `dead_letter_queue`, §9.1): a pipeline run that
//! failed, kept with its `ContextSnapshot` and what is needed to run it again, its replay
//! attempts and how it was settled.
//!
//! An entry starts `pending`. A background worker (or an admin's retry) claims it, replays it,
//! and marks it `resolved` on success; a failed replay schedules the next attempt, or
//! `abandoned` once `max_retries` attempts are spent. Admins may also resolve or abandon an
//! entry by hand; `investigating` is theirs to set (no replay is scheduled for it).
//!
//! What does not live here: the replay itself (in the application layer), storage (the
//! [`DeadLetterStore`](crate::ports::DeadLetterStore) port).

use crate::content::PageQuery;
use crate::error::{AppError, AppResult, FieldError};
use crate::ids::{OrgId, SessionId, UserId};
use crate::pulse::{non_blank, validate_page};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// Where an entry is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterStatus {
    /// Waiting for a replay (scheduled at `next_retry_at`, or manual only when that is null).
    Pending,
    /// An operator is looking into it; no replay is scheduled.
    Investigating,
    /// A replay succeeded, or an admin resolved it.
    Resolved,
    /// Its replays are spent, or an admin gave up on it.
    Abandoned,
}

impl DeadLetterStatus {
    /// Every status, in the order of its life.
    pub const ALL: [Self; 4] = [
        Self::Pending,
        Self::Investigating,
        Self::Resolved,
        Self::Abandoned,
    ];

    /// Its stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Investigating => "investigating",
            Self::Resolved => "resolved",
            Self::Abandoned => "abandoned",
        }
    }

    /// The status of a stored name.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

/// One entry of the dead-letter queue.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    /// Its id.
    pub id: Uuid,
    /// The run that failed.
    pub pipeline_run_id: Option<Uuid>,
    /// The kind of failure: `provider`, `timeout`, `stage`, `invalid_output`, …
    pub error_type: String,
    /// The error's message, as a client was shown it (never a secret).
    pub error_message: Option<String>,
    /// The error's code (`PROVIDER_SERVER_ERROR`, …).
    pub error_code: Option<String>,
    /// The stage that failed.
    pub failed_stage: Option<String>,
    /// The failed run's `ContextSnapshot`, serialised.
    #[schema(value_type = Object)]
    pub context_snapshot: Value,
    /// What a replay needs (`service`, and the message or the brief).
    #[schema(value_type = Option<Object>)]
    pub input_data: Option<Value>,
    /// The request that failed.
    pub request_id: Option<String>,
    /// The session.
    pub session_id: Option<SessionId>,
    /// The user whose request failed (a replay runs as them).
    pub user_id: Option<UserId>,
    /// The organization.
    pub org_id: OrgId,
    /// Replays attempted so far.
    pub retry_count: i32,
    /// Replays allowed before the entry is abandoned.
    pub max_retries: i32,
    /// When the last replay started.
    pub last_retry_at: Option<DateTime<Utc>>,
    /// When the next replay is due (null: manual retry only).
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Where it is in its life.
    pub status: DeadLetterStatus,
    /// The admin who resolved it.
    pub resolved_by: Option<UserId>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// How it was resolved (the replay's run, or the admin's notes).
    pub resolution_notes: Option<String>,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl DeadLetter {
    /// The attempt this entry's claim started (see [`DeadLetterAttempt`]).
    #[must_use]
    pub const fn attempt(&self) -> DeadLetterAttempt {
        DeadLetterAttempt {
            id: self.id,
            retry_count: self.retry_count,
        }
    }
}

/// A failed run to write to the queue.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDeadLetter {
    /// The run that failed.
    pub pipeline_run_id: Option<Uuid>,
    /// The kind of failure.
    pub error_type: String,
    /// The error's code.
    pub error_code: Option<String>,
    /// The error's client-safe message.
    pub error_message: Option<String>,
    /// The stage that failed.
    pub failed_stage: Option<String>,
    /// The run's snapshot, serialised.
    pub context_snapshot: Value,
    /// What a replay needs.
    pub input_data: Option<Value>,
    /// The request.
    pub request_id: Option<String>,
    /// The session.
    pub session_id: Option<SessionId>,
    /// The user.
    pub user_id: Option<UserId>,
    /// The organization.
    pub org_id: OrgId,
    /// Replays allowed.
    pub max_retries: i32,
    /// The first replay's time (`None`: the failure is not retryable, manual retry only).
    pub next_retry_at: Option<DateTime<Utc>>,
}

/// One claimed replay of an entry: its id and the `retry_count` the claim set. Completing an
/// attempt ([`mark_resolved`](crate::ports::DeadLetterStore::mark_resolved),
/// [`mark_failed_attempt`](crate::ports::DeadLetterStore::mark_failed_attempt)) changes the
/// entry only while no later claim was made and nobody settled it meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadLetterAttempt {
    /// The entry.
    pub id: Uuid,
    /// Its `retry_count` once claimed.
    pub retry_count: i32,
}

/// How a replay failed.
#[derive(Clone, Debug, PartialEq)]
pub struct AttemptFailure {
    /// The kind of failure.
    pub error_type: String,
    /// Its code.
    pub error_code: String,
    /// Its client-safe message.
    pub error_message: String,
    /// The next replay's time when replays remain (`None`: manual retry only).
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Give up now, whatever remains (the caller is no longer a member, the input is gone).
    pub abandon: bool,
}

/// The query of `GET /pulse/dead-letter-queue`, as sent.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadLetterParams {
    /// Only entries in this status (`pending`, `investigating`, `resolved`, `abandoned`).
    pub status: Option<String>,
    /// Only entries of this kind of failure (`provider`, `timeout`, `stage`, …).
    pub error_type: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
    /// Items to skip (default 0). Past the end, the page is empty.
    pub offset: Option<u64>,
}

/// Which entries a list holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadLetterFilter {
    /// The status.
    pub status: Option<DeadLetterStatus>,
    /// The kind of failure.
    pub error_type: Option<String>,
}

impl DeadLetterParams {
    /// Validates the parameters.
    ///
    /// # Errors
    /// `VALIDATION_ERROR` on an unknown `status` or `limit` outside 1 to 200.
    pub fn validate(self) -> AppResult<(DeadLetterFilter, PageQuery)> {
        let status = match non_blank(self.status) {
            None => None,
            Some(name) => Some(DeadLetterStatus::parse(&name).ok_or_else(|| {
                AppError::invalid_fields(vec![FieldError::new(
                    "status",
                    "unknown_variant",
                    "status must be pending, investigating, resolved or abandoned",
                )])
            })?),
        };
        let page = validate_page(self.limit, self.offset, None, None)?;
        let filter = DeadLetterFilter {
            status,
            error_type: non_blank(self.error_type),
        };
        Ok((filter, page))
    }
}

/// The body of `POST /pulse/dead-letter-queue/{id}/resolve` and `…/abandon`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct DeadLetterNotes {
    /// What was done, or why (at most 2000 characters).
    pub notes: Option<String>,
}

/// The longest resolution notes, in characters.
pub const MAX_NOTES: usize = 2_000;

impl DeadLetterNotes {
    /// The notes, trimmed (blank: none).
    ///
    /// # Errors
    /// `VALIDATION_ERROR` when longer than [`MAX_NOTES`] characters.
    pub fn validate(self) -> AppResult<Option<String>> {
        let notes = non_blank(self.notes);
        if notes
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_NOTES)
        {
            return Err(AppError::invalid_field(
                "notes",
                "too_long",
                format!("notes must be at most {MAX_NOTES} characters"),
            ));
        }
        Ok(notes)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn statuses_round_trip_their_names() {
        for status in DeadLetterStatus::ALL {
            assert_eq!(DeadLetterStatus::parse(status.as_str()), Some(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                Value::String(status.as_str().to_owned())
            );
        }
        assert_eq!(DeadLetterStatus::parse("done"), None);
    }

    #[test]
    fn params_validate_status_and_paging() {
        let params = DeadLetterParams {
            status: Some(" pending ".to_owned()),
            error_type: Some(" ".to_owned()),
            ..DeadLetterParams::default()
        };
        let (filter, page) = params.validate().unwrap();
        assert_eq!(filter.status, Some(DeadLetterStatus::Pending));
        assert_eq!(filter.error_type, None);
        assert_eq!((page.limit, page.offset), (50, 0));
        let bad = DeadLetterParams {
            status: Some("done".to_owned()),
            ..DeadLetterParams::default()
        };
        assert_eq!(bad.validate().unwrap_err().code(), "VALIDATION_ERROR");
        let bad = DeadLetterParams {
            limit: Some(0),
            ..DeadLetterParams::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn notes_are_trimmed_and_bounded() {
        let notes = DeadLetterNotes {
            notes: Some("  fixed the key ".to_owned()),
        };
        assert_eq!(notes.validate().unwrap().as_deref(), Some("fixed the key"));
        let long = DeadLetterNotes {
            notes: Some("x".repeat(MAX_NOTES + 1)),
        };
        assert!(long.validate().is_err());
    }
}
