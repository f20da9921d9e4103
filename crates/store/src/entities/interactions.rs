//! The `interactions` table: one message of a session (§3.2, plus org_id, user_id, metadata).

use sea_orm::entity::prelude::*;

/// A row of `interactions`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interactions")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The session.
    #[sea_orm(unique_key = "interactions_session_sequence_unique")]
    pub session_id: Uuid,
    /// The organization (denormalised from the session).
    pub org_id: Option<Uuid>,
    /// The user (denormalised from the session).
    pub user_id: Option<Uuid>,
    /// `user`, `assistant` or `system`.
    pub role: String,
    /// Client-generated id, unique per (session, role), for deduplication.
    pub message_id: Option<String>,
    /// `text` or `voice`.
    pub input_type: String,
    /// Text content or transcript.
    #[sea_orm(column_type = "Text", nullable)]
    pub content: Option<String>,
    /// Original transcript (voice).
    #[sea_orm(column_type = "Text", nullable)]
    pub transcript: Option<String>,
    /// Audio location (voice).
    #[sea_orm(column_type = "Text", nullable)]
    pub audio_url: Option<String>,
    /// Audio duration (voice).
    pub audio_duration_ms: Option<i32>,
    /// The LLM call that produced this message.
    pub llm_provider_call_id: Option<Uuid>,
    /// The speech-to-text call.
    pub stt_provider_call_id: Option<Uuid>,
    /// The text-to-speech call.
    pub tts_provider_call_id: Option<Uuid>,
    /// Position in the session, unique per session.
    #[sea_orm(unique_key = "interactions_session_sequence_unique")]
    pub sequence_number: i32,
    /// Free-form metadata.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metadata: Option<Json>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// The row `session_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "session_id", to = "id", on_delete = "Cascade")]
    pub session: BelongsTo<super::sessions::Entity>,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "SetNull")]
    pub organization: BelongsTo<Option<super::organizations::Entity>>,
    /// The row `user_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "SetNull")]
    pub user: BelongsTo<Option<super::users::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
