//! The `dead_letter_queue` table: a failed pipeline run kept for investigation and replay (§3.3).

use sea_orm::entity::prelude::*;

/// A row of `dead_letter_queue`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dead_letter_queue")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The failed run.
    pub pipeline_run_id: Option<Uuid>,
    /// Kind of failure.
    pub error_type: String,
    /// Error message.
    #[sea_orm(column_type = "Text", nullable)]
    pub error_message: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// The stage that failed.
    pub failed_stage: Option<String>,
    /// Backtrace, when there is one.
    #[sea_orm(column_type = "Text", nullable)]
    pub stack_trace: Option<String>,
    /// The full context snapshot, to replay the run.
    #[sea_orm(column_type = "JsonBinary")]
    pub context_snapshot: Json,
    /// The input.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub input_data: Option<Json>,
    /// The request.
    pub request_id: Option<String>,
    /// The session (no foreign key).
    pub session_id: Option<Uuid>,
    /// The user (no foreign key).
    pub user_id: Option<Uuid>,
    /// The organization (no foreign key).
    pub org_id: Option<Uuid>,
    /// Replays attempted.
    pub retry_count: i32,
    /// Replays allowed.
    pub max_retries: i32,
    /// Last replay.
    pub last_retry_at: Option<DateTimeUtc>,
    /// Next scheduled replay.
    pub next_retry_at: Option<DateTimeUtc>,
    /// `pending`, `investigating`, `resolved`, `abandoned`.
    pub status: String,
    /// The user who resolved it.
    pub resolved_by: Option<Uuid>,
    /// When it was resolved.
    pub resolved_at: Option<DateTimeUtc>,
    /// Resolution notes.
    #[sea_orm(column_type = "Text", nullable)]
    pub resolution_notes: Option<String>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `pipeline_run_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "pipeline_run_id", to = "id", on_delete = "SetNull")]
    pub pipeline_run: BelongsTo<Option<super::pipeline_runs::Entity>>,
    /// The row `resolved_by` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "resolved_by", to = "id", on_delete = "NoAction")]
    pub resolver: BelongsTo<Option<super::users::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
