//! The migrations: every table, column and index exists and matches the entities; migrating
//! twice applies nothing; rolling back everything and migrating again works.

use hellosales_store::Store;
use hellosales_store::entities::*;

use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, IdenStatic, Iterable, Statement};
use std::collections::BTreeSet;

/// The migrations, in order.
const MIGRATIONS: [&str; 9] = [
    "m20261122_000001_identity",
    "m20261122_000002_sessions",
    "m20261122_000003_observability",
    "m20261122_000004_content",
    "m20261201_000005_content_safety",
    "m20261201_000006_provider_call_metrics",
    "m20261201_000007_pulse_run_index",
    "m20261201_000008_dead_letter_index",
    "m20261201_000009_semantic_index",
];

/// Every index created with CREATE INDEX (unique constraints declared in CREATE TABLE are
/// exercised by the behaviour tests instead: SQLite does not keep their names).
const INDEXES: &[(&str, &str)] = &[
    (
        "organization_memberships",
        "idx_org_memberships_organization_id",
    ),
    ("company_profiles", "idx_company_profiles_org_id"),
    ("sessions", "idx_sessions_user_id"),
    ("sessions", "idx_sessions_org_id"),
    ("sessions", "idx_sessions_state"),
    ("sessions", "idx_sessions_created_at"),
    ("interactions", "idx_interactions_session_id"),
    ("interactions", "idx_interactions_session_seq"),
    ("interactions", "idx_interactions_created_at"),
    ("interactions", "idx_interactions_org_id"),
    ("interactions", "uq_interactions_session_role_message"),
    ("session_summaries", "idx_session_summaries_session_id"),
    (
        "interaction_embeddings",
        "idx_interaction_embeddings_session_id",
    ),
    ("provider_calls", "idx_provider_calls_request_id"),
    ("provider_calls", "idx_provider_calls_pipeline_run_id"),
    ("provider_calls", "idx_provider_calls_session_id"),
    ("provider_calls", "idx_provider_calls_user_id"),
    ("provider_calls", "idx_provider_calls_org_id"),
    ("provider_calls", "idx_provider_calls_provider"),
    ("provider_calls", "idx_provider_calls_created_at"),
    ("pipeline_runs", "idx_pipeline_runs_request_id"),
    ("pipeline_runs", "idx_pipeline_runs_session_id"),
    ("pipeline_runs", "idx_pipeline_runs_user_id"),
    ("pipeline_runs", "idx_pipeline_runs_org_id"),
    ("pipeline_runs", "idx_pipeline_runs_service"),
    ("pipeline_runs", "idx_pipeline_runs_success"),
    ("pipeline_runs", "idx_pipeline_runs_status"),
    ("pipeline_runs", "idx_pipeline_runs_created_at"),
    ("pipeline_events", "idx_pipeline_events_run_id"),
    ("pipeline_events", "idx_pipeline_events_type"),
    ("pipeline_events", "idx_pipeline_events_occurred_at"),
    ("dead_letter_queue", "idx_dlq_status"),
    ("dead_letter_queue", "idx_dlq_error_type"),
    ("dead_letter_queue", "idx_dlq_created_at"),
    ("products", "idx_products_org_id"),
    ("products", "idx_products_active"),
    ("clients", "idx_clients_org_id"),
    ("clients", "idx_clients_active"),
    ("sales_scripts", "idx_sales_scripts_org_id"),
    ("sales_scripts", "idx_sales_scripts_product_id"),
    ("sales_scripts", "idx_sales_scripts_client_id"),
    ("sales_scripts", "idx_sales_scripts_type"),
    ("sales_emails", "idx_sales_emails_org_id"),
    ("sales_emails", "idx_sales_emails_product_id"),
    ("sales_emails", "idx_sales_emails_client_id"),
    ("sales_emails", "idx_sales_emails_type"),
    ("sales_scripts", "uq_sales_scripts_parent"),
    ("sales_emails", "uq_sales_emails_parent"),
    ("products", "idx_products_org_created"),
    ("clients", "idx_clients_org_created"),
    ("sales_scripts", "idx_sales_scripts_org_created"),
    ("sales_emails", "idx_sales_emails_org_created"),
    ("idempotency_keys", "idx_idempotency_keys_expires_at"),
    ("provider_calls", "idx_provider_calls_org_started"),
    ("pipeline_runs", "idx_pipeline_runs_org_started"),
    ("dead_letter_queue", "idx_dlq_due"),
    ("dead_letter_queue", "idx_dlq_org_created"),
    ("content_embeddings", "uq_content_embeddings_item_model"),
    ("content_embeddings", "idx_content_embeddings_org_kind"),
    (
        "interaction_embeddings",
        "idx_interaction_embeddings_org_id",
    ),
];

/// (table, entity columns) for every entity.
fn entity_tables() -> Vec<(&'static str, BTreeSet<String>)> {
    fn columns<E: EntityTrait + Default>() -> (&'static str, BTreeSet<String>) {
        let names = E::Column::iter().map(|c| c.as_str().to_owned()).collect();
        (E::default().table_name(), names)
    }
    vec![
        columns::<users::Entity>(),
        columns::<organizations::Entity>(),
        columns::<organization_memberships::Entity>(),
        columns::<company_profiles::Entity>(),
        columns::<content_embeddings::Entity>(),
        columns::<sessions::Entity>(),
        columns::<interactions::Entity>(),
        columns::<session_summaries::Entity>(),
        columns::<summary_states::Entity>(),
        columns::<interaction_embeddings::Entity>(),
        columns::<provider_calls::Entity>(),
        columns::<pipeline_runs::Entity>(),
        columns::<pipeline_events::Entity>(),
        columns::<dead_letter_queue::Entity>(),
        columns::<products::Entity>(),
        columns::<clients::Entity>(),
        columns::<sales_scripts::Entity>(),
        columns::<sales_emails::Entity>(),
        columns::<idempotency_keys::Entity>(),
    ]
}

async fn strings(store: &Store, sql: &str, value: &str) -> BTreeSet<String> {
    let backend = store.backend();
    let statement = Statement::from_sql_and_values(backend, sql, [value.into()]);
    store
        .connection()
        .query_all_raw(statement)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get_by_index::<String>(0).unwrap())
        .collect()
}

async fn database_columns(store: &Store, table: &str) -> BTreeSet<String> {
    let sql = match store.backend() {
        DatabaseBackend::Postgres => {
            "SELECT column_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1"
        }
        _ => "SELECT name FROM pragma_table_info(?)",
    };
    strings(store, sql, table).await
}

async fn database_indexes(store: &Store, table: &str) -> BTreeSet<String> {
    let sql = match store.backend() {
        DatabaseBackend::Postgres => {
            "SELECT indexname::text FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = $1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
    };
    strings(store, sql, table).await
}

async fn database_tables(store: &Store) -> BTreeSet<String> {
    let sql = match store.backend() {
        DatabaseBackend::Postgres => {
            "SELECT table_name::text FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = $1"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'sqlite_%'",
    };
    let kind = match store.backend() {
        DatabaseBackend::Postgres => "BASE TABLE",
        _ => "table",
    };
    strings(store, sql, kind).await
}

pub async fn migrations_create_every_table_column_and_index(store: &Store) {
    let backend = store.backend();
    let tables = database_tables(store).await;
    let expected: BTreeSet<String> = entity_tables()
        .iter()
        .map(|(table, _)| (*table).to_owned())
        .chain(["seaql_migrations".to_owned()])
        .collect();
    assert_eq!(tables, expected, "{backend:?}: tables");
    assert_eq!(expected.len(), 20);

    for (table, columns) in entity_tables() {
        assert_eq!(
            database_columns(store, table).await,
            columns,
            "{backend:?}: columns of {table} differ between migration and entity"
        );
    }

    // The deliberate additions to the specification.
    for (table, column) in [
        ("sessions", "total_cost_usd_micros"),
        ("provider_calls", "cost_usd_micros"),
        ("provider_calls", "ttft_ms"),
        ("provider_calls", "tokens_estimated"),
        ("provider_calls", "priced"),
        ("provider_calls", "finish_reason"),
        ("provider_calls", "response_model"),
        ("pipeline_runs", "total_cost_usd_micros"),
        ("pipeline_runs", "pipeline_name"),
        ("pipeline_runs", "status"),
        ("pipeline_runs", "topology"),
        ("interaction_embeddings", "embedding"),
        ("interaction_embeddings", "dimensions"),
        ("interaction_embeddings", "model_id"),
        ("interaction_embeddings", "org_id"),
        ("interaction_embeddings", "content_hash"),
        ("interactions", "org_id"),
        ("interactions", "user_id"),
        ("interactions", "metadata"),
    ] {
        assert!(
            database_columns(store, table).await.contains(column),
            "{backend:?}: {table}.{column} is missing"
        );
    }

    for (table, index) in INDEXES {
        assert!(
            database_indexes(store, table).await.contains(*index),
            "{backend:?}: index {index} on {table} is missing"
        );
    }

    assert!(store.migrate().await.unwrap().is_empty(), "{backend:?}");
    assert!(store.pending_migrations().await.unwrap().is_empty());
}

pub async fn migrations_roll_back_and_apply_again(store: &Store) {
    let backend = store.backend();
    let mut newest_first = MIGRATIONS.to_vec();
    newest_first.reverse();

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[8]]);
    assert!(!database_tables(store).await.contains("content_embeddings"));
    let columns = database_columns(store, "interaction_embeddings").await;
    assert!(!columns.contains("org_id") && !columns.contains("content_hash"));
    assert!(columns.contains("model_id"), "{backend:?}");

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[7]]);
    let dlq = database_indexes(store, "dead_letter_queue").await;
    assert!(!dlq.contains("idx_dlq_due") && !dlq.contains("idx_dlq_org_created"));
    assert!(dlq.contains("idx_dlq_status"), "{backend:?}");

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[6]]);
    assert!(
        !database_indexes(store, "pipeline_runs")
            .await
            .contains("idx_pipeline_runs_org_started")
    );

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[5]]);
    let columns = database_columns(store, "provider_calls").await;
    assert!(columns.contains("cost_usd_micros"), "{backend:?}");
    for column in [
        "ttft_ms",
        "tokens_estimated",
        "priced",
        "finish_reason",
        "response_model",
    ] {
        assert!(
            !columns.contains(column),
            "{backend:?}: {column} left after down"
        );
    }
    assert!(
        !database_indexes(store, "provider_calls")
            .await
            .contains("idx_provider_calls_org_started")
    );

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[4]]);
    assert!(!database_tables(store).await.contains("idempotency_keys"));
    assert!(
        !database_indexes(store, "sales_scripts")
            .await
            .contains("uq_sales_scripts_parent")
    );
    assert!(database_tables(store).await.contains("products"));

    assert_eq!(store.migrate_down(Some(1)).await.unwrap(), [MIGRATIONS[3]]);
    assert!(!database_tables(store).await.contains("products"));
    assert!(database_tables(store).await.contains("pipeline_runs"));

    assert_eq!(store.migrate_down(None).await.unwrap(), newest_first[6..]);
    let left: Vec<String> = database_tables(store).await.into_iter().collect();
    assert_eq!(
        left,
        ["seaql_migrations"],
        "{backend:?}: tables left after down"
    );
    assert_eq!(store.pending_migrations().await.unwrap(), MIGRATIONS);

    assert_eq!(store.migrate().await.unwrap(), MIGRATIONS);
    assert_eq!(database_tables(store).await.len(), 20, "{backend:?}");
    assert!(store.pending_migrations().await.unwrap().is_empty());
}
