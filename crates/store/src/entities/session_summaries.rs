//! The `session_summaries` table: a versioned summary that compresses the start of a session
//! (§3.2).

use sea_orm::entity::prelude::*;

/// A row of `session_summaries`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_summaries")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session.
    #[sea_orm(unique_key = "session_summary_version_unique")]
    pub session_id: Uuid,
    /// Version, increasing per session.
    #[sea_orm(unique_key = "session_summary_version_unique")]
    pub version: i32,
    /// The summary.
    #[sea_orm(column_type = "Text")]
    pub summary_text: String,
    /// Messages before this sequence number are summarised.
    pub cutoff_sequence: i32,
    /// Tokens in the summary.
    pub token_count: Option<i32>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// The row `session_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "session_id", to = "id", on_delete = "Cascade")]
    pub session: BelongsTo<super::sessions::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
