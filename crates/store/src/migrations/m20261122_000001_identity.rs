//! Identity (specification §3.1): `users`, `organizations`, `organization_memberships`,
//! `company_profiles`. Adds an index on `organization_memberships(organization_id)`, which the
//! cascade from `organizations` and "members of an org" queries need (the unique
//! `(user_id, organization_id)` only serves lookups by user).

use super::schema::{
    create_all, created_at, drop_all, foreign_key, id, index, json_array, json_object, unique,
    updated_at,
};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    integer_null, string_len, string_len_null, string_len_uniq, text_null, uuid, uuid_uniq,
};

/// Creates the identity tables.
#[derive(DeriveMigrationName)]
pub(super) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_all(
            manager,
            vec![users(), organizations(), memberships(), company_profiles()],
            vec![
                index(
                    "idx_org_memberships_organization_id",
                    "organization_memberships",
                    &["organization_id"],
                ),
                index(
                    "idx_company_profiles_org_id",
                    "company_profiles",
                    &["org_id"],
                ),
            ],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_all(
            manager,
            &[
                "company_profiles",
                "organization_memberships",
                "organizations",
                "users",
            ],
        )
        .await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

fn users() -> TableCreateStatement {
    Table::create()
        .table("users")
        .col(id())
        .col(string_len("auth_provider", 50).default("workos"))
        .col(string_len_uniq("auth_subject", 255))
        .col(string_len("email", 255))
        .col(string_len_null("display_name", 255))
        .col(text_null("avatar_url"))
        .col(created_at())
        .col(updated_at())
        .index(&mut unique(
            "users_auth_unique",
            &["auth_provider", "auth_subject"],
        ))
        .take()
}

fn organizations() -> TableCreateStatement {
    Table::create()
        .table("organizations")
        .col(id())
        .col(string_len_uniq("external_id", 255))
        .col(string_len("name", 255))
        .col(string_len_null("slug", 100))
        .col(json_object("settings"))
        .col(created_at())
        .col(updated_at())
        .take()
}

fn memberships() -> TableCreateStatement {
    Table::create()
        .table("organization_memberships")
        .col(id())
        .col(uuid("user_id"))
        .col(uuid("organization_id"))
        .col(string_len("role", 50).default("member"))
        .col(json_object("permissions"))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "organization_memberships",
            "user_id",
            "users",
            ForeignKeyAction::Cascade,
        ))
        .foreign_key(&mut foreign_key(
            "organization_memberships",
            "organization_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .index(&mut unique(
            "org_membership_unique",
            &["user_id", "organization_id"],
        ))
        .take()
}

fn company_profiles() -> TableCreateStatement {
    Table::create()
        .table("company_profiles")
        .col(id())
        .col(uuid_uniq("org_id"))
        // Company basics
        .col(string_len_null("industry", 100))
        .col(string_len_null("company_size", 50))
        .col(string_len_null("headquarters_city", 100))
        .col(string_len_null("headquarters_country", 100))
        .col(text_null("website"))
        // Sales operations
        .col(integer_null("sales_team_size"))
        .col(integer_null("average_deal_size_usd"))
        .col(integer_null("sales_cycle_days"))
        .col(text_null("target_market"))
        .col(json_array("market_segments"))
        // Product/service context
        .col(json_array("primary_products"))
        .col(json_array("sales_regions"))
        .col(json_array("deal_types"))
        // Sales maturity and process
        .col(string_len_null("sales_methodology", 100))
        .col(string_len_null("sales_stage", 50))
        .col(json_object("typical_buying_cycle"))
        // Competitive context
        .col(json_array("main_competitors"))
        .col(json_array("competitive_advantages"))
        .col(json_array("unique_selling_points"))
        // Additional context
        .col(text_null("company_description"))
        .col(text_null("notes"))
        .col(created_at())
        .col(updated_at())
        .foreign_key(&mut foreign_key(
            "company_profiles",
            "org_id",
            "organizations",
            ForeignKeyAction::Cascade,
        ))
        .take()
}
