//! The identity repository: race-safe first logins, updates from later tokens, memberships,
//! `me`, and the error mapping of constraint violations.

use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{ExternalIdentity, OrgId, Role, UserId};
use hellosales_store::entities::{organization_memberships, organizations, sessions, users};
use hellosales_store::{Store, db_error};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::collections::HashSet;
use uuid::Uuid;

/// A new identity: unique subject and organization.
fn identity(role: Role) -> ExternalIdentity {
    ExternalIdentity {
        auth_provider: "workos".to_owned(),
        subject: format!("user_{}", Uuid::new_v4().simple()),
        org_external_id: format!("org_{}", Uuid::new_v4().simple()),
        email: Some("rep@example.com".to_owned()),
        display_name: Some("Rep".to_owned()),
        role,
    }
}

async fn counts(store: &Store) -> (u64, u64, u64) {
    let db = store.connection();
    (
        users::Entity::find().count(db).await.unwrap(),
        organizations::Entity::find().count(db).await.unwrap(),
        organization_memberships::Entity::find()
            .count(db)
            .await
            .unwrap(),
    )
}

pub async fn concurrent_first_logins_create_one_of_each(store: &Store) {
    let who = identity(Role::Admin);
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let repo = store.identities();
            let who = who.clone();
            tokio::spawn(async move { repo.upsert_identity(&who).await })
        })
        .collect();
    let mut resolved = HashSet::new();
    for task in tasks {
        let ids = task.await.unwrap().unwrap();
        assert_eq!(ids.role, Role::Admin);
        resolved.insert((ids.user_id, ids.org_id));
    }
    assert_eq!(
        resolved.len(),
        1,
        "{:?}: every login got the same ids",
        store.backend()
    );
    assert_eq!(counts(store).await, (1, 1, 1), "{:?}", store.backend());
}

pub async fn later_identities_update_user_and_role(store: &Store) {
    let repo = store.identities();
    let first = identity(Role::Member);
    let ids = repo.upsert_identity(&first).await.unwrap();
    let me = repo.me(ids.user_id, ids.org_id).await.unwrap();
    assert_eq!(me.role, Role::Member);
    assert_eq!(me.user.email, "rep@example.com");
    assert_eq!(me.organization.external_id, first.org_external_id);
    assert_eq!(
        me.organization.name, first.org_external_id,
        "named after its external id"
    );
    assert_eq!(me.organization.settings, serde_json::json!({}));

    // The same identity again writes nothing.
    let again = repo.upsert_identity(&first).await.unwrap();
    assert_eq!(again, ids);
    let unchanged = repo.me(ids.user_id, ids.org_id).await.unwrap();
    assert_eq!(unchanged.user.updated_at, me.user.updated_at);

    // A new email and role; no name in the token keeps the stored name.
    let later = ExternalIdentity {
        email: Some("new@example.com".to_owned()),
        display_name: None,
        role: Role::Admin,
        ..first.clone()
    };
    let updated_ids = repo.upsert_identity(&later).await.unwrap();
    assert_eq!(
        (updated_ids.user_id, updated_ids.org_id),
        (ids.user_id, ids.org_id)
    );
    assert_eq!(updated_ids.role, Role::Admin);
    let updated = repo.me(ids.user_id, ids.org_id).await.unwrap();
    assert_eq!(updated.role, Role::Admin);
    assert_eq!(updated.user.email, "new@example.com");
    assert_eq!(updated.user.display_name.as_deref(), Some("Rep"));
    assert!(updated.user.updated_at >= me.user.updated_at);
    assert_eq!(updated.user.created_at, me.user.created_at);

    // No email at all on a first login stores an empty one.
    let anonymous = ExternalIdentity {
        email: None,
        display_name: None,
        ..identity(Role::Member)
    };
    let ids = repo.upsert_identity(&anonymous).await.unwrap();
    let me = repo.me(ids.user_id, ids.org_id).await.unwrap();
    assert_eq!(me.user.email, "");
    assert_eq!(me.user.display_name, None);
}

pub async fn one_user_in_two_orgs_has_two_memberships(store: &Store) {
    let repo = store.identities();
    let in_first = identity(Role::Admin);
    let in_second = ExternalIdentity {
        org_external_id: format!("org_{}", Uuid::new_v4().simple()),
        role: Role::Member,
        ..in_first.clone()
    };
    let first = repo.upsert_identity(&in_first).await.unwrap();
    let second = repo.upsert_identity(&in_second).await.unwrap();
    assert_eq!(first.user_id, second.user_id);
    assert_ne!(first.org_id, second.org_id);
    assert_eq!(counts(store).await, (1, 2, 2));
    assert_eq!(
        repo.me(first.user_id, first.org_id).await.unwrap().role,
        Role::Admin
    );
    assert_eq!(
        repo.me(second.user_id, second.org_id).await.unwrap().role,
        Role::Member
    );
}

pub async fn me_of_a_non_member_is_not_found(store: &Store) {
    let repo = store.identities();
    let alice = repo.upsert_identity(&identity(Role::Admin)).await.unwrap();
    let bob = repo.upsert_identity(&identity(Role::Admin)).await.unwrap();
    let err = repo.me(alice.user_id, bob.org_id).await.unwrap_err();
    assert_eq!(err.code(), "ORGANIZATION_NOT_FOUND");
    let err = repo.me(alice.user_id, OrgId::new()).await.unwrap_err();
    assert_eq!(err.code(), "ORGANIZATION_NOT_FOUND");
    let err = repo.me(UserId::new(), alice.org_id).await.unwrap_err();
    assert_eq!(err.code(), "ORGANIZATION_NOT_FOUND");
}

pub async fn unique_violation_is_a_conflict(store: &Store) {
    let who = identity(Role::Member);
    store.identities().upsert_identity(&who).await.unwrap();
    let now = chrono::Utc::now();
    let duplicate = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        auth_provider: Set(who.auth_provider.clone()),
        auth_subject: Set(who.subject.clone()),
        email: Set(String::new()),
        display_name: Set(None),
        avatar_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let err = users::Entity::insert(duplicate)
        .exec(store.connection())
        .await
        .map(drop)
        .map_err(db_error)
        .unwrap_err();
    assert_eq!(err.code(), "CONFLICT", "{:?}: {err}", store.backend());
    assert!(!err.retryable());
}

pub async fn deleting_an_organization_cascades(store: &Store) {
    let ids = store
        .identities()
        .upsert_identity(&identity(Role::Admin))
        .await
        .unwrap();
    let db = store.connection();
    let now = chrono::Utc::now();
    let session = sessions::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(ids.user_id.0),
        org_id: Set(Some(ids.org_id.0)),
        started_at: Set(now),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let session = sessions::Entity::insert(session)
        .exec_with_returning(db)
        .await
        .unwrap();

    organizations::Entity::delete_by_id(ids.org_id.0)
        .exec(db)
        .await
        .unwrap();

    let memberships = organization_memberships::Entity::find()
        .filter(organization_memberships::Column::OrganizationId.eq(ids.org_id.0))
        .count(db)
        .await
        .unwrap();
    assert_eq!(memberships, 0, "{:?}: ON DELETE CASCADE", store.backend());
    let session = sessions::Entity::find_by_id(session.id)
        .one(db)
        .await
        .unwrap()
        .expect("sessions belong to users, not organizations");
    assert_eq!(
        session.org_id,
        None,
        "{:?}: ON DELETE SET NULL",
        store.backend()
    );
    assert!(
        users::Entity::find_by_id(ids.user_id.0)
            .one(db)
            .await
            .unwrap()
            .is_some()
    );
    let err = store
        .identities()
        .me(ids.user_id, ids.org_id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "ORGANIZATION_NOT_FOUND");
}
