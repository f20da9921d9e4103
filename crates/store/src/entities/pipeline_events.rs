//! The `pipeline_events` table: one event of a pipeline run, as emitted by the stageflow event sink
//! (§3.3).

use sea_orm::entity::prelude::*;

/// A row of `pipeline_events`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pipeline_events")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The run.
    pub pipeline_run_id: Uuid,
    /// `pipeline.started`, `stage.llm.completed`, `stage.wide`, …
    pub event_type: String,
    /// The event payload.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub event_data: Option<Json>,
    /// The request (denormalised).
    pub request_id: Option<String>,
    /// The session (denormalised, no foreign key).
    pub session_id: Option<Uuid>,
    /// The user (denormalised, no foreign key).
    pub user_id: Option<Uuid>,
    /// The organization (denormalised, no foreign key).
    pub org_id: Option<Uuid>,
    /// When the event happened.
    pub occurred_at: DateTimeUtc,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// The row `pipeline_run_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "pipeline_run_id", to = "id", on_delete = "Cascade")]
    pub pipeline_run: BelongsTo<super::pipeline_runs::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
