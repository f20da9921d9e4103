//! How a pooled PostgreSQL connection goes back to the pool (the patched sqlx of
//! `vendor/README.md`): at once and untested when nothing is in flight on it, drained first when
//! a query was cut off or a transaction was dropped, and in every case the same server session
//! serves the next caller with nothing of the previous one left on the wire.

use hellosales_store::testing::TestDatabase;
use hellosales_store::{DatabaseBackend, Store, StoreOptions};
use sea_orm::sqlx::{self, PgPool, pool::PoolConnection, postgres::Postgres};
use std::time::Duration;

/// Runs `story` on a one-connection pool of a fresh PostgreSQL database. The patch concerns the
/// PostgreSQL driver only: SQLite databases of [`TestDatabase::from_env`] are passed over.
async fn on_postgres<F, Fut>(story: F)
where
    F: Fn(PgPool) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut ran = false;
    for db in TestDatabase::from_env().await {
        if db.backend() == DatabaseBackend::Postgres {
            let options = StoreOptions {
                max_connections: 1,
                min_connections: 0,
                ..StoreOptions::default()
            };
            let store = Store::connect(db.url(), options).await.unwrap();
            story(store.connection().get_postgres_connection_pool().clone()).await;
            store.close().await.unwrap();
            ran = true;
        }
        db.cleanup().await;
    }
    assert!(
        ran,
        "these stories need PostgreSQL: set TEST_DATABASE_URL (scripts/test.sh does)"
    );
}

/// The one value `sql` selects, read on `conn`.
async fn scalar<T>(conn: &mut PoolConnection<Postgres>, sql: &'static str) -> T
where
    T: Send + Unpin + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    sqlx::query_scalar(sql)
        .fetch_one(&mut **conn)
        .await
        .unwrap()
}

/// The server process behind `conn`: the same pid is the same server session.
async fn backend_pid(conn: &mut PoolConnection<Postgres>) -> i32 {
    scalar(conn, "SELECT pg_backend_pid()").await
}

/// The one connection of `pool`, waiting for it to come back when it is still being returned.
async fn acquire(pool: &PgPool) -> PoolConnection<Postgres> {
    tokio::time::timeout(Duration::from_secs(10), pool.acquire())
        .await
        .expect("the connection comes back to the pool")
        .unwrap()
}

// The runtime has one thread: a connection returned by a spawned task (the unpatched path)
// cannot be idle before this test yields.
#[tokio::test(flavor = "current_thread")]
async fn a_connection_at_rest_is_idle_again_as_soon_as_it_is_dropped() {
    on_postgres(|pool| async move {
        let mut conn = acquire(&pool).await;
        let pid = backend_pid(&mut conn).await;
        drop(conn);
        assert_eq!(pool.num_idle(), 1, "released without a task or a ping");

        let mut again = acquire(&pool).await;
        assert_eq!(backend_pid(&mut again).await, pid, "the same session");
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_query_cut_off_mid_flight_is_drained_before_the_connection_is_reused() {
    on_postgres(|pool| async move {
        let mut conn = acquire(&pool).await;
        let pid = backend_pid(&mut conn).await;
        let cut_off = tokio::time::timeout(
            Duration::from_millis(100),
            sqlx::query("SELECT pg_sleep(0.5)").execute(&mut *conn),
        )
        .await;
        assert!(cut_off.is_err(), "the sleep outlasts the timeout");
        drop(conn);
        assert_eq!(pool.num_idle(), 0, "a reply is still owed: not at rest");

        let mut again = acquire(&pool).await;
        assert_eq!(backend_pid(&mut again).await, pid, "drained, not replaced");
        let answer: i32 = scalar(&mut again, "SELECT 42").await;
        assert_eq!(
            answer, 42,
            "no reply of the cut-off query is left on the wire"
        );
    })
    .await;
}

#[tokio::test(flavor = "current_thread")]
async fn a_dropped_transaction_is_rolled_back_before_the_connection_is_reused() {
    on_postgres(|pool| async move {
        let mut conn = acquire(&pool).await;
        let pid = backend_pid(&mut conn).await;
        sqlx::query("CREATE TEMPORARY TABLE pool_release_probe (n integer)")
            .execute(&mut *conn)
            .await
            .unwrap();
        drop(conn);

        let mut transaction = pool.begin().await.unwrap();
        sqlx::query("INSERT INTO pool_release_probe VALUES (1)")
            .execute(&mut *transaction)
            .await
            .unwrap();
        drop(transaction);
        assert_eq!(pool.num_idle(), 0, "the rollback is queued: not at rest");

        let mut again = acquire(&pool).await;
        assert_eq!(backend_pid(&mut again).await, pid, "the same session");
        let rows: i64 = scalar(&mut again, "SELECT count(*) FROM pool_release_probe").await;
        assert_eq!(rows, 0, "the insert was rolled back");
        // Inside the dropped transaction its insert would hold a transaction id.
        let outside: bool = scalar(
            &mut again,
            "SELECT pg_current_xact_id_if_assigned() IS NULL",
        )
        .await;
        assert!(outside, "the session is outside the dropped transaction");
    })
    .await;
}
