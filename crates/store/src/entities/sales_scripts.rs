//! The `sales_scripts` table: a sales call script; every generation or edit is a new version
//! (§3.4).

use sea_orm::entity::prelude::*;

/// A row of `sales_scripts`.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "sales_scripts")]
pub struct Model {
    /// Our id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The organization.
    pub org_id: Uuid,
    /// The product it sells.
    pub product_id: Option<Uuid>,
    /// The client it addresses.
    pub client_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Description.
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    /// `cold_call`, `follow_up`, `demo`, `closing`, `general`.
    pub script_type: String,
    /// The script.
    #[sea_orm(column_type = "Text")]
    pub content: String,
    /// Key talking points (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub key_talking_points: Option<Json>,
    /// Objection handlers (object).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub objection_handlers: Option<Json>,
    /// Discovery questions (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub discovery_questions: Option<Json>,
    /// Closing techniques (array).
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub closing_techniques: Option<Json>,
    /// The generation session.
    pub generated_by_session_id: Option<Uuid>,
    /// The prompt used.
    #[sea_orm(column_type = "Text", nullable)]
    pub generation_prompt: Option<String>,
    /// The model used.
    pub model_id: Option<String>,
    /// Version number, from 1.
    pub version: i32,
    /// The version this one derives from.
    pub parent_script_id: Option<Uuid>,
    /// False once archived.
    pub is_active: bool,
    /// When the row was created.
    pub created_at: DateTimeUtc,
    /// When the row was last changed.
    pub updated_at: DateTimeUtc,
    /// The row `org_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "org_id", to = "id", on_delete = "Cascade")]
    pub organization: BelongsTo<super::organizations::Entity>,
    /// The row `product_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "product_id", to = "id", on_delete = "SetNull")]
    pub product: BelongsTo<Option<super::products::Entity>>,
    /// The row `client_id` refers to (loaded on demand).
    #[sea_orm(belongs_to, from = "client_id", to = "id", on_delete = "SetNull")]
    pub client: BelongsTo<Option<super::clients::Entity>>,
    /// The row `generated_by_session_id` refers to (loaded on demand).
    #[sea_orm(
        belongs_to,
        from = "generated_by_session_id",
        to = "id",
        on_delete = "SetNull"
    )]
    pub generated_by_session: BelongsTo<Option<super::sessions::Entity>>,
    /// The row `parent_script_id` refers to (loaded on demand).
    #[sea_orm(
        self_ref,
        relation_enum = "ParentScript",
        from = "ParentScriptId",
        to = "Id",
        on_delete = "SetNull"
    )]
    pub parent_script: BelongsTo<Option<Entity>>,
}

impl ActiveModelBehavior for ActiveModel {}
