//! How `products` rows map to [`Product`]s.

use super::json::{from_json, to_json};
use super::table::{ContentEntity, EditableEntity};
use crate::entities::products::{ActiveModel, Column, Entity, Model};
use hellosales_domain::content::{Product, ProductFields, ProductFilter};
use hellosales_domain::{AppResult, OrgId, ProductId};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, QueryFilter, Select};
use uuid::Uuid;

impl ContentEntity for Entity {
    type Record = Product;
    const ID: Column = Column::Id;
    const ORG: Column = Column::OrgId;
    const CREATED_AT: Column = Column::CreatedAt;
    const UPDATED_AT: Column = Column::UpdatedAt;
    const SEARCH: &'static [Column] = &[
        Column::Name,
        Column::Description,
        Column::Category,
        Column::TargetAudience,
    ];

    fn sort_column(field: &str) -> Column {
        match field {
            "name" => Column::Name,
            "updated_at" => Column::UpdatedAt,
            _ => Column::CreatedAt,
        }
    }

    fn filter(mut select: Select<Self>, filter: &ProductFilter) -> Select<Self> {
        if let Some(active) = filter.is_active {
            select = select.filter(Column::IsActive.eq(active));
        }
        if let Some(category) = &filter.category {
            select = select.filter(Column::Category.eq(category.as_str()));
        }
        select
    }

    fn record(row: Model) -> AppResult<Product> {
        Ok(Product {
            id: ProductId(row.id),
            org_id: OrgId(row.org_id),
            fields: ProductFields {
                name: row.name,
                description: row.description,
                category: row.category,
                key_features: from_json(row.key_features, "products.key_features")?,
                pricing_info: from_json(row.pricing_info, "products.pricing_info")?,
                target_audience: row.target_audience,
                competitive_advantages: row.competitive_advantages,
                use_cases: from_json(row.use_cases, "products.use_cases")?,
                is_active: row.is_active,
            },
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }

    fn uuid(id: ProductId) -> Uuid {
        id.as_uuid()
    }
}

impl EditableEntity for Entity {
    fn write(fields: &ProductFields, row: &mut ActiveModel) {
        row.name = Set(fields.name.clone());
        row.description = Set(fields.description.clone());
        row.category = Set(fields.category.clone());
        row.key_features = Set(Some(to_json(&fields.key_features)));
        row.pricing_info = Set(Some(to_json(&fields.pricing_info)));
        row.target_audience = Set(fields.target_audience.clone());
        row.competitive_advantages = Set(fields.competitive_advantages.clone());
        row.use_cases = Set(Some(to_json(&fields.use_cases)));
        row.is_active = Set(fields.is_active);
    }
}
