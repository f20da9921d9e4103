//! Integration tests of `hellosales-store`: the same stories on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set (each test gets fresh databases).

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The stories live in `tests/store/` so that cargo builds one test binary, not one per file.
#[path = "store/backend_settings.rs"]
mod backend_settings;
#[path = "store/dead_letters.rs"]
mod dead_letters;
#[path = "store/idempotency.rs"]
mod idempotency;
#[path = "store/identity.rs"]
mod identity;
#[path = "store/pipeline_events.rs"]
mod pipeline_events;
#[path = "store/pipeline_runs.rs"]
mod pipeline_runs;
#[path = "store/pool_release.rs"]
mod pool_release;
#[path = "store/provider_calls.rs"]
mod provider_calls;
#[path = "store/pulse.rs"]
mod pulse;
#[path = "store/pulse_metrics.rs"]
mod pulse_metrics;
#[path = "store/retention.rs"]
mod retention;
#[path = "store/rows.rs"]
mod rows;
#[path = "store/schema.rs"]
mod schema;
#[path = "store/semantic.rs"]
mod semantic;
#[path = "store/sessions.rs"]
mod sessions;

use hellosales_store::testing::TestDatabase;
use hellosales_store::{Store, StoreOptions};
use std::time::Duration;

/// Generates one `#[tokio::test]` per story: it runs the story on every configured backend,
/// each time on a fresh, migrated database, and drops the database afterwards.
macro_rules! on_every_backend {
    ($($module:ident :: $story:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn $story() {
            for db in TestDatabase::from_env().await {
                let store = db.store().await;
                $module::$story(&store).await;
                store.close().await.unwrap();
                db.cleanup().await;
            }
        }
    )*};
}

on_every_backend!(
    schema::migrations_create_every_table_column_and_index,
    schema::migrations_roll_back_and_apply_again,
    dead_letters::entries_are_listed_per_organization_and_claimed_once,
    dead_letters::concurrent_claims_never_share_an_entry,
    idempotency::keys_are_claimed_once_replayed_and_released,
    idempotency::expired_keys_are_claimed_afresh_and_purged,
    identity::concurrent_first_logins_create_one_of_each,
    identity::later_identities_update_user_and_role,
    identity::one_user_in_two_orgs_has_two_memberships,
    identity::me_of_a_non_member_is_not_found,
    identity::unique_violation_is_a_conflict,
    identity::deleting_an_organization_cascades,
    provider_calls::a_recorded_call_round_trips_every_column,
    provider_calls::a_failed_unpriced_call_keeps_its_cost_unknown,
    pulse::pulse_reads_runs_events_and_calls_of_one_organization,
    pulse_metrics::metrics_aggregate_a_known_distribution_exactly,
    pulse_metrics::stats_summarize_the_window_with_pending_dead_letters,
    retention::retention_sweeps_old_detail_by_organization_in_batches,
    rows::every_table_round_trips_a_row,
    rows::interactions_are_deduplicated_by_client_message_id,
    rows::pipeline_run_status_is_checked,
    pipeline_runs::runs_start_running_and_finish_with_every_column,
    pipeline_runs::finishing_a_run_that_is_not_running_changes_nothing,
    pipeline_runs::fail_abandoned_marks_only_old_running_runs,
    pipeline_events::the_writer_inserts_a_batch_in_emission_order,
    pipeline_events::events_without_a_run_are_skipped_and_counted,
    pipeline_events::a_batch_with_a_missing_run_falls_back_row_by_row,
    pipeline_events::a_pipeline_run_lands_every_event_through_the_batched_sink,
    sessions::sessions_are_created_listed_and_ended,
    sessions::sessions_are_private_to_their_user_and_organization,
    sessions::concurrent_appends_are_numbered_without_gaps,
    sessions::duplicate_client_messages_conflict_without_losing_a_number,
    sessions::an_ended_session_takes_no_messages,
    sessions::interactions_are_read_by_page_recency_range_and_message_id,
    sessions::costs_accumulate_and_round_up_to_cents,
    sessions::summaries_count_turns_and_take_versions_in_turn,
    semantic::content_is_stale_until_embedded_and_again_after_a_change,
    semantic::only_the_latest_active_version_of_a_script_is_searchable,
    semantic::interaction_vectors_are_private_to_their_user_and_session,
);

#[tokio::test]
async fn connection_errors_never_show_the_password() {
    let options = StoreOptions {
        connect_timeout: Duration::from_secs(2),
        ..StoreOptions::default()
    };
    let err = Store::connect("postgres://postgres:SuperSecret@127.0.0.1:1/x", options)
        .await
        .expect_err("nothing listens on port 1");
    assert_eq!(err.code(), "SERVICE_UNAVAILABLE");
    for text in [err.to_string(), format!("{err:?}"), err.public_message()] {
        assert!(!text.contains("SuperSecret"), "password leaked: {text}");
    }
    assert!(
        err.to_string()
            .contains("postgres://postgres:***@127.0.0.1:1/x")
    );
}

#[tokio::test]
async fn unsupported_urls_are_rejected_without_echoing_secrets() {
    let err = Store::connect(
        "mysql://root:SuperSecret@localhost/x",
        StoreOptions::default(),
    )
    .await
    .expect_err("mysql is not supported");
    assert_eq!(err.code(), "INTERNAL_ERROR");
    assert!(!format!("{err:?}").contains("SuperSecret"));
}
