//! Semantic memory and search: what is embedded (products, clients, scripts, emails and the
//! interactions of sessions), the vectors stored for them, and which of them a search or a
//! chat's memory may see.
//!
//! Vectors are stored per item and model (only vectors of one model are comparable), with a
//! hash of the text they were computed from and the item's `updated_at` at the time, so that
//! an item is embedded again exactly when it changed. Ranking is done by the application
//! (cosine similarity, brute force per organization); storage lives behind
//! [`SemanticIndexStore`](crate::ports::SemanticIndexStore).
//!
//! What a search may see: the organization's active products and clients, the latest active
//! version of each script and email, and the interactions of the caller's own sessions
//! (sessions are private to their user).

mod query;

pub use query::{
    DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT, MAX_SEARCH_QUERY, SearchHit, SearchParams, SearchQuery,
    SearchResults,
};

use crate::content::{Client, Product, SalesEmail, SalesScript};
use crate::ids::{OrgId, SessionId, UserId};
use crate::sessions::Interaction;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// A kind of searchable item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    /// A product.
    Product,
    /// A client.
    Client,
    /// A sales script (its latest version).
    Script,
    /// A sales email (its latest version).
    Email,
    /// A message of one of the caller's sessions.
    Interaction,
}

impl SearchKind {
    /// Every kind, in the order the indexer visits them.
    pub const ALL: [Self; 5] = [
        Self::Product,
        Self::Client,
        Self::Script,
        Self::Email,
        Self::Interaction,
    ];

    /// The sales-content kinds (stored in `content_embeddings`).
    pub const CONTENT: [Self; 4] = [Self::Product, Self::Client, Self::Script, Self::Email];

    /// The name used in the API and in `content_embeddings.kind`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Product => "product",
            Self::Client => "client",
            Self::Script => "script",
            Self::Email => "email",
            Self::Interaction => "interaction",
        }
    }
}

impl fmt::Display for SearchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SearchKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                format!("{s:?} is not one of {}", names.join(", "))
            })
    }
}

/// An item as it is embedded: the stored record.
#[derive(Clone, Debug, PartialEq)]
pub enum IndexedItem {
    /// A product.
    Product(Product),
    /// A client.
    Client(Client),
    /// A script version.
    Script(SalesScript),
    /// An email version.
    Email(SalesEmail),
    /// A session's message.
    Interaction(Interaction),
}

impl IndexedItem {
    /// Its kind.
    #[must_use]
    pub const fn kind(&self) -> SearchKind {
        match self {
            Self::Product(_) => SearchKind::Product,
            Self::Client(_) => SearchKind::Client,
            Self::Script(_) => SearchKind::Script,
            Self::Email(_) => SearchKind::Email,
            Self::Interaction(_) => SearchKind::Interaction,
        }
    }

    /// Its id.
    #[must_use]
    pub const fn id(&self) -> Uuid {
        match self {
            Self::Product(p) => p.id.0,
            Self::Client(c) => c.id.0,
            Self::Script(s) => s.id.0,
            Self::Email(e) => e.id.0,
            Self::Interaction(i) => i.id.0,
        }
    }

    /// Its organization (sales content; an interaction's is its session's, not on the record).
    #[must_use]
    pub const fn org_id(&self) -> Option<OrgId> {
        match self {
            Self::Product(p) => Some(p.org_id),
            Self::Client(c) => Some(c.org_id),
            Self::Script(s) => Some(s.org_id),
            Self::Email(e) => Some(e.org_id),
            Self::Interaction(_) => None,
        }
    }

    /// The session it belongs to (interactions only).
    #[must_use]
    pub const fn session_id(&self) -> Option<SessionId> {
        match self {
            Self::Interaction(i) => Some(i.session_id),
            _ => None,
        }
    }

    /// When it was created.
    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        match self {
            Self::Product(p) => p.created_at,
            Self::Client(c) => c.created_at,
            Self::Script(s) => s.created_at,
            Self::Email(e) => e.created_at,
            Self::Interaction(i) => i.created_at,
        }
    }

    /// The version of its text: `updated_at` (interactions never change: `created_at`).
    #[must_use]
    pub const fn version(&self) -> DateTime<Utc> {
        match self {
            Self::Product(p) => p.updated_at,
            Self::Client(c) => c.updated_at,
            Self::Script(s) => s.updated_at,
            Self::Email(e) => e.updated_at,
            Self::Interaction(i) => i.created_at,
        }
    }
}

/// An item whose vector of the current model is missing or older than the item.
#[derive(Clone, Debug, PartialEq)]
pub struct StaleItem {
    /// Its organization.
    pub org_id: OrgId,
    /// The item.
    pub item: IndexedItem,
    /// The hash of the text its current vector was computed from, when it has one of this
    /// model: the same hash means the text did not change and needs no new vector.
    pub indexed_hash: Option<String>,
}

/// A vector to store (or replace) for an item.
#[derive(Clone, Debug, PartialEq)]
pub struct ItemVector {
    /// The item's organization.
    pub org_id: OrgId,
    /// The item's kind.
    pub kind: SearchKind,
    /// The item's id.
    pub item_id: Uuid,
    /// The item's session (interactions).
    pub session_id: Option<SessionId>,
    /// A hash of the text embedded.
    pub content_hash: String,
    /// The item's version ([`IndexedItem::version`]) when its text was read.
    pub source_version: DateTime<Utc>,
    /// The embedding model.
    pub model_id: String,
    /// The vector.
    pub vector: Vec<f32>,
}

/// A stored vector, for ranking.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredVector {
    /// The item's kind.
    pub kind: SearchKind,
    /// The item's id.
    pub item_id: Uuid,
    /// The vector.
    pub vector: Vec<f32>,
}

/// Which vectors a search ranks: of one kind or all, and (for interactions) of one of the
/// caller's sessions or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VectorScope {
    /// One kind, or every kind.
    pub kind: Option<SearchKind>,
    /// The caller: interactions are those of their own sessions.
    pub user: UserId,
    /// Only the interactions of this session (no content items then).
    pub session: Option<SessionId>,
}

impl VectorScope {
    /// Whether the scope covers items of `kind`.
    #[must_use]
    pub fn covers(&self, kind: SearchKind) -> bool {
        if self.session.is_some() && kind != SearchKind::Interaction {
            return false;
        }
        self.kind.is_none_or(|wanted| wanted == kind)
    }
}

/// A reference to one item, for reading it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ItemRef {
    /// Its kind.
    pub kind: SearchKind,
    /// Its id.
    pub id: Uuid,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn kinds_round_trip_and_unknown_ones_name_the_choices() {
        for kind in SearchKind::ALL {
            assert_eq!(kind.as_str().parse::<SearchKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::json!(kind.as_str()))
            );
        }
        let err = "document".parse::<SearchKind>().unwrap_err();
        assert!(
            err.contains("product, client, script, email, interaction"),
            "{err}"
        );
    }

    #[test]
    fn a_session_scope_covers_interactions_only() {
        let user = UserId::new();
        let all = VectorScope {
            kind: None,
            user,
            session: None,
        };
        assert!(SearchKind::ALL.iter().all(|k| all.covers(*k)));
        let session = VectorScope {
            session: Some(SessionId::new()),
            ..all
        };
        assert!(session.covers(SearchKind::Interaction));
        assert!(!session.covers(SearchKind::Product));
        let products = VectorScope {
            kind: Some(SearchKind::Product),
            ..all
        };
        assert!(products.covers(SearchKind::Product));
        assert!(!products.covers(SearchKind::Email));
    }
}
