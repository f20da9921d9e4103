//! The `summary_states` table: the summary cadence of a session (§3.2).

use sea_orm::entity::prelude::*;

/// A row of `summary_states`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "summary_states")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session (one state each).
    #[sea_orm(unique)]
    pub session_id: Uuid,
    /// Turns since the last summary.
    pub turns_since_summary: i32,
    /// Cutoff of the last summary.
    pub last_cutoff_sequence: i32,
    /// When the last summary was made.
    pub last_summary_at: Option<DateTimeUtc>,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `session_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "session_id", to = "id", on_delete = "Cascade")]
    pub session: BelongsTo<super::sessions::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
