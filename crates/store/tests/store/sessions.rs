//! The session repository: sessions private to their user and organization, gap-free sequence
//! numbers under concurrent appends, client message deduplication, reading interactions back,
//! cost accounting, and the summary cadence with its compare-and-swap on versions.

use futures::future::join_all;
use hellosales_domain::content::{Page, PageQuery};
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::{IdentityRepository, SessionStore};
use hellosales_domain::sessions::{
    InputType, Interaction, InteractionRole, NewInteraction, NewSession, NewSummary, Session,
    SessionState, SessionType,
};
use hellosales_domain::{ExternalIdentity, OrgId, Role, SessionId};
use hellosales_store::Store;
use serde_json::json;
use uuid::Uuid;

/// A new user in `org_external_id` (a new organization for `None`).
async fn member(store: &Store, org_external_id: Option<&str>) -> ResolvedIdentity {
    store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: org_external_id
                .map_or_else(|| format!("org_{}", Uuid::new_v4().simple()), str::to_owned),
            email: None,
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap()
}

async fn new_session(store: &Store, who: &ResolvedIdentity) -> Session {
    store
        .sessions()
        .create(who.org_id, who.user_id, &NewSession::default())
        .await
        .unwrap()
}

fn page(limit: u64, offset: u64) -> PageQuery {
    PageQuery { limit, offset }
}

fn message(role: InteractionRole, message_id: &str) -> NewInteraction {
    NewInteraction::text(role, format!("{} says {message_id}", role.as_str()))
        .with_message_id(Some(message_id.to_owned()))
}

fn sequences(interactions: &[Interaction]) -> Vec<u32> {
    interactions.iter().map(|i| i.sequence_number).collect()
}

fn ids(page: &Page<Session>) -> Vec<SessionId> {
    page.items.iter().map(|s| s.id).collect()
}

pub async fn sessions_are_created_listed_and_ended(store: &Store) {
    let repo = store.sessions();
    let alice = member(store, None).await;
    let (org, user) = (alice.org_id, alice.user_id);

    let first = repo
        .create(org, user, &NewSession::default())
        .await
        .unwrap();
    assert_eq!((first.org_id, first.user_id), (org, user));
    assert_eq!(first.state, SessionState::Active);
    assert_eq!(first.session_type, SessionType::Chat);
    assert_eq!(first.metadata, json!({}));
    assert_eq!(first.interaction_count, 0);
    assert_eq!(
        (first.total_cost_usd_micros, first.total_cost_cents),
        (0, 0)
    );
    assert_eq!((first.ended_at, first.duration_ms), (None, None));
    assert_eq!(first.started_at, first.created_at);
    assert_eq!(repo.get(org, user, first.id).await.unwrap(), first);

    let script = NewSession::new(
        Some(SessionType::ScriptGeneration),
        Some(json!({"client": "Acme", "tags": [1, 2]})),
    )
    .unwrap();
    let second = repo.create(org, user, &script).await.unwrap();
    assert_eq!(second.session_type, SessionType::ScriptGeneration);
    assert_eq!(second.metadata, json!({"client": "Acme", "tags": [1, 2]}));
    assert_eq!(repo.get(org, user, second.id).await.unwrap(), second);
    let third = repo
        .create(org, user, &NewSession::default())
        .await
        .unwrap();

    // Newest first, with the total of every page.
    let front = repo.list(org, user, page(2, 0)).await.unwrap();
    assert_eq!(
        ids(&front),
        vec![third.id, second.id],
        "{:?}",
        store.backend()
    );
    assert_eq!((front.total, front.limit, front.offset), (3, 2, 0));
    let back = repo.list(org, user, page(2, 2)).await.unwrap();
    assert_eq!(ids(&back), vec![first.id]);
    assert_eq!(back.total, 3);
    let past = repo.list(org, user, page(2, 10)).await.unwrap();
    assert!(past.items.is_empty());
    assert_eq!((past.total, past.offset), (3, 10));

    // Ending sets the end and the duration; ending again changes nothing.
    let ended = repo.end(org, user, first.id).await.unwrap();
    assert_eq!(ended.state, SessionState::Ended);
    let ended_at = ended.ended_at.unwrap();
    assert!(ended_at >= first.started_at);
    assert_eq!(
        ended.duration_ms,
        Some((ended_at - first.started_at).num_milliseconds())
    );
    assert_eq!(ended.updated_at, ended_at);
    assert_eq!(ended.created_at, first.created_at);
    let again = repo.end(org, user, first.id).await.unwrap();
    assert_eq!(again, ended, "{:?}: ending twice", store.backend());
    assert_eq!(repo.get(org, user, first.id).await.unwrap(), ended);
    // The others are untouched.
    assert_eq!(repo.get(org, user, second.id).await.unwrap(), second);
}

pub async fn sessions_are_private_to_their_user_and_organization(store: &Store) {
    let repo = store.sessions();
    let alice = member(store, None).await;
    let other_org = member(store, None).await;
    let alice_org = store
        .identities()
        .me(alice.user_id, alice.org_id)
        .await
        .unwrap()
        .organization
        .external_id;
    let colleague = member(store, Some(&alice_org)).await;
    assert_eq!(colleague.org_id, alice.org_id);

    let session = new_session(store, &alice).await;
    repo.append(
        alice.org_id,
        alice.user_id,
        session.id,
        &message(InteractionRole::User, "m-1"),
    )
    .await
    .unwrap();
    let mine = repo
        .get(alice.org_id, alice.user_id, session.id)
        .await
        .unwrap();

    // Another organization (with its own user), and another user of alice's organization.
    for (org, user) in [
        (other_org.org_id, other_org.user_id),
        (colleague.org_id, colleague.user_id),
        (other_org.org_id, alice.user_id),
    ] {
        let not_found = |err: hellosales_domain::AppError| {
            assert_eq!(err.code(), "SESSION_NOT_FOUND", "{:?}", store.backend());
        };
        not_found(repo.get(org, user, session.id).await.unwrap_err());
        not_found(repo.end(org, user, session.id).await.unwrap_err());
        not_found(
            repo.append(
                org,
                user,
                session.id,
                &message(InteractionRole::User, "m-2"),
            )
            .await
            .unwrap_err(),
        );
        not_found(
            repo.interactions(org, user, session.id, page(20, 0))
                .await
                .unwrap_err(),
        );
        let list = repo.list(org, user, page(20, 0)).await.unwrap();
        assert!(list.items.is_empty());
        assert_eq!(list.total, 0);
    }

    // The methods without a user still keep to the organization.
    let org = other_org.org_id;
    let not_found = repo.add_cost(org, session.id, 5).await.unwrap_err();
    assert_eq!(not_found.code(), "SESSION_NOT_FOUND");
    let not_found = repo.record_turn(org, session.id).await.unwrap_err();
    assert_eq!(not_found.code(), "SESSION_NOT_FOUND");
    let summary = NewSummary {
        summary_text: "stolen".to_owned(),
        cutoff_sequence: 1,
        token_count: None,
    };
    let not_found = repo
        .save_summary(org, session.id, 0, &summary)
        .await
        .unwrap_err();
    assert_eq!(not_found.code(), "SESSION_NOT_FOUND");
    assert_eq!(
        repo.find_message(org, session.id, InteractionRole::User, "m-1")
            .await
            .unwrap(),
        None
    );
    assert!(
        repo.recent_interactions(org, session.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repo.interactions_between(org, session.id, 0, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(repo.latest_summary(org, session.id).await.unwrap(), None);
    // An unknown organization altogether.
    let err = repo
        .add_cost(OrgId::new(), session.id, 5)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "SESSION_NOT_FOUND");

    // Nothing of that reached alice's session.
    assert_eq!(
        repo.get(alice.org_id, alice.user_id, session.id)
            .await
            .unwrap(),
        mine
    );
    assert_eq!(
        repo.latest_summary(alice.org_id, session.id).await.unwrap(),
        None
    );
}

pub async fn concurrent_appends_are_numbered_without_gaps(store: &Store) {
    let who = member(store, None).await;
    let session = new_session(store, &who).await;
    let tasks = (0..20).map(|i| {
        let repo = store.sessions();
        tokio::spawn(async move {
            repo.append(
                who.org_id,
                who.user_id,
                session.id,
                &message(InteractionRole::User, &format!("m-{i}")),
            )
            .await
        })
    });
    let mut numbers: Vec<u32> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| {
            let appended = joined.unwrap();
            match appended {
                Ok(interaction) => interaction.sequence_number,
                Err(err) => panic!("{:?}: append failed: {err:?}", store.backend()),
            }
        })
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<u32>>(),
        "{:?}",
        store.backend()
    );

    let repo = store.sessions();
    let counted = repo.get(who.org_id, who.user_id, session.id).await.unwrap();
    assert_eq!(counted.interaction_count, 20);
    assert!(counted.updated_at >= session.updated_at);
    let stored = repo
        .interactions(who.org_id, who.user_id, session.id, page(100, 0))
        .await
        .unwrap();
    assert_eq!(stored.total, 20);
    assert_eq!(sequences(&stored.items), (1..=20).collect::<Vec<u32>>());
}

pub async fn duplicate_client_messages_conflict_without_losing_a_number(store: &Store) {
    let repo = store.sessions();
    let who = member(store, None).await;
    let (org, user) = (who.org_id, who.user_id);
    let session = new_session(store, &who).await;

    let first = repo
        .append(
            org,
            user,
            session.id,
            &message(InteractionRole::User, "m-1"),
        )
        .await
        .unwrap();
    assert_eq!(first.sequence_number, 1);
    let err = repo
        .append(
            org,
            user,
            session.id,
            &message(InteractionRole::User, "m-1"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "CONFLICT", "{:?}", store.backend());
    // The reply carries the id of the message it answers, and takes the next number.
    let reply = repo
        .append(
            org,
            user,
            session.id,
            &message(InteractionRole::Assistant, "m-1"),
        )
        .await
        .unwrap();
    assert_eq!(reply.sequence_number, 2, "{:?}: no gap", store.backend());
    // Messages without a client id never collide.
    for expected in [3, 4] {
        let system = repo
            .append(
                org,
                user,
                session.id,
                &NewInteraction::text(InteractionRole::System, "notice"),
            )
            .await
            .unwrap();
        assert_eq!(system.sequence_number, expected);
        assert_eq!(system.message_id, None);
    }
    let counted = repo.get(org, user, session.id).await.unwrap();
    assert_eq!(counted.interaction_count, 4);
}

pub async fn an_ended_session_takes_no_messages(store: &Store) {
    let repo = store.sessions();
    let who = member(store, None).await;
    let (org, user) = (who.org_id, who.user_id);
    let session = new_session(store, &who).await;
    repo.append(
        org,
        user,
        session.id,
        &message(InteractionRole::User, "m-1"),
    )
    .await
    .unwrap();
    let ended = repo.end(org, user, session.id).await.unwrap();

    let err = repo
        .append(
            org,
            user,
            session.id,
            &message(InteractionRole::User, "m-2"),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "INVALID_STATE", "{:?}", store.backend());
    assert_eq!(repo.get(org, user, session.id).await.unwrap(), ended);
    assert_eq!(ended.interaction_count, 1);
    // Its messages can still be read.
    let stored = repo
        .interactions(org, user, session.id, page(20, 0))
        .await
        .unwrap();
    assert_eq!(sequences(&stored.items), vec![1]);
}

pub async fn interactions_are_read_by_page_recency_range_and_message_id(store: &Store) {
    let repo = store.sessions();
    let who = member(store, None).await;
    let (org, user) = (who.org_id, who.user_id);
    let session = new_session(store, &who).await;
    let call = Uuid::now_v7();
    let mut appended = Vec::new();
    for i in 1..=5_u32 {
        let role = if i % 2 == 1 {
            InteractionRole::User
        } else {
            InteractionRole::Assistant
        };
        let mut new = message(role, &format!("m-{}", i.div_ceil(2)));
        if role == InteractionRole::Assistant {
            new = new
                .with_llm_call(Some(call))
                .with_metadata(json!({"filtered": false, "pipeline_run_id": "r-1"}));
        }
        appended.push(repo.append(org, user, session.id, &new).await.unwrap());
    }
    let reply = &appended[1];
    assert_eq!(reply.session_id, session.id);
    assert_eq!(reply.role, InteractionRole::Assistant);
    assert_eq!(reply.message_id.as_deref(), Some("m-1"));
    assert_eq!(reply.input_type, InputType::Text);
    assert_eq!(reply.content, "assistant says m-1");
    assert_eq!(reply.llm_provider_call_id, Some(call));
    assert_eq!(
        reply.metadata,
        json!({"filtered": false, "pipeline_run_id": "r-1"})
    );
    assert_eq!(appended[0].metadata, json!({}));

    // Pages by sequence number, with the total.
    let all = repo
        .interactions(org, user, session.id, page(20, 0))
        .await
        .unwrap();
    assert_eq!(
        all.items,
        appended,
        "{:?}: read back intact",
        store.backend()
    );
    let middle = repo
        .interactions(org, user, session.id, page(2, 2))
        .await
        .unwrap();
    assert_eq!(sequences(&middle.items), vec![3, 4]);
    assert_eq!((middle.total, middle.limit, middle.offset), (5, 2, 2));
    let past = repo
        .interactions(org, user, session.id, page(2, 5))
        .await
        .unwrap();
    assert!(past.items.is_empty());
    assert_eq!(past.total, 5);

    // The most recent, oldest first.
    let recent = repo.recent_interactions(org, session.id, 3).await.unwrap();
    assert_eq!(sequences(&recent), vec![3, 4, 5]);
    let everything = repo.recent_interactions(org, session.id, 10).await.unwrap();
    assert_eq!(everything, appended);
    assert!(
        repo.recent_interactions(org, session.id, 0)
            .await
            .unwrap()
            .is_empty()
    );

    // Ranges: after < n <= through.
    let range = repo
        .interactions_between(org, session.id, 1, Some(3))
        .await
        .unwrap();
    assert_eq!(sequences(&range), vec![2, 3]);
    let tail = repo
        .interactions_between(org, session.id, 3, None)
        .await
        .unwrap();
    assert_eq!(sequences(&tail), vec![4, 5]);
    assert!(
        repo.interactions_between(org, session.id, 5, None)
            .await
            .unwrap()
            .is_empty()
    );

    // One client message, by role.
    let question = repo
        .find_message(org, session.id, InteractionRole::User, "m-2")
        .await
        .unwrap();
    assert_eq!(question.as_ref(), Some(&appended[2]));
    let answer = repo
        .find_message(org, session.id, InteractionRole::Assistant, "m-2")
        .await
        .unwrap();
    assert_eq!(answer.as_ref(), Some(&appended[3]));
    assert_eq!(
        repo.find_message(org, session.id, InteractionRole::Assistant, "m-3")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        repo.find_message(org, session.id, InteractionRole::User, "nope")
            .await
            .unwrap(),
        None
    );
}

pub async fn costs_accumulate_and_round_up_to_cents(store: &Store) {
    let repo = store.sessions();
    let who = member(store, None).await;
    let (org, user) = (who.org_id, who.user_id);
    let session = new_session(store, &who).await;

    for (add, micros, cents) in [
        (1, 1, 1),
        (9_999, 10_000, 1),
        (1, 10_001, 2),
        (1_989_999, 2_000_000, 200),
        (0, 2_000_000, 200),
    ] {
        repo.add_cost(org, session.id, add).await.unwrap();
        let costed = repo.get(org, user, session.id).await.unwrap();
        assert_eq!(
            (costed.total_cost_usd_micros, costed.total_cost_cents),
            (micros, cents),
            "{:?}: after adding {add}",
            store.backend()
        );
    }
    // Concurrent additions all count.
    let tasks = (0..10).map(|_| {
        let repo = store.sessions();
        tokio::spawn(async move { repo.add_cost(org, session.id, 10_000).await })
    });
    for joined in join_all(tasks).await {
        joined.unwrap().unwrap();
    }
    let costed = repo.get(org, user, session.id).await.unwrap();
    assert_eq!(
        (costed.total_cost_usd_micros, costed.total_cost_cents),
        (2_100_000, 210)
    );
    // A cost past what the cents column holds keeps the exact micros and the largest cents.
    repo.add_cost(org, session.id, 30_000_000_000_000)
        .await
        .unwrap();
    let huge = repo.get(org, user, session.id).await.unwrap();
    assert_eq!(huge.total_cost_usd_micros, 30_000_002_100_000);
    assert_eq!(huge.total_cost_cents, i64::from(i32::MAX));

    let err = repo.add_cost(org, SessionId::new(), 1).await.unwrap_err();
    assert_eq!(err.code(), "SESSION_NOT_FOUND");
}

pub async fn summaries_count_turns_and_take_versions_in_turn(store: &Store) {
    let repo = store.sessions();
    let who = member(store, None).await;
    let org = who.org_id;
    let session = new_session(store, &who).await;
    assert_eq!(repo.latest_summary(org, session.id).await.unwrap(), None);

    // Concurrent turns are each counted once.
    let tasks = (0..10).map(|_| {
        let repo = store.sessions();
        tokio::spawn(async move { repo.record_turn(org, session.id).await })
    });
    let mut turns: Vec<u32> = join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.unwrap().unwrap().turns_since_summary)
        .collect();
    turns.sort_unstable();
    assert_eq!(
        turns,
        (1..=10).collect::<Vec<u32>>(),
        "{:?}",
        store.backend()
    );

    // The first summary is version 1 and resets the cadence.
    let summary = |text: &str, cutoff: u32| NewSummary {
        summary_text: text.to_owned(),
        cutoff_sequence: cutoff,
        token_count: Some(42),
    };
    let first = repo
        .save_summary(org, session.id, 0, &summary("first", 6))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((first.version, first.cutoff_sequence), (1, 6));
    assert_eq!(first.session_id, session.id);
    assert_eq!(first.token_count, Some(42));
    assert_eq!(
        repo.latest_summary(org, session.id).await.unwrap().as_ref(),
        Some(&first)
    );
    let after_first = repo.record_turn(org, session.id).await.unwrap();
    assert_eq!(after_first.turns_since_summary, 1);
    assert_eq!(after_first.last_cutoff_sequence, 6);
    assert_eq!(after_first.last_summary_at, Some(first.created_at));

    // A writer that started before version 1 (or names a version that does not exist) loses,
    // and leaves the cadence alone.
    for stale in [0, 5] {
        let lost = repo
            .save_summary(org, session.id, stale, &summary("stale", 99))
            .await
            .unwrap();
        assert_eq!(lost, None, "{:?}: expected {stale}", store.backend());
    }
    let untouched = repo.record_turn(org, session.id).await.unwrap();
    assert_eq!(untouched.turns_since_summary, 2);
    assert_eq!(untouched.last_cutoff_sequence, 6);
    assert_eq!(untouched.last_summary_at, Some(first.created_at));

    let second = repo
        .save_summary(org, session.id, 1, &summary("second", 9))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((second.version, second.cutoff_sequence), (2, 9));
    assert_eq!(second.summary_text, "second");
    assert_eq!(
        repo.latest_summary(org, session.id).await.unwrap().as_ref(),
        Some(&second)
    );
    let after_second = repo.record_turn(org, session.id).await.unwrap();
    assert_eq!(after_second.turns_since_summary, 1);
    assert_eq!(after_second.last_cutoff_sequence, 9);

    // Of concurrent writers from the same version, exactly one wins.
    let tasks = (0..4).map(|i| {
        let repo = store.sessions();
        let text = format!("racer {i}");
        tokio::spawn(async move {
            repo.save_summary(org, session.id, 2, &summary(&text, 12))
                .await
        })
    });
    let saved: Vec<_> = join_all(tasks)
        .await
        .into_iter()
        .filter_map(|joined| joined.unwrap().unwrap())
        .collect();
    assert_eq!(saved.len(), 1, "{:?}: one winner", store.backend());
    assert_eq!(saved[0].version, 3);
    assert_eq!(
        repo.latest_summary(org, session.id).await.unwrap().as_ref(),
        Some(&saved[0])
    );

    // A summary before any counted turn creates the cadence.
    let fresh = new_session(store, &who).await;
    let only = repo
        .save_summary(org, fresh.id, 0, &summary("early", 2))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(only.version, 1);
    let state = repo.record_turn(org, fresh.id).await.unwrap();
    assert_eq!(
        (state.turns_since_summary, state.last_cutoff_sequence),
        (1, 2)
    );
    assert_eq!(state.last_summary_at, Some(only.created_at));
}
