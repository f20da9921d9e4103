//! The `interaction_embeddings` table: an interaction's embedding: little-endian `f32` bytes with
//! their model (§3.2, without pgvector).

use sea_orm::entity::prelude::*;

/// A row of `interaction_embeddings`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "interaction_embeddings")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The interaction (one embedding each).
    #[sea_orm(unique)]
    pub interaction_id: Uuid,
    /// The session (for per-session search).
    pub session_id: Uuid,
    /// The organization (every read filters on it).
    pub org_id: Option<Uuid>,
    /// SHA-256 (hex) of the text embedded.
    pub content_hash: Option<String>,
    /// `dimensions` little-endian `f32` values.
    #[sea_orm(column_type = "Blob")]
    pub embedding: Vec<u8>,
    /// Number of values in `embedding`.
    pub dimensions: i32,
    /// The embedding model; only embeddings of one model are comparable.
    pub model_id: String,
    /// When the vector was written.
    pub created_at: DateTimeUtc,
    /// The row `interaction_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "interaction_id", to = "id", on_delete = "Cascade")]
    pub interaction: BelongsTo<super::interactions::Entity>,
    /// The row `session_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "session_id", to = "id", on_delete = "Cascade")]
    pub session: BelongsTo<super::sessions::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
