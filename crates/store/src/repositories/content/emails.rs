//! How `sales_emails` rows map to [`SalesEmail`]s.

use super::json::{from_json, to_json};
use super::table::{ContentEntity, ContentTable, VersionFilter, VersionedEntity};
use crate::entities::sales_emails::{ActiveModel, Column, Entity, Model};
use hellosales_domain::content::{EmailFields, EmailFilter, Generation, SalesEmail};
use hellosales_domain::{AppError, AppResult, ClientId, EmailId, OrgId, ProductId};
use sea_orm::ActiveValue::Set;
use sea_orm::Select;
use uuid::Uuid;

impl ContentEntity for Entity {
    type Record = SalesEmail;
    const ID: Column = Column::Id;
    const ORG: Column = Column::OrgId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;
    const SEARCH: &'static [Column] = &[
        Column::Name,
        Column::Description,
        Column::Subject,
        Column::Body,
    ];

    fn sort_column(field: &str) -> Column {
        match field {
            "name" => Column::Name,
            "version" => Column::Version,
            "updated_at" => Column::UpdatedAt,
            _ => Column::CreatedAt,
        }
    }

    fn filter(select: Select<Self>, filter: &EmailFilter) -> Select<Self> {
        ContentTable::<Self>::filter_versions(
            select,
            VersionFilter {
                is_active: filter.is_active,
                product_id: filter.product_id.map(|id| id.as_uuid()),
                client_id: filter.client_id.map(|id| id.as_uuid()),
                kind: filter
                    .email_type
                    .map(|kind| (Column::EmailType, kind.as_str())),
                latest_only: filter.latest_only == Some(true),
            },
        )
    }

    fn record(row: Model) -> AppResult<SalesEmail> {
        let email_type = row.email_type.parse().map_err(|e| {
            AppError::internal(format!("sales_emails.email_type of {}: {e}", row.id))
        })?;
        Ok(SalesEmail {
            id: EmailId(row.id),
            org_id: OrgId(row.org_id),
            fields: EmailFields {
                product_id: row.product_id.map(ProductId),
                client_id: row.client_id.map(ClientId),
                name: row.name,
                description: row.description,
                email_type,
                subject: row.subject,
                body: row.body,
                call_to_action: row.call_to_action,
                personalization_fields: from_json(
                    row.personalization_fields,
                    "sales_emails.personalization_fields",
                )?,
            },
            generation: Generation {
                generated_by_session_id: row.generated_by_session_id,
                generation_prompt: row.generation_prompt,
                model_id: row.model_id,
            },
            version: row.version,
            parent_email_id: row.parent_email_id.map(EmailId),
            is_active: row.is_active,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    fn uuid(id: EmailId) -> Uuid {
        id.as_uuid()
    }
}

impl VersionedEntity for Entity {
    const PARENT: Column = Column::ParentEmailId;
    const PRODUCT: Column = Column::ProductId;
    const CLIENT: Column = Column::ClientId;
    const VERSION: Column = Column::Version;
    const ACTIVE: Column = Column::IsActive;

    fn write(fields: &EmailFields, generation: &Generation, row: &mut ActiveModel) {
        row.product_id = Set(fields.product_id.map(|id| id.as_uuid()));
        row.client_id = Set(fields.client_id.map(|id| id.as_uuid()));
        row.name = Set(fields.name.clone());
        row.description = Set(fields.description.clone());
        row.email_type = Set(fields.email_type.as_str().to_owned());
        row.subject = Set(fields.subject.clone());
        row.body = Set(fields.body.clone());
        row.call_to_action = Set(fields.call_to_action.clone());
        row.personalization_fields = Set(Some(to_json(&fields.personalization_fields)));
        row.generated_by_session_id = Set(generation.generated_by_session_id);
        row.generation_prompt = Set(generation.generation_prompt.clone());
        row.model_id = Set(generation.model_id.clone());
    }

    fn parent(record: &SalesEmail) -> Option<Uuid> {
        record.parent_email_id.map(|id| id.as_uuid())
    }
}
