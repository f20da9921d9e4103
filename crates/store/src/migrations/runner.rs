//! Applying and rolling back [`Migrator`]'s migrations, reporting which ones ran.
//!
//! On PostgreSQL the whole run happens in one transaction holding a transaction-scoped
//! advisory lock: instances that start together wait for each other, and the second finds
//! nothing pending (PostgreSQL DDL is transactional, so a failed run leaves nothing behind).
//! On SQLite each migration runs in its own transaction; SQLite is a single-instance store.

use super::Migrator;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, TransactionTrait};
use sea_orm_migration::MigratorTrait;

/// The advisory-lock key that serialises migration runs ("HSMIGRAT").
const MIGRATION_LOCK_KEY: i64 = 0x4853_4d49_4752_4154;

/// Applies every pending migration; returns their names, in the order applied.
pub(crate) async fn apply(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let txn = db.begin().await?;
        lock(&txn).await?;
        let names = names(Migrator::get_pending_migrations(&txn).await?);
        Migrator::up(&txn, None).await?;
        txn.commit().await?;
        Ok(names)
    } else {
        let names = names(Migrator::get_pending_migrations(db).await?);
        Migrator::up(db, None).await?;
        Ok(names)
    }
}

/// Rolls back the last `steps` applied migrations (all of them for `None`); returns their
/// names, in the order rolled back.
pub(crate) async fn rollback(
    db: &DatabaseConnection,
    steps: Option<u32>,
) -> Result<Vec<String>, DbErr> {
    if db.get_database_backend() == DatabaseBackend::Postgres {
        let txn = db.begin().await?;
        lock(&txn).await?;
        let names = last(names(Migrator::get_applied_migrations(&txn).await?), steps);
        Migrator::down(&txn, steps).await?;
        txn.commit().await?;
        Ok(names)
    } else {
        let names = last(names(Migrator::get_applied_migrations(db).await?), steps);
        Migrator::down(db, steps).await?;
        Ok(names)
    }
}

/// The names of the migrations not yet applied, without creating anything.
pub(crate) async fn pending(db: &DatabaseConnection) -> Result<Vec<String>, DbErr> {
    Ok(names(Migrator::get_pending_migrations_read_only(db).await?))
}

async fn lock(txn: &impl ConnectionTrait) -> Result<(), DbErr> {
    txn.execute_unprepared(&format!(
        "SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})"
    ))
    .await
    .map(drop)
}

fn names(migrations: Vec<sea_orm_migration::Migration>) -> Vec<String> {
    migrations.iter().map(|m| m.name().to_owned()).collect()
}

/// The last `steps` names, newest first (the order `down` runs them in).
fn last(mut applied: Vec<String>, steps: Option<u32>) -> Vec<String> {
    applied.reverse();
    if let Some(steps) = steps {
        applied.truncate(usize::try_from(steps).unwrap_or(usize::MAX));
    }
    applied
}
