//! The `provider_calls` table: one call to an outside provider (LLM, STT, TTS, embedding), priced
//! and timed (§3.3).

use sea_orm::entity::prelude::*;

/// A row of `provider_calls`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "provider_calls")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `chat`, `script`, `email`, `summary`, …
    pub service: String,
    /// `llm`, `stt`, `tts`, `embedding`.
    pub operation: String,
    /// `groq`, `google`, `deepgram`, …
    pub provider: String,
    /// The model.
    pub model_id: Option<String>,
    /// The request that caused the call.
    pub request_id: Option<String>,
    /// The pipeline run (no foreign key).
    pub pipeline_run_id: Option<Uuid>,
    /// The session.
    pub session_id: Option<Uuid>,
    /// The interaction.
    pub interaction_id: Option<Uuid>,
    /// The user.
    pub user_id: Option<Uuid>,
    /// The organization.
    pub org_id: Option<Uuid>,
    /// LLM input messages.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub prompt_messages: Option<Json>,
    /// STT audio reference or other text input.
    #[sea_orm(column_type = "Text", nullable)]
    pub prompt_text: Option<String>,
    /// Raw output.
    #[sea_orm(column_type = "Text", nullable)]
    pub output_content: Option<String>,
    /// Structured output.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub output_parsed: Option<Json>,
    /// Latency, from the start of the call to its end.
    pub latency_ms: Option<i32>,
    /// Time to the first content delta.
    pub ttft_ms: Option<i32>,
    /// Input tokens.
    pub tokens_in: Option<i32>,
    /// Output tokens.
    pub tokens_out: Option<i32>,
    /// Whether the token counts are estimates (the provider reported no usage).
    pub tokens_estimated: bool,
    /// Audio duration.
    pub audio_duration_ms: Option<i32>,
    /// Cost in cents (rounded; see `cost_usd_micros`).
    pub cost_cents: Option<i32>,
    /// Exact cost in micro-USD.
    pub cost_usd_micros: Option<i64>,
    /// Whether the model had a price (false: the cost is unknown, not 0).
    pub priced: bool,
    /// Whether the call succeeded.
    pub success: bool,
    /// Error description (no secrets).
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// Why generation stopped (`stop`, `length`, …).
    #[sea_orm(column_type = "Text", nullable)]
    pub finish_reason: Option<String>,
    /// The model that answered, as the provider named it.
    #[sea_orm(column_type = "Text", nullable)]
    pub response_model: Option<String>,
    /// When the call started.
    pub started_at: DateTimeUtc,
    /// When the call finished.
    pub completed_at: Option<DateTimeUtc>,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// The row `session_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "session_id", to = "id", on_delete = "SetNull")]
    pub session: BelongsTo<Option<super::sessions::Entity>>,
    /// The row `interaction_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "interaction_id", to = "id", on_delete = "SetNull")]
    pub interaction: BelongsTo<Option<super::interactions::Entity>>,
    /// The row `user_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "user_id", to = "id", on_delete = "SetNull")]
    pub user: BelongsTo<Option<super::users::Entity>>,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "SetNull")]
    pub organization: BelongsTo<Option<super::organizations::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
