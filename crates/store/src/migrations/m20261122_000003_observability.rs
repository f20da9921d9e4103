//! Observability (specification §3.3): `provider_calls`, `pipeline_runs`, `pipeline_events`,
//! `dead_letter_queue`.
//!
//! Beyond the specification: `provider_calls.cost_usd_micros`,
//! `pipeline_runs.total_cost_usd_micros`, `pipeline_runs.pipeline_name` and
//! `pipeline_runs.status` (checked: running | completed | failed | cancelled) with its index.
//! `provider_calls.pipeline_run_id` has no foreign key, as in the specification (runs refer to
//! calls, and a call is recorded before its run row may exist).

use super::schema::{
    create_all, created_at, drop_all, foreign_key, id, index, json_object, timestamp_now,
    updated_at,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer_null, boolean, double_null, integer, integer_null, json_binary, json_binary_null,
    string_len, string_len_null, text_null, timestamp_with_time_zone_null, uuid, uuid_null,
};

/// The values `pipeline_runs.status` may take.
const PIPELINE_RUN_STATUSES: [&str; 4] = ["running", "completed", "failed", "cancelled"];

/// Creates the observability tables.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![
                provider_calls(),
                pipeline_runs(),
                pipeline_events(),
                dead_letter_queue(),
            ],
            vec![
                index(
                    "idx_provider_calls_request_id",
                    "provider_calls",
                    &["request_id"],
                ),
                index(
                    "idx_provider_calls_pipeline_run_id",
                    "provider_calls",
                    &["pipeline_run_id"],
                ),
                index(
                    "idx_provider_calls_session_id",
                    "provider_calls",
                    &["session_id"],
                ),
                index("idx_provider_calls_user_id", "provider_calls", &["user_id"]),
                index("idx_provider_calls_org_id", "provider_calls", &["org_id"]),
                index(
                    "idx_provider_calls_provider",
                    "provider_calls",
                    &["provider", "model_id"],
                ),
                index(
                    "idx_provider_calls_created_at",
                    "provider_calls",
                    &["created_at DESC"],
                ),
                index(
                    "idx_pipeline_runs_request_id",
                    "pipeline_runs",
                    &["request_id"],
                ),
                index(
                    "idx_pipeline_runs_session_id",
                    "pipeline_runs",
                    &["session_id"],
                ),
                index("idx_pipeline_runs_user_id", "pipeline_runs", &["user_id"]),
                index("idx_pipeline_runs_org_id", "pipeline_runs", &["org_id"]),
                index("idx_pipeline_runs_service", "pipeline_runs", &["service"]),
                index("idx_pipeline_runs_success", "pipeline_runs", &["success"]),
                index("idx_pipeline_runs_status", "pipeline_runs", &["status"]),
                index(
                    "idx_pipeline_runs_created_at",
                    "pipeline_runs",
                    &["created_at DESC"],
                ),
                index(
                    "idx_pipeline_events_run_id",
                    "pipeline_events",
                    &["pipeline_run_id"],
                ),
                index(
                    "idx_pipeline_events_type",
                    "pipeline_events",
                    &["event_type"],
                ),
                index(
                    "idx_pipeline_events_occurred_at",
                    "pipeline_events",
                    &["occurred_at DESC"],
                ),
                index("idx_dlq_status", "dead_letter_queue", &["status"]),
                index("idx_dlq_error_type", "dead_letter_queue", &["error_type"]),
                index(
                    "idx_dlq_created_at",
                    "dead_letter_queue",
                    &["created_at DESC"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "dead_letter_queue",
                "pipeline_events",
                "pipeline_runs",
                "provider_calls",
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn provider_calls() -> TableCreateStatement {
    Table::create()
        .table("provider_calls")
        .col(id())
        // Classification
        .col(string_len("service", 50))
        .col(string_len("operation", 20))
        .col(string_len("provider", 50))
        .col(string_len_null("model_id", 100))
        // Correlation
        .col(string_len_null("request_id", 100))
        .col(uuid_null("pipeline_run_id"))
        .col(uuid_null("session_id"))
        .col(uuid_null("interaction_id"))
        .col(uuid_null("user_id"))
        .col(uuid_null("org_id"))
        // Input/output capture
        .col(json_binary_null("prompt_messages"))
        .col(text_null("prompt_text"))
        .col(text_null("output_content"))
        .col(json_binary_null("output_parsed"))
        // Metrics
        .col(integer_null("latency_ms"))
        .col(integer_null("tokens_in"))
        .col(integer_null("tokens_out"))
        .col(integer_null("audio_duration_ms"))
        .col(integer_null("cost_cents"))
        .col(big_integer_null("cost_usd_micros"))
        // Status
        .col(boolean("success").default(false))
        .col(text_null("error"))
        .col(string_len_null("error_code", 100))
        // Timestamps
        .col(timestamp_now("started_at"))
        .col(timestamp_with_time_zone_null("completed_at"))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "provider_calls",
            "session_id",
            "sessions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "provider_calls",
            "interaction_id",
            "interactions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "provider_calls",
            "user_id",
            "users",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "provider_calls",
            "org_id",
            "organizations",
            ForeignKeyAction::SetNull,
        ))
        .take()
}

fn pipeline_runs() -> TableCreateStatement {
    Table::create()
        .table("pipeline_runs")
        .col(id())
        // Classification
        .col(string_len("service", 50))
        .col(string_len_null("pipeline_name", 100))
        .col(string_len_null("topology", 50))
        .col(string_len_null("behavior", 50))
        .col(string_len_null("quality_mode", 20))
        // Correlation
        .col(string_len_null("request_id", 100))
        .col(uuid_null("session_id"))
        .col(uuid_null("interaction_id"))
        .col(uuid_null("user_id"))
        .col(uuid_null("org_id"))
        // Provider call references
        .col(uuid_null("stt_provider_call_id"))
        .col(uuid_null("llm_provider_call_id"))
        .col(uuid_null("tts_provider_call_id"))
        // Latency metrics (milliseconds)
        .col(integer_null("total_latency_ms"))
        .col(integer_null("ttft_ms"))
        .col(integer_null("ttfa_ms"))
        .col(integer_null("ttfc_ms"))
        // Token metrics
        .col(integer_null("tokens_in"))
        .col(integer_null("tokens_out"))
        .col(double_null("tokens_per_second"))
        // Audio metrics
        .col(integer_null("input_audio_duration_ms"))
        .col(integer_null("output_audio_duration_ms"))
        // Cost
        .col(integer_null("total_cost_cents"))
        .col(big_integer_null("total_cost_usd_micros"))
        // Status
        .col(
            string_len("status", 20)
                .default("running")
                .check(Expr::col("status").is_in(PIPELINE_RUN_STATUSES)),
        )
        .col(boolean("success").default(false))
        .col(text_null("error"))
        .col(string_len_null("error_code", 100))
        // Detailed breakdown
        .col(json_object("stages"))
        .col(json_object("run_metadata"))
        .col(json_binary_null("context_snapshot"))
        // Timestamps
        .col(timestamp_now("started_at"))
        .col(timestamp_with_time_zone_null("completed_at"))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "session_id",
            "sessions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "interaction_id",
            "interactions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "user_id",
            "users",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "org_id",
            "organizations",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "stt_provider_call_id",
            "provider_calls",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "llm_provider_call_id",
            "provider_calls",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "pipeline_runs",
            "tts_provider_call_id",
            "provider_calls",
            ForeignKeyAction::SetNull,
        ))
        .take()
}

fn pipeline_events() -> TableCreateStatement {
    Table::create()
        .table("pipeline_events")
        .col(id())
        .col(uuid("pipeline_run_id"))
        // Event data (from the stageflow event sink)
        .col(string_len("event_type", 100))
        .col(json_object("event_data"))
        // Correlation (denormalised, no foreign keys)
        .col(string_len_null("request_id", 100))
        .col(uuid_null("session_id"))
        .col(uuid_null("user_id"))
        .col(uuid_null("org_id"))
        .col(timestamp_now("occurred_at"))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "pipeline_events",
            "pipeline_run_id",
            "pipeline_runs",
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn dead_letter_queue() -> TableCreateStatement {
    Table::create()
        .table("dead_letter_queue")
        .col(id())
        .col(uuid_null("pipeline_run_id"))
        // Failure context
        .col(string_len("error_type", 100))
        .col(text_null("error_message"))
        .col(string_len_null("error_code", 100))
        .col(string_len_null("failed_stage", 100))
        .col(text_null("stack_trace"))
        // Request context snapshot
        .col(json_binary("context_snapshot"))
        .col(json_binary_null("input_data"))
        // Correlation (no foreign keys)
        .col(string_len_null("request_id", 100))
        .col(uuid_null("session_id"))
        .col(uuid_null("user_id"))
        .col(uuid_null("org_id"))
        // Retry tracking
        .col(integer("retry_count").default(0))
        .col(integer("max_retries").default(3))
        .col(timestamp_with_time_zone_null("last_retry_at"))
        .col(timestamp_with_time_zone_null("next_retry_at"))
        // Resolution
        .col(string_len("status", 20).default("pending"))
        .col(uuid_null("resolved_by"))
        .col(timestamp_with_time_zone_null("resolved_at"))
        .col(text_null("resolution_notes"))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "dead_letter_queue",
            "pipeline_run_id",
            "pipeline_runs",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "dead_letter_queue",
            "resolved_by",
            "users",
            ForeignKeyAction::NoAction,
        ))
        .take()
}
