//! The `content_embeddings` table: the vector of a product, client, script or email for one
//! embedding model: little-endian `f32` bytes, the hash of the embedded text and the item's
//! `updated_at` when it was read.

use sea_orm::entity::prelude::*;

/// A row of `content_embeddings`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "content_embeddings")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization of the item.
    pub org_id: Uuid,
    /// `product`, `client`, `script` or `email`.
    pub kind: String,
    /// The item (a row of the kind's table; no foreign key).
    pub item_id: Uuid,
    /// SHA-256 (hex) of the text embedded.
    pub content_hash: String,
    /// The item's `updated_at` when its text was read.
    pub source_updated_at: DateTimeUtc,
    /// `dimensions` little-endian `f32` values.
    #[sea_orm(column_type = "Blob")]
    pub embedding: Vec<u8>,
    /// Number of values in `embedding`.
    pub dimensions: i32,
    /// The embedding model; only embeddings of one model are comparable.
    pub model_id: String,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the vector was last written or confirmed.
    pub updated_at: DateTimeUtc,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "Cascade")]
    pub organization: BelongsTo<super::organizations::Entity>,
}

impl ActiveModelBehavior for ActiveModel {}
