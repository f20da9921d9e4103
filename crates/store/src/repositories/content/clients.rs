//! How `clients` rows map to [`Client`]s.

use super::json::{from_json, to_json};
use super::table::{ContentEntity, EditableEntity};
use crate::entities::clients::{ActiveModel, Column, Entity, Model};
use hellosales_domain::content::{Client, ClientFields, ClientFilter};
use hellosales_domain::{AppResult, ClientId, OrgId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, QueryFilter, Select};
use uuid::Uuid;

impl ContentEntity for Entity {
    type Record = Client;
    const ID: Column = Column::Id;
    const ORG: Column = Column::OrgId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;
    const SEARCH: &'static [Column] = &[
        Column::Name,
        Column::Company,
        Column::Title,
        Column::Industry,
        Column::Email,
        Column::CommunicationStyle,
    ];

    fn sort_column(field: &str) -> Column {
        match field {
            "name" => Column::Name,
            "company" => Column::Company,
            "updated_at" => Column::UpdatedAt,
            _ => Column::CreatedAt,
        }
    }

    fn filter(mut select: Select<Self>, filter: &ClientFilter) -> Select<Self> {
        if let Some(active) = filter.is_active {
            select = select.filter(Column::IsActive.eq(active));
        }
        if let Some(industry) = &filter.industry {
            select = select.filter(Column::Industry.eq(industry.as_str()));
        }
        select
    }

    fn record(row: Model) -> AppResult<Client> {
        Ok(Client {
            id: ClientId(row.id),
            org_id: OrgId(row.org_id),
            fields: ClientFields {
                name: row.name,
                company: row.company,
                title: row.title,
                industry: row.industry,
                email: row.email,
                pain_points: from_json(row.pain_points, "clients.pain_points")?,
                goals: from_json(row.goals, "clients.goals")?,
                objection_patterns: from_json(
                    row.objection_patterns,
                    "clients.objection_patterns",
                )?,
                communication_style: row.communication_style,
                decision_criteria: from_json(row.decision_criteria, "clients.decision_criteria")?,
                is_active: row.is_active,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    fn uuid(id: ClientId) -> Uuid {
        id.as_uuid()
    }
}

impl EditableEntity for Entity {
    fn write(fields: &ClientFields, row: &mut ActiveModel) {
        row.name = Set(fields.name.clone());
        row.company = Set(fields.company.clone());
        row.title = Set(fields.title.clone());
        row.industry = Set(fields.industry.clone());
        row.email = Set(fields.email.clone());
        row.pain_points = Set(Some(to_json(&fields.pain_points)));
        row.goals = Set(Some(to_json(&fields.goals)));
        row.objection_patterns = Set(Some(to_json(&fields.objection_patterns)));
        row.communication_style = Set(fields.communication_style.clone());
        row.decision_criteria = Set(Some(to_json(&fields.decision_criteria)));
        row.is_active = Set(fields.is_active);
    }
}
