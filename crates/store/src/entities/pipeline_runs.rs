//! The `pipeline_runs` table: one run of a stageflow pipeline, end to end (§3.3, plus pipeline_name
//! and status).

use sea_orm::entity::prelude::*;

/// A row of `pipeline_runs`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pipeline_runs")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `chat`, `script`, `email`, …
    pub service: String,
    /// The registered pipeline name.
    pub pipeline_name: Option<String>,
    /// Pipeline configuration name.
    pub topology: Option<String>,
    /// Execution behaviour.
    pub behavior: Option<String>,
    /// `fast`, `balanced`, `quality`.
    pub quality_mode: Option<String>,
    /// The request.
    pub request_id: Option<String>,
    /// The session.
    pub session_id: Option<Uuid>,
    /// The interaction.
    pub interaction_id: Option<Uuid>,
    /// The user.
    pub user_id: Option<Uuid>,
    /// The organization.
    pub org_id: Option<Uuid>,
    /// The speech-to-text call.
    pub stt_provider_call_id: Option<Uuid>,
    /// The LLM call.
    pub llm_provider_call_id: Option<Uuid>,
    /// The text-to-speech call.
    pub tts_provider_call_id: Option<Uuid>,
    /// Total latency.
    pub total_latency_ms: Option<i32>,
    /// Time to first token.
    pub ttft_ms: Option<i32>,
    /// Time to first audio.
    pub ttfa_ms: Option<i32>,
    /// Time to first chunk (TTS).
    pub ttfc_ms: Option<i32>,
    /// Input tokens.
    pub tokens_in: Option<i32>,
    /// Output tokens.
    pub tokens_out: Option<i32>,
    /// Output tokens per second.
    pub tokens_per_second: Option<f64>,
    /// Input audio duration.
    pub input_audio_duration_ms: Option<i32>,
    /// Output audio duration.
    pub output_audio_duration_ms: Option<i32>,
    /// Total cost in cents (rounded; see `total_cost_usd_micros`).
    pub total_cost_cents: Option<i32>,
    /// Exact total cost in micro-USD.
    pub total_cost_usd_micros: Option<i64>,
    /// `running`, `completed`, `failed` or `cancelled`.
    pub status: String,
    /// Whether the run succeeded.
    pub success: bool,
    /// Error description.
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// Error code.
    pub error_code: Option<String>,
    /// Per-stage metrics.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub stages: Option<Json>,
    /// Additional context.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub run_metadata: Option<Json>,
    /// The context snapshot the run started from.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub context_snapshot: Option<Json>,
    /// When the run started.
    pub started_at: DateTimeUtc,
    /// When the run finished.
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
    /// The row `stt_provider_call_id` refers to (loaded on demand).
    #[sea_orm(
        belongs_to,
        relation_enum = "SttProviderCall",
        from = "stt_provider_call_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub stt_provider_call: BelongsTo<Option<super::provider_calls::Entity>>,
    /// The row `llm_provider_call_id` refers to (loaded on demand).
    #[sea_orm(
        belongs_to,
        relation_enum = "LlmProviderCall",
        from = "llm_provider_call_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub llm_provider_call: BelongsTo<Option<super::provider_calls::Entity>>,
    /// The row `tts_provider_call_id` refers to (loaded on demand).
    #[sea_orm(
        belongs_to,
        relation_enum = "TtsProviderCall",
        from = "tts_provider_call_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub tts_provider_call: BelongsTo<Option<super::provider_calls::Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
