//! Content (specification §3.4): `products`, `clients`, `sales_scripts`, `sales_emails`.
//! Exactly as specified.

use super::schema::{
    create_all, created_at, drop_all, foreign_key, id, index, json_array, json_object, updated_at,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    boolean, integer, string_len, string_len_null, text, text_null, uuid, uuid_null,
};

/// Creates the content tables.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![products(), clients(), sales_scripts(), sales_emails()],
            vec![
                index("idx_products_org_id", "products", &["org_id"]),
                index("idx_products_active", "products", &["org_id", "is_active"]),
                index("idx_clients_org_id", "clients", &["org_id"]),
                index("idx_clients_active", "clients", &["org_id", "is_active"]),
                index("idx_sales_scripts_org_id", "sales_scripts", &["org_id"]),
                index(
                    "idx_sales_scripts_product_id",
                    "sales_scripts",
                    &["product_id"],
                ),
                index(
                    "idx_sales_scripts_client_id",
                    "sales_scripts",
                    &["client_id"],
                ),
                index(
                    "idx_sales_scripts_type",
                    "sales_scripts",
                    &["org_id", "script_type"],
                ),
                index("idx_sales_emails_org_id", "sales_emails", &["org_id"]),
                index(
                    "idx_sales_emails_product_id",
                    "sales_emails",
                    &["product_id"],
                ),
                index("idx_sales_emails_client_id", "sales_emails", &["client_id"]),
                index(
                    "idx_sales_emails_type",
                    "sales_emails",
                    &["org_id", "email_type"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &["sales_emails", "sales_scripts", "clients", "products"],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn products() -> TableCreateStatement {
    Table::create()
        .table("products")
        .col(id())
        .col(uuid("org_id"))
        .col(string_len("name", 255))
        .col(text_null("description"))
        .col(string_len_null("category", 100))
        // Product details for AI context
        .col(json_array("key_features"))
        .col(json_object("pricing_info"))
        .col(text_null("target_audience"))
        .col(text_null("competitive_advantages"))
        .col(json_array("use_cases"))
        .col(boolean("is_active").default(true))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "products",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn clients() -> TableCreateStatement {
    Table::create()
        .table("clients")
        .col(id())
        .col(uuid("org_id"))
        .col(string_len("name", 255))
        .col(string_len_null("company", 255))
        .col(string_len_null("title", 255))
        .col(string_len_null("industry", 100))
        .col(string_len_null("email", 255))
        // Client profile for AI context
        .col(json_array("pain_points"))
        .col(json_array("goals"))
        .col(json_array("objection_patterns"))
        .col(text_null("communication_style"))
        .col(json_array("decision_criteria"))
        .col(boolean("is_active").default(true))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "clients",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .take()
}

fn sales_scripts() -> TableCreateStatement {
    Table::create()
        .table("sales_scripts")
        .col(id())
        .col(uuid("org_id"))
        // Associations (any combination)
        .col(uuid_null("product_id"))
        .col(uuid_null("client_id"))
        // Script metadata
        .col(string_len("name", 255))
        .col(text_null("description"))
        .col(string_len("script_type", 50).default("general"))
        // Script content
        .col(text("content"))
        .col(json_array("key_talking_points"))
        .col(json_object("objection_handlers"))
        .col(json_array("discovery_questions"))
        .col(json_array("closing_techniques"))
        // Generation metadata
        .col(uuid_null("generated_by_session_id"))
        .col(text_null("generation_prompt"))
        .col(string_len_null("model_id", 100))
        // Versioning
        .col(integer("version").default(1))
        .col(uuid_null("parent_script_id"))
        .col(boolean("is_active").default(true))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "sales_scripts",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "sales_scripts",
            "product_id",
            "products",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_scripts",
            "client_id",
            "clients",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_scripts",
            "generated_by_session_id",
            "sessions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_scripts",
            "parent_script_id",
            "sales_scripts",
            ForeignKeyAction::SetNull,
        ))
        .take()
}

fn sales_emails() -> TableCreateStatement {
    Table::create()
        .table("sales_emails")
        .col(id())
        .col(uuid("org_id"))
        // Associations (any combination)
        .col(uuid_null("product_id"))
        .col(uuid_null("client_id"))
        // Email metadata
        .col(string_len("name", 255))
        .col(text_null("description"))
        .col(string_len("email_type", 50).default("general"))
        // Email content
        .col(text("subject"))
        .col(text("body"))
        .col(text_null("call_to_action"))
        // Personalisation hints
        .col(json_array("personalization_fields"))
        // Generation metadata
        .col(uuid_null("generated_by_session_id"))
        .col(text_null("generation_prompt"))
        .col(string_len_null("model_id", 100))
        // Versioning
        .col(integer("version").default(1))
        .col(uuid_null("parent_email_id"))
        .col(boolean("is_active").default(true))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "sales_emails",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "sales_emails",
            "product_id",
            "products",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_emails",
            "client_id",
            "clients",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_emails",
            "generated_by_session_id",
            "sessions",
            ForeignKeyAction::SetNull,
        ))
        .foreign_key(&mut foreign_key(
            "sales_emails",
            "parent_email_id",
            "sales_emails",
            ForeignKeyAction::SetNull,
        ))
        .take()
}
