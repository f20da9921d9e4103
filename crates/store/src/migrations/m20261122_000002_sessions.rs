//! Sessions and interactions (specification §3.2): `sessions`, `interactions`,
//! `session_summaries`, `summary_states`, `interaction_embeddings`.
//!
//! Beyond the specification: `sessions.total_cost_usd_micros`; `interactions.org_id`,
//! `user_id` (SET NULL), `metadata`, unique `(session_id, sequence_number)` and unique
//! `(session_id, role, message_id)` (client deduplication; the assistant's reply may carry the
//! id of the message it answers), an index on `interactions(org_id)` for the cascade;
//! embeddings as bytes with `dimensions` and a required `model_id`.

use super::schema::{
    create_all, created_at, drop_all, foreign_key, id, index, json_object, timestamp_now, unique,
    updated_at,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, blob, integer, integer_null, string_len, string_len_null, text, text_null,
    timestamp_with_time_zone_null, uuid, uuid_null, uuid_uniq,
};

/// Creates the session tables.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![
                sessions(),
                interactions(),
                session_summaries(),
                summary_states(),
                interaction_embeddings(),
            ],
            vec![
                index("idx_sessions_user_id", "sessions", &["user_id"]),
                index("idx_sessions_org_id", "sessions", &["org_id"]),
                index("idx_sessions_state", "sessions", &["state"]),
                index("idx_sessions_created_at", "sessions", &["created_at DESC"]),
                index(
                    "idx_interactions_session_id",
                    "interactions",
                    &["session_id"],
                ),
                index(
                    "idx_interactions_session_seq",
                    "interactions",
                    &["session_id", "sequence_number"],
                ),
                index(
                    "idx_interactions_created_at",
                    "interactions",
                    &["created_at DESC"],
                ),
                index("idx_interactions_org_id", "interactions", &["org_id"]),
                index(
                    "uq_interactions_session_role_message",
                    "interactions",
                    &["session_id", "role", "message_id"],
                )
                .unique()
                .take(),
                index(
                    "idx_session_summaries_session_id",
                    "session_summaries",
                    &["session_id"],
                ),
                index(
                    "idx_interaction_embeddings_session_id",
                    "interaction_embeddings",
                    &["session_id"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "interaction_embeddings",
                "summary_states",
                "session_summaries",
                "interactions",
                "sessions",
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn sessions() -> TableCreateStatement {
    Table::create()
        .table("sessions")
        .col(id())
        .col(uuid("user_id"))
        .col(uuid_null("org_id"))
        // State
        .col(string_len("state", 20).default("active"))
        .col(timestamp_now("started_at"))
        .col(timestamp_with_time_zone_null("ended_at"))
        // Metrics
        .col(integer("interaction_count").default(0))
        .col(integer("total_cost_cents").default(0))
        .col(big_integer("total_cost_usd_micros").default(0))
        .col(integer_null("duration_ms"))
        // Metadata
        .col(string_len_null("session_type", 50).default("chat"))
        .col(json_object("metadata"))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "sessions",
            "user_id",
            "users",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "sessions",
            "org_id",
            "organizations",
            ForeignKeyAction::SetNull,
        ))
        .take()
}

fn interactions() -> TableCreateStatement {
    Table::create()
        .table("interactions")
        .col(id())
        .col(uuid("session_id"))
        .col(uuid_null("org_id"))
        .col(uuid_null("user_id"))
        // Identity
        .col(string_len("role", 20))
        .col(string_len_null("message_id", 100))
        // Content
        .col(string_len("input_type", 20).default("text"))
        .col(text_null("content"))
        .col(text_null("transcript"))
        // Audio
        .col(text_null("audio_url"))
        .col(integer_null("audio_duration_ms"))
        // Provider call references (no foreign keys, as in the specification)
        .col(uuid_null("llm_provider_call_id"))
        .col(uuid_null("stt_provider_call_id"))
        .col(uuid_null("tts_provider_call_id"))
        // Ordering
        .col(integer("sequence_number"))
        .col(json_object("metadata"))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "interactions",
            "session_id",
            "sessions",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "interactions",
            "org_id",
            "organizations",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "interactions",
            "user_id",
            "users",
            ForeignKeyAction::SetNull,
        ))
        .index(&mut unique(
            "interactions_session_sequence_unique",
            &["session_id", "sequence_number"],
        ))
        .take()
}

fn session_summaries() -> TableCreateStatement {
    Table::create()
        .table("session_summaries")
        .col(id())
        .col(uuid("session_id"))
        .col(integer("version"))
        .col(text("summary_text"))
        .col(integer("cutoff_sequence"))
        .col(integer_null("token_count"))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "session_summaries",
            "session_id",
            "sessions",
            ForeignKeyAction::Cascade,
        ))
        .index(&mut unique(
            "session_summary_version_unique",
            &["session_id", "version"],
        ))
        .take()
}

fn summary_states() -> TableCreateStatement {
    Table::create()
        .table("summary_states")
        .col(id())
        .col(uuid_uniq("session_id"))
        .col(integer("turns_since_summary").default(0))
        .col(integer("last_cutoff_sequence").default(0))
        .col(timestamp_with_time_zone_null("last_summary_at"))
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "summary_states",
            "session_id",
            "sessions",
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn interaction_embeddings() -> TableCreateStatement {
    Table::create()
        .table("interaction_embeddings")
        .col(id())
        .col(uuid_uniq("interaction_id"))
        .col(uuid("session_id"))
        // Little-endian f32 values, `dimensions` of them.
        .col(blob("embedding"))
        .col(integer("dimensions"))
        .col(string_len("model_id", 100))
        .col(created_at())
        .foreign_key(&mut foreign_key(
            "interaction_embeddings",
            "interaction_id",
            "interactions",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "interaction_embeddings",
            "session_id",
            "sessions",
            ForeignKeyAction::Cascade,
        ))
        .take()
}
