//! How `sales_scripts` rows map to [`SalesScript`]s.

use super::json::{from_json, to_json};
use super::table::{ContentEntity, ContentTable, VersionFilter, VersionedEntity};
use crate::entities::sales_scripts::{ActiveModel, Column, Entity, Model};
use hellosales_domain::content::{Generation, SalesScript, ScriptFields, ScriptFilter};
use hellosales_domain::{AppError, AppResult, ClientId, OrgId, ProductId, ScriptId};
use sea_orm::ActiveValue::Set;
use sea_orm::Select;
use uuid::Uuid;

impl ContentEntity for Entity {
    type Record = SalesScript;
    const ID: Column = Column::Id;
    const ORG: Column = Column::OrgId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;
    const SEARCH: &'static [Column] = &[Column::Name, Column::Description, Column::Content];

    fn sort_column(field: &str) -> Column {
        match field {
            "name" => Column::Name,
            "version" => Column::Version,
            "updated_at" => Column::UpdatedAt,
            _ => Column::CreatedAt,
        }
    }

    fn filter(select: Select<Self>, filter: &ScriptFilter) -> Select<Self> {
        ContentTable::<Self>::filter_versions(
            select,
            VersionFilter {
                is_active: filter.is_active,
                product_id: filter.product_id.map(|id| id.as_uuid()),
                client_id: filter.client_id.map(|id| id.as_uuid()),
                kind: filter
                    .script_type
                    .map(|kind| (Column::ScriptType, kind.as_str())),
                latest_only: filter.latest_only == Some(true),
            },
        )
    }

    fn record(row: Model) -> AppResult<SalesScript> {
        let script_type = row.script_type.parse().map_err(|e| {
            AppError::internal(format!("sales_scripts.script_type of {}: {e}", row.id))
        })?;
        Ok(SalesScript {
            id: ScriptId(row.id),
            org_id: OrgId(row.org_id),
            fields: ScriptFields {
                product_id: row.product_id.map(ProductId),
                client_id: row.client_id.map(ClientId),
                name: row.name,
                description: row.description,
                script_type,
                content: row.content,
                key_talking_points: from_json(
                    row.key_talking_points,
                    "sales_scripts.key_talking_points",
                )?,
                objection_handlers: from_json(
                    row.objection_handlers,
                    "sales_scripts.objection_handlers",
                )?,
                discovery_questions: from_json(
                    row.discovery_questions,
                    "sales_scripts.discovery_questions",
                )?,
                closing_techniques: from_json(
                    row.closing_techniques,
                    "sales_scripts.closing_techniques",
                )?,
            },
            generation: Generation {
                generated_by_session_id: row.generated_by_session_id,
                generation_prompt: row.generation_prompt,
                model_id: row.model_id,
            },
            version: row.version,
            parent_script_id: row.parent_script_id.map(ScriptId),
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    fn uuid(id: ScriptId) -> Uuid {
        id.as_uuid()
    }
}

impl VersionedEntity for Entity {
    const PARENT: Column = Column::ParentScriptId;
    const PRODUCT: Column = Column::ProductId;
    const CLIENT: Column = Column::ClientId;
    const VERSION: Column = Column::Version;
    const ACTIVE: Column = Column::IsActive;

    fn write(fields: &ScriptFields, generation: &Generation, row: &mut ActiveModel) {
        row.product_id = Set(fields.product_id.map(|id| id.as_uuid()));
        row.client_id = Set(fields.client_id.map(|id| id.as_uuid()));
        row.name = Set(fields.name.clone());
        row.description = Set(fields.description.clone());
        row.script_type = Set(fields.script_type.as_str().to_owned());
        row.content = Set(fields.content.clone());
        row.key_talking_points = Set(Some(to_json(&fields.key_talking_points)));
        row.objection_handlers = Set(Some(to_json(&fields.objection_handlers)));
        row.discovery_questions = Set(Some(to_json(&fields.discovery_questions)));
        row.closing_techniques = Set(Some(to_json(&fields.closing_techniques)));
        row.generated_by_session_id = Set(generation.generated_by_session_id);
        row.generation_prompt = Set(generation.generation_prompt.clone());
        row.model_id = Set(generation.model_id.clone());
    }

    fn parent(record: &SalesScript) -> Option<Uuid> {
        record.parent_script_id.map(|id| id.as_uuid())
    }
}
