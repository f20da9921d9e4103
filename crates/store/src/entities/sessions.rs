//! The `sessions` table: a conversation (chat or generation) of a user (§3.2).

use sea_orm::entity::prelude::*;

/// A row of `sessions`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sessions")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The organization.
    pub org_id: Option<Uuid>,
    /// `active` or `ended`.
    pub state: String,
    /// When the session started.
    pub started_at: DateTimeUtc,
    /// When the session ended.
    pub ended_at: Option<DateTimeUtc>,
    /// Number of interactions (denormalised).
    pub interaction_count: i32,
    /// Total cost in cents (rounded; see `total_cost_usd_micros`).
    pub total_cost_cents: i32,
    /// Exact total cost in micro-USD.
    pub total_cost_usd_micros: i64,
    /// Duration, once ended.
    pub duration_ms: Option<i32>,
    /// `chat`, `script_generation`, `email_generation`.
    pub session_type: Option<String>,
    /// Free-form metadata.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metadata: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `user_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "Cascade")]
    pub user: BelongsTo<super::users::Entity>,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "SetNull")]
    pub organization: BelongsTo<Option<super::organizations::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
