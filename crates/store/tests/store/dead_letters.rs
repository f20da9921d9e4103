//! The dead-letter queue: entries scoped to their organization and listed newest first, due
//! entries claimed once under a lease (never by two claimants), attempts settled only while
//! they hold the entry, spent replays abandoned, admin actions refused on resolved entries.

use chrono::{Duration as Age, Utc};
use hellosales_domain::content::PageQuery;
use hellosales_domain::dead_letters::{
    AttemptFailure, DeadLetterFilter, DeadLetterStatus, NewDeadLetter,
};
use hellosales_domain::ports::{DeadLetterStore, IdentityRepository};
use hellosales_domain::{ExternalIdentity, OrgId, Role, UserId};
use hellosales_store::Store;
use serde_json::json;
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

async fn member(store: &Store) -> (OrgId, UserId) {
    let resolved = store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", Uuid::new_v4().simple()),
            email: None,
            display_name: None,
            role: Role::Admin,
        })
        .await
        .unwrap();
    (resolved.org_id, resolved.user_id)
}

fn entry(org: OrgId, error_type: &str, due_in: Option<i64>) -> NewDeadLetter {
    NewDeadLetter {
        pipeline_run_id: None,
        error_type: error_type.to_owned(),
        error_code: Some("PROVIDER_SERVER_ERROR".to_owned()),
        error_message: Some("groq llm failed".to_owned()),
        failed_stage: Some("llm".to_owned()),
        context_snapshot: json!({ "service": "chat" }),
        input_data: Some(json!({ "service": "chat", "content": "Hello?" })),
        request_id: Some("req-1".to_owned()),
        session_id: None,
        user_id: None,
        org_id: org,
        max_retries: 2,
        next_retry_at: due_in.map(|seconds| Utc::now() + Age::seconds(seconds)),
    }
}

const LEASE: Duration = Duration::from_secs(120);

fn failure() -> AttemptFailure {
    AttemptFailure {
        error_type: "provider".to_owned(),
        error_code: "PROVIDER_TIMEOUT".to_owned(),
        error_message: "timed out".to_owned(),
        next_retry_at: Some(Utc::now() - Age::seconds(1)),
        abandon: false,
    }
}

pub async fn entries_are_listed_per_organization_and_claimed_once(store: &Store) {
    let queue = store.dead_letters();
    let (org, admin) = member(store).await;
    let (other, _) = member(store).await;
    let first = queue
        .record(&entry(org, "provider", Some(-5)))
        .await
        .unwrap();
    let second = queue.record(&entry(org, "stage", None)).await.unwrap();
    let theirs = queue
        .record(&entry(other, "provider", Some(-5)))
        .await
        .unwrap();
    assert_eq!(first.status, DeadLetterStatus::Pending);
    assert_eq!((first.retry_count, first.max_retries), (0, 2));
    assert_eq!(first.input_data.as_ref().unwrap()["content"], "Hello?");

    // Newest first, filtered, another organization's entry unseen and not found.
    let page = PageQuery {
        limit: 10,
        offset: 0,
    };
    let all = queue
        .list(org, &DeadLetterFilter::default(), page)
        .await
        .unwrap();
    let ids: Vec<Uuid> = all.items.iter().map(|e| e.id).collect();
    assert_eq!((ids, all.total), (vec![second.id, first.id], 2));
    let filter = DeadLetterFilter {
        error_type: Some("stage".to_owned()),
        ..DeadLetterFilter::default()
    };
    let stage = queue.list(org, &filter, page).await.unwrap();
    assert_eq!(stage.items.len(), 1);
    assert_eq!(stage.items[0].id, second.id);
    let err = queue.get(org, theirs.id).await.unwrap_err();
    assert_eq!(err.code(), "DEAD_LETTER_NOT_FOUND");
    assert_eq!(
        queue
            .resolve(org, theirs.id, None, admin)
            .await
            .unwrap_err()
            .code(),
        "DEAD_LETTER_NOT_FOUND"
    );

    // Due entries are claimed once; one without a schedule never is.
    let claimed = queue.claim_due("w1", 10, LEASE).await.unwrap();
    let claimed_ids: HashSet<Uuid> = claimed.iter().map(|e| e.id).collect();
    assert_eq!(claimed_ids, HashSet::from([first.id, theirs.id]));
    assert!(claimed.iter().all(|e| e.retry_count == 1));
    assert!(claimed.iter().all(|e| e.next_retry_at > Some(Utc::now())));
    assert!(queue.claim_due("w2", 10, LEASE).await.unwrap().is_empty());
    // A replay in flight refuses an admin's retry.
    assert_eq!(
        queue.claim(org, first.id, LEASE).await.unwrap_err().code(),
        "CONFLICT"
    );

    // A failed attempt schedules the next; the second failure spends the replays.
    let mine = claimed.iter().find(|e| e.id == first.id).unwrap();
    let after = queue
        .mark_failed_attempt(mine.attempt(), &failure())
        .await
        .unwrap()
        .expect("the attempt holds the entry");
    assert_eq!(after.status, DeadLetterStatus::Pending);
    assert_eq!(after.error_code.as_deref(), Some("PROVIDER_TIMEOUT"));
    // A late settlement of the same attempt changes nothing.
    assert!(
        queue
            .mark_resolved(mine.attempt(), "late")
            .await
            .unwrap()
            .is_none()
    );
    let again = queue.claim_due("w1", 10, LEASE).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].retry_count, 2);
    let spent = queue
        .mark_failed_attempt(again[0].attempt(), &failure())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(spent.status, DeadLetterStatus::Abandoned);
    assert_eq!(spent.next_retry_at, None);

    // An admin may retry an abandoned entry (past its replays); success resolves it.
    let retried = queue.claim(org, first.id, LEASE).await.unwrap();
    assert_eq!(
        (retried.status, retried.retry_count),
        (DeadLetterStatus::Pending, 3)
    );
    let resolved = queue
        .mark_resolved(retried.attempt(), "replayed as run x")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resolved.status, DeadLetterStatus::Resolved);
    assert_eq!(
        resolved.resolution_notes.as_deref(),
        Some("replayed as run x")
    );
    assert!(resolved.resolved_at.is_some());
    for code in [
        queue.claim(org, first.id, LEASE).await.unwrap_err().code(),
        queue.abandon(org, first.id, None).await.unwrap_err().code(),
        queue
            .resolve(org, first.id, None, admin)
            .await
            .unwrap_err()
            .code(),
    ] {
        assert_eq!(code, "INVALID_STATE");
    }

    // Admin actions: resolve by hand names the admin; abandon stops the schedule.
    let by_hand = queue
        .resolve(org, second.id, Some("fixed the key"), admin)
        .await
        .unwrap();
    assert_eq!(by_hand.resolved_by, Some(admin));
    assert_eq!(by_hand.resolution_notes.as_deref(), Some("fixed the key"));
    let theirs_claimed = claimed.iter().find(|e| e.id == theirs.id).unwrap();
    let given_up = queue
        .abandon(other, theirs.id, Some("stale"))
        .await
        .unwrap();
    assert_eq!(given_up.status, DeadLetterStatus::Abandoned);
    // The worker that held it cannot overwrite the admin's decision.
    assert!(
        queue
            .mark_resolved(theirs_claimed.attempt(), "late")
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn concurrent_claims_never_share_an_entry(store: &Store) {
    let queue = store.dead_letters();
    let (org, _) = member(store).await;
    for _ in 0..30 {
        queue
            .record(&entry(org, "provider", Some(-1)))
            .await
            .unwrap();
    }
    let claims = (0..4).map(|worker| {
        let queue = store.dead_letters();
        tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let batch = queue
                    .claim_due(&format!("w{worker}"), 3, LEASE)
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.into_iter().map(|e| e.id));
            }
        })
    });
    let mut seen = Vec::new();
    for claim in claims {
        seen.extend(claim.await.unwrap());
    }
    let unique: HashSet<Uuid> = seen.iter().copied().collect();
    assert_eq!(seen.len(), 30, "every entry claimed");
    assert_eq!(unique.len(), 30, "no entry claimed twice");
}
