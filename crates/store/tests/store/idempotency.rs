//! Idempotency keys: one claim per (organization, user, key), replays of completed keys,
//! mismatches, releases, expiry.

use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{ExternalIdentity, OrgId, Role, UserId};
use hellosales_store::entities::idempotency_keys;
use hellosales_store::{Claim, Store, StoredResponse};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

async fn caller(store: &Store) -> (OrgId, UserId) {
    let resolved = store
        .identities()
        .upsert_identity(&ExternalIdentity {
            auth_provider: "dev".to_owned(),
            subject: format!("user_{}", Uuid::new_v4().simple()),
            org_external_id: format!("org_{}", Uuid::new_v4().simple()),
            email: Some("rep@example.com".to_owned()),
            display_name: None,
            role: Role::Member,
        })
        .await
        .unwrap();
    (resolved.org_id, resolved.user_id)
}

fn response() -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: r#"[["etag","\"1\""]]"#.to_owned(),
        body: b"{\"id\":1}".to_vec(),
    }
}

pub async fn keys_are_claimed_once_replayed_and_released(store: &Store) {
    let keys = store.idempotency_keys();
    let (org, user) = caller(store).await;
    assert_eq!(
        keys.claim(org, user, "k", "h1").await.unwrap(),
        Claim::Claimed
    );
    assert_eq!(
        keys.claim(org, user, "k", "h1").await.unwrap(),
        Claim::InFlight
    );
    assert_eq!(
        keys.claim(org, user, "k", "h2").await.unwrap(),
        Claim::Mismatch
    );
    keys.complete(org, user, "k", response()).await.unwrap();
    assert_eq!(
        keys.claim(org, user, "k", "h1").await.unwrap(),
        Claim::Replay(response())
    );
    assert_eq!(
        keys.claim(org, user, "k", "h2").await.unwrap(),
        Claim::Mismatch
    );

    // Another user's key of the same name is another key.
    let (other_org, other_user) = caller(store).await;
    assert_eq!(
        keys.claim(other_org, other_user, "k", "h2").await.unwrap(),
        Claim::Claimed
    );

    // A released key is free again.
    keys.release(other_org, other_user, "k").await.unwrap();
    assert_eq!(
        keys.claim(other_org, other_user, "k", "h3").await.unwrap(),
        Claim::Claimed
    );
}

pub async fn expired_keys_are_claimed_afresh_and_purged(store: &Store) {
    let keys = store.idempotency_keys();
    let (org, user) = caller(store).await;
    assert_eq!(
        keys.claim(org, user, "old", "h1").await.unwrap(),
        Claim::Claimed
    );
    keys.complete(org, user, "old", response()).await.unwrap();
    assert_eq!(
        keys.claim(org, user, "gone", "h1").await.unwrap(),
        Claim::Claimed
    );
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    idempotency_keys::Entity::update_many()
        .col_expr(
            idempotency_keys::Column::ExpiresAt,
            sea_orm::sea_query::Expr::val(past),
        )
        .filter(idempotency_keys::Column::OrgId.eq(org.as_uuid()))
        .exec(store.connection())
        .await
        .unwrap();
    // Expired: the same key with another request is a new claim, not a mismatch.
    assert_eq!(
        keys.claim(org, user, "old", "h2").await.unwrap(),
        Claim::Claimed
    );
    assert_eq!(
        keys.purge_expired().await.unwrap(),
        1,
        "only `gone` is left expired"
    );
}
