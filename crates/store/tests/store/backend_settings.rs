//! What `Store::connect` gives each backend: SQLite files, directories and pragmas, in-memory
//! SQLite, readiness pings.

use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{ExternalIdentity, Role};
use hellosales_store::testing::TestDatabase;
use hellosales_store::{DatabaseBackend, Migrator, Store, StoreOptions};
use sea_orm::{ConnectionTrait, Statement};
use sea_orm_migration::MigratorTrait;

fn dev_identity() -> ExternalIdentity {
    ExternalIdentity {
        auth_provider: "dev".to_owned(),
        subject: "dev-user".to_owned(),
        org_external_id: "org_dev".to_owned(),
        email: Some("dev@example.com".to_owned()),
        display_name: None,
        role: Role::Admin,
    }
}

async fn pragma<T: sea_orm::TryGetable>(store: &Store, name: &str) -> T {
    store
        .connection()
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            format!("PRAGMA {name}"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap()
}

#[tokio::test]
async fn sqlite_creates_the_file_and_its_directories_and_sets_the_pragmas() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data").join("nested").join("hellosales.db");
    let url = format!("sqlite://{}", path.display());
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    assert!(path.exists(), "the database file is created");
    assert_eq!(store.backend(), DatabaseBackend::Sqlite);
    assert_eq!(pragma::<String>(&store, "journal_mode").await, "wal");
    assert_eq!(pragma::<i32>(&store, "foreign_keys").await, 1);
    assert_eq!(pragma::<i32>(&store, "synchronous").await, 1, "NORMAL");
    assert_eq!(pragma::<i32>(&store, "busy_timeout").await, 5000);
    assert_eq!(store.migrate().await.unwrap().len(), migration_count());

    // How SeaORM (through sqlx) stores our types on SQLite, for whoever writes raw SQL:
    // UUIDs as 16-byte BLOBs, timestamps as RFC 3339 text, JSON as text.
    store
        .identities()
        .upsert_identity(&dev_identity())
        .await
        .unwrap();
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DatabaseBackend::Sqlite,
            "SELECT typeof(id), typeof(created_at), typeof(settings), created_at \
             FROM organizations",
        ))
        .await
        .unwrap()
        .unwrap();
    let types: (String, String, String, String) = (
        row.try_get_by_index(0).unwrap(),
        row.try_get_by_index(1).unwrap(),
        row.try_get_by_index(2).unwrap(),
        row.try_get_by_index(3).unwrap(),
    );
    assert_eq!((&*types.0, &*types.1, &*types.2), ("blob", "text", "text"));
    assert!(
        types.3.ends_with("+00:00") && types.3.contains('T'),
        "{}",
        types.3
    );
    store.close().await.unwrap();

    // Reopening finds the schema in place.
    let store = Store::connect(&url, StoreOptions::default()).await.unwrap();
    assert!(store.pending_migrations().await.unwrap().is_empty());
    store.close().await.unwrap();
}

#[tokio::test]
async fn in_memory_sqlite_keeps_one_database_for_the_whole_pool() {
    let store = Store::connect("sqlite::memory:", StoreOptions::default())
        .await
        .unwrap();
    assert_eq!(store.migrate().await.unwrap().len(), migration_count());
    let ids = store
        .identities()
        .upsert_identity(&dev_identity())
        .await
        .unwrap();
    let me = store
        .identities()
        .me(ids.user_id, ids.org_id)
        .await
        .unwrap();
    assert_eq!(me.user.email, "dev@example.com");
    assert!(store.pending_migrations().await.unwrap().is_empty());
}

#[tokio::test]
async fn every_backend_answers_pings_and_counts_pending_migrations() {
    for db in TestDatabase::from_env().await {
        let store = Store::connect(db.url(), StoreOptions::default())
            .await
            .unwrap();
        assert_eq!(store.backend(), db.backend());
        store.ping().await.unwrap();
        assert_eq!(
            store.pending_migrations().await.unwrap().len(),
            migration_count()
        );
        assert_eq!(store.migrate().await.unwrap().len(), migration_count());
        store.close().await.unwrap();
        db.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_migrations_apply_each_migration_once() {
    for db in TestDatabase::from_env().await {
        if db.backend() != DatabaseBackend::Postgres {
            db.cleanup().await;
            continue;
        }
        let stores = [
            Store::connect(db.url(), StoreOptions::default())
                .await
                .unwrap(),
            Store::connect(db.url(), StoreOptions::default())
                .await
                .unwrap(),
        ];
        let (a, b) = tokio::join!(stores[0].migrate(), stores[1].migrate());
        let mut applied = a.unwrap();
        applied.extend(b.unwrap());
        assert_eq!(
            applied.len(),
            migration_count(),
            "each migration ran exactly once: {applied:?}"
        );
        for store in &stores {
            store.close().await.unwrap();
        }
        db.cleanup().await;
    }
}

/// How many migrations the schema has.
fn migration_count() -> usize {
    Migrator::migrations().len()
}
