//! The semantic index: items are stale until embedded and again after a change, a change that
//! leaves the text alone is confirmed without a new vector, only what a search may see is
//! ranked (active, latest version, the caller's sessions, the caller's organization), and the
//! vectors of archived, superseded or deleted content are purged.

use chrono::{DateTime, Utc};
use hellosales_domain::content::{Generation, ProductFields, ScriptFields};
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::{
    EditableStore, IdentityRepository, SemanticIndexStore, SessionStore, VersionedStore,
};
use hellosales_domain::semantic::{
    IndexedItem, ItemRef, ItemVector, SearchKind, StaleItem, StoredVector, VectorScope,
};
use hellosales_domain::sessions::{InteractionRole, NewInteraction, NewSession};
use hellosales_domain::{ExternalIdentity, OrgId, Role, SessionId, UserId};
use hellosales_store::Store;
use uuid::Uuid;

const MODEL: &str = "all-MiniLM-L6-v2";

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

fn product(name: &str) -> ProductFields {
    ProductFields {
        name: name.to_owned(),
        ..ProductFields::new_active()
    }
}

/// The vector of a stale item, as the indexer would store it.
fn vector_of(stale: &StaleItem, hash: &str, vector: Vec<f32>) -> ItemVector {
    ItemVector {
        org_id: stale.org_id,
        kind: stale.item.kind(),
        item_id: stale.item.id(),
        session_id: stale.item.session_id(),
        content_hash: hash.to_owned(),
        source_version: stale.item.version(),
        model_id: MODEL.to_owned(),
        vector,
    }
}

fn ids(vectors: &[StoredVector]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = vectors.iter().map(|v| v.item_id).collect();
    ids.sort();
    ids
}

fn scope(kind: Option<SearchKind>, user: UserId, session: Option<SessionId>) -> VectorScope {
    VectorScope {
        kind,
        user,
        session,
    }
}

async fn stale_of(store: &Store, kind: SearchKind, org: OrgId) -> Vec<StaleItem> {
    store
        .semantic_index()
        .stale(kind, MODEL, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|s| s.org_id == org)
        .collect()
}

pub async fn content_is_stale_until_embedded_and_again_after_a_change(store: &Store) {
    let index = store.semantic_index();
    let products = store.products();
    let alice = member(store, None).await;
    let other = member(store, None).await;
    let (org, user) = (alice.org_id, alice.user_id);
    let widget = products.insert(org, &product("Widget")).await.unwrap();
    let gadget = products.insert(org, &product("Gadget")).await.unwrap();
    products
        .insert(other.org_id, &product("Theirs"))
        .await
        .unwrap();

    let stale = stale_of(store, SearchKind::Product, org).await;
    assert_eq!(stale.len(), 2);
    assert!(stale.iter().all(|s| s.indexed_hash.is_none()));
    let vectors: Vec<ItemVector> = stale
        .iter()
        .map(|s| vector_of(s, "h1", vec![1.0, 0.0, 0.0]))
        .collect();
    index.upsert(&vectors).await.unwrap();
    assert!(stale_of(store, SearchKind::Product, org).await.is_empty());
    assert_eq!(
        ids(&index
            .vectors(org, &scope(Some(SearchKind::Product), user, None), MODEL)
            .await
            .unwrap()),
        {
            let mut both = vec![widget.id.0, gadget.id.0];
            both.sort();
            both
        }
    );
    assert!(
        index
            .vectors(org, &scope(None, user, None), "another-model")
            .await
            .unwrap()
            .is_empty(),
        "only vectors of the model asked for"
    );
    assert!(
        index
            .vectors(
                other.org_id,
                &scope(Some(SearchKind::Product), other.user_id, None),
                MODEL
            )
            .await
            .unwrap()
            .is_empty(),
        "another organization sees none of them"
    );

    // A change makes it stale again; the hash of the vector it has comes along.
    let changed = products
        .update(org, widget.id, &product("Widget Pro"), widget.updated_at)
        .await
        .unwrap()
        .unwrap();
    let stale = stale_of(store, SearchKind::Product, org).await;
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].item, IndexedItem::Product(changed.clone()));
    assert_eq!(stale[0].indexed_hash.as_deref(), Some("h1"));
    // Its text did not change (say): confirming makes it fresh without a new vector.
    index
        .confirm(
            org,
            SearchKind::Product,
            widget.id.0,
            MODEL,
            changed.updated_at,
        )
        .await
        .unwrap();
    assert!(stale_of(store, SearchKind::Product, org).await.is_empty());
    // A new vector replaces the old one (one per item and model).
    index
        .upsert(&[vector_of(&stale[0], "h2", vec![0.0, 1.0, 0.0])])
        .await
        .unwrap();
    let all = index
        .vectors(org, &scope(Some(SearchKind::Product), user, None), MODEL)
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    let widget_vector = all.iter().find(|v| v.item_id == widget.id.0).unwrap();
    assert_eq!(widget_vector.vector, [0.0, 1.0, 0.0]);
    assert_eq!(widget_vector.kind, SearchKind::Product);

    // Archived: no longer ranked, then purged; deleted: purged.
    let archived = ProductFields {
        is_active: false,
        ..product("Widget Pro")
    };
    products
        .update(org, widget.id, &archived, changed.updated_at)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        ids(&index
            .vectors(org, &scope(None, user, None), MODEL)
            .await
            .unwrap()),
        [gadget.id.0]
    );
    assert!(stale_of(store, SearchKind::Product, org).await.is_empty());
    assert!(
        products
            .delete(org, gadget.id, gadget.updated_at)
            .await
            .unwrap()
    );
    assert_eq!(index.purge().await.unwrap(), 2);
    assert_eq!(index.purge().await.unwrap(), 0);

    let items = index
        .items(
            org,
            user,
            &[
                ItemRef {
                    kind: SearchKind::Product,
                    id: widget.id.0,
                },
                ItemRef {
                    kind: SearchKind::Product,
                    id: gadget.id.0,
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(items.len(), 1, "the deleted one is left out");
    assert_eq!(items[0].id(), widget.id.0);
    let foreign = index
        .items(
            other.org_id,
            other.user_id,
            &[ItemRef {
                kind: SearchKind::Product,
                id: widget.id.0,
            }],
        )
        .await
        .unwrap();
    assert!(
        foreign.is_empty(),
        "another organization's item is never read"
    );
}

pub async fn only_the_latest_active_version_of_a_script_is_searchable(store: &Store) {
    let index = store.semantic_index();
    let scripts = store.scripts();
    let alice = member(store, None).await;
    let (org, user) = (alice.org_id, alice.user_id);
    let fields = ScriptFields {
        name: "Cold call".to_owned(),
        content: "Open with a question.".to_owned(),
        ..ScriptFields::default()
    };
    let first = scripts
        .insert(org, &fields, &Generation::default(), None)
        .await
        .unwrap();
    let stale = stale_of(store, SearchKind::Script, org).await;
    assert_eq!(stale.len(), 1);
    index
        .upsert(&[vector_of(&stale[0], "v1", vec![1.0, 0.0])])
        .await
        .unwrap();
    let second = scripts
        .insert(org, &fields, &Generation::default(), Some(&first))
        .await
        .unwrap();
    let stale = stale_of(store, SearchKind::Script, org).await;
    assert_eq!(stale.len(), 1, "the superseded version is not embedded");
    assert_eq!(stale[0].item.id(), second.id.0);
    let ranked = |kind| {
        let index = index.clone();
        async move {
            ids(&index
                .vectors(org, &scope(kind, user, None), MODEL)
                .await
                .unwrap())
        }
    };
    assert!(ranked(Some(SearchKind::Script)).await.is_empty());
    index
        .upsert(&[vector_of(&stale[0], "v2", vec![0.0, 1.0])])
        .await
        .unwrap();
    assert_eq!(ranked(Some(SearchKind::Script)).await, [second.id.0]);
    assert_eq!(
        index.purge().await.unwrap(),
        1,
        "the first version's vector"
    );

    scripts
        .set_active(org, second.id, false, second.updated_at)
        .await
        .unwrap()
        .unwrap();
    assert!(
        ranked(None).await.is_empty(),
        "a deleted version is not ranked"
    );
    assert_eq!(index.purge().await.unwrap(), 1);
}

async fn say(
    store: &Store,
    who: &ResolvedIdentity,
    session: SessionId,
    role: InteractionRole,
    text: &str,
) -> Uuid {
    store
        .sessions()
        .append(
            who.org_id,
            who.user_id,
            session,
            &NewInteraction::text(role, text),
        )
        .await
        .unwrap()
        .id
        .0
}

fn at(item: &StaleItem) -> DateTime<Utc> {
    item.item.version()
}

pub async fn interaction_vectors_are_private_to_their_user_and_session(store: &Store) {
    let index = store.semantic_index();
    let sessions = store.sessions();
    let alice = member(store, None).await;
    let org_name = format!("org_{}", Uuid::new_v4().simple());
    let bob = member(store, Some(&org_name)).await;
    let bob_colleague = member(store, Some(&org_name)).await;
    let first = sessions
        .create(bob.org_id, bob.user_id, &NewSession::default())
        .await
        .unwrap();
    let second = sessions
        .create(bob.org_id, bob.user_id, &NewSession::default())
        .await
        .unwrap();
    let theirs = sessions
        .create(
            bob_colleague.org_id,
            bob_colleague.user_id,
            &NewSession::default(),
        )
        .await
        .unwrap();
    let q1 = say(
        store,
        &bob,
        first.id,
        InteractionRole::User,
        "About Zephyr pricing",
    )
    .await;
    let a1 = say(
        store,
        &bob,
        first.id,
        InteractionRole::Assistant,
        "It costs 900.",
    )
    .await;
    say(store, &bob, first.id, InteractionRole::System, "a notice").await;
    let q2 = say(
        store,
        &bob,
        first.id,
        InteractionRole::User,
        "And the discount?",
    )
    .await;
    let other = say(
        store,
        &bob,
        second.id,
        InteractionRole::User,
        "Other session",
    )
    .await;
    let colleague = say(
        store,
        &bob_colleague,
        theirs.id,
        InteractionRole::User,
        "Mine",
    )
    .await;

    let stale = stale_of(store, SearchKind::Interaction, bob.org_id).await;
    let mut stale_ids: Vec<Uuid> = stale.iter().map(|s| s.item.id()).collect();
    stale_ids.sort();
    let mut expected = vec![q1, a1, q2, other, colleague];
    expected.sort();
    assert_eq!(stale_ids, expected, "the dialogue only, no system notice");
    assert!(
        stale.windows(2).all(|w| at(&w[0]) <= at(&w[1])),
        "oldest first"
    );
    let vectors: Vec<ItemVector> = stale
        .iter()
        .map(|s| vector_of(s, "h", vec![1.0, 2.0]))
        .collect();
    index.upsert(&vectors).await.unwrap();
    assert!(
        stale_of(store, SearchKind::Interaction, bob.org_id)
            .await
            .is_empty()
    );
    let again = index
        .stale(SearchKind::Interaction, "a-newer-model", 100)
        .await
        .unwrap();
    assert!(
        again.iter().filter(|s| s.org_id == bob.org_id).count() == 5,
        "a new model embeds them again"
    );

    let ranked = |org, user, session| {
        let index = index.clone();
        async move {
            ids(&index
                .vectors(org, &scope(None, user, session), MODEL)
                .await
                .unwrap())
        }
    };
    let mut bobs = vec![q1, a1, q2, other];
    bobs.sort();
    assert_eq!(ranked(bob.org_id, bob.user_id, None).await, bobs);
    let mut firsts = vec![q1, a1, q2];
    firsts.sort();
    assert_eq!(
        ranked(bob.org_id, bob.user_id, Some(first.id)).await,
        firsts
    );
    assert!(
        ranked(bob.org_id, bob.user_id, Some(theirs.id))
            .await
            .is_empty(),
        "a colleague's session is private"
    );
    assert!(ranked(alice.org_id, alice.user_id, None).await.is_empty());
    assert!(
        ranked(alice.org_id, bob.user_id, Some(first.id))
            .await
            .is_empty(),
        "another organization's session"
    );

    let mut early = vec![q1, a1];
    early.sort();
    assert_eq!(
        ids(&index
            .session_vectors(bob.org_id, bob.user_id, first.id, MODEL, 2)
            .await
            .unwrap()),
        early,
        "numbered 1 to 2"
    );
    assert!(
        index
            .session_vectors(
                bob_colleague.org_id,
                bob_colleague.user_id,
                first.id,
                MODEL,
                9
            )
            .await
            .unwrap()
            .is_empty()
    );

    let refs = [q1, colleague].map(|id| ItemRef {
        kind: SearchKind::Interaction,
        id,
    });
    let items = index.items(bob.org_id, bob.user_id, &refs).await.unwrap();
    assert_eq!(items.len(), 1);
    let IndexedItem::Interaction(read) = &items[0] else {
        panic!("an interaction: {items:?}");
    };
    assert_eq!(
        (read.id.0, read.content.as_str()),
        (q1, "About Zephyr pricing")
    );
    assert!(
        index
            .items(alice.org_id, bob.user_id, &refs)
            .await
            .unwrap()
            .is_empty()
    );
}
