//! [`IdentityStore`]: users, organizations and memberships, created from verified token
//! identities ([`IdentityRepository`]).
//!
//! `upsert_identity` is race-safe on both backends: every row is created with
//! `INSERT … ON CONFLICT (its natural key) DO NOTHING` and then read back by that key, inside
//! one transaction (`BEGIN IMMEDIATE` on SQLite, so that concurrent logins queue on the busy
//! timeout instead of failing on a lock upgrade). Any number of concurrent first logins thus
//! create one user, one organization and one membership. A login that changes nothing takes a
//! read-only path and writes nothing.

use crate::entities::{organization_memberships as memberships, organizations, users};
use crate::error::db_error;
use crate::repositories::now;
use async_trait::async_trait;
use hellosales_domain::error::Resource;
use hellosales_domain::identity::ResolvedIdentity;
use hellosales_domain::ports::IdentityRepository;
use hellosales_domain::{
    AppError, AppResult, ExternalIdentity, Me, OrgId, Organization, Role, User, UserId,
};
use sea_orm::ActiveValue::Set;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

/// Storage of users, organizations and memberships. Cheap to clone.
#[derive(Clone, Debug)]
pub struct IdentityStore {
    db: DatabaseConnection,
}

impl IdentityStore {
    /// An identity store on `db`.
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl IdentityRepository for IdentityStore {
    async fn upsert_identity(&self, identity: &ExternalIdentity) -> AppResult<ResolvedIdentity> {
        validate(identity)?;
        if let Some(resolved) = resolve_unchanged(&self.db, identity).await? {
            return Ok(resolved);
        }
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
            .map_err(db_error)?;
        let org = ensure_organization(&txn, &identity.org_external_id).await?;
        let user = ensure_user(&txn, identity).await?;
        let role = ensure_membership(&txn, user.id, org.id, identity.role).await?;
        txn.commit().await.map_err(db_error)?;
        Ok(ResolvedIdentity {
            user_id: UserId(user.id),
            org_id: OrgId(org.id),
            role,
        })
    }

    async fn me(&self, user_id: UserId, org_id: OrgId) -> AppResult<Me> {
        let membership = find_membership(&self.db, user_id.0, org_id.0)
            .await?
            .ok_or_else(|| AppError::not_found(Resource::Organization, org_id))?;
        let user = users::Entity::find_by_id(user_id.0)
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(Resource::User, user_id))?;
        let organization = organizations::Entity::find_by_id(org_id.0)
            .one(&self.db)
            .await
            .map_err(db_error)?
            .ok_or_else(|| AppError::not_found(Resource::Organization, org_id))?;
        Ok(Me {
            user: to_user(user),
            organization: to_organization(organization),
            role: parse_role(&membership.role)?,
        })
    }

    async fn organization(&self, org_id: OrgId) -> AppResult<Organization> {
        organizations::Entity::find_by_id(org_id.0)
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(to_organization)
            .ok_or_else(|| AppError::not_found(Resource::Organization, org_id))
    }

    async fn user(&self, user_id: UserId) -> AppResult<User> {
        users::Entity::find_by_id(user_id.0)
            .one(&self.db)
            .await
            .map_err(db_error)?
            .map(to_user)
            .ok_or_else(|| AppError::not_found(Resource::User, user_id))
    }
}

fn validate(identity: &ExternalIdentity) -> AppResult<()> {
    for (field, value) in [
        ("auth_provider", &identity.auth_provider),
        ("subject", &identity.subject),
        ("org_external_id", &identity.org_external_id),
    ] {
        if value.trim().is_empty() {
            return Err(AppError::invalid_field(
                field,
                "required",
                format!("the identity has no {field}"),
            ));
        }
    }
    Ok(())
}

/// The ids when user, organization and membership exist and the identity changes none of
/// them; `None` when something must be written.
async fn resolve_unchanged(
    db: &DatabaseConnection,
    identity: &ExternalIdentity,
) -> AppResult<Option<ResolvedIdentity>> {
    let Some(org) = find_organization(db, &identity.org_external_id).await? else {
        return Ok(None);
    };
    let Some(user) = find_user(db, &identity.auth_provider, &identity.subject).await? else {
        return Ok(None);
    };
    if user_changes(&user, identity).is_some() {
        return Ok(None);
    }
    let Some(membership) = find_membership(db, user.id, org.id).await? else {
        return Ok(None);
    };
    if parse_role(&membership.role)? != identity.role {
        return Ok(None);
    }
    Ok(Some(ResolvedIdentity {
        user_id: UserId(user.id),
        org_id: OrgId(org.id),
        role: identity.role,
    }))
}

/// The organization whose external id is `external_id`, created if missing. The token
/// carries no organization name, so a new organization is named after its external id.
async fn ensure_organization(
    conn: &impl ConnectionTrait,
    external_id: &str,
) -> AppResult<organizations::Model> {
    let now = now();
    organizations::Entity::insert(organizations::ActiveModel {
        id: Set(Uuid::now_v7()),
        external_id: Set(external_id.to_owned()),
        name: Set(external_id.to_owned()),
        slug: Set(None),
        settings: Set(Some(json!({}))),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([organizations::Column::ExternalId])
    .exec_without_returning(conn)
    .await
    .map_err(db_error)?;
    find_organization(conn, external_id)
        .await?
        .ok_or_else(|| vanished("organization"))
}

/// The user of the identity, created if missing, with the email and name the identity
/// carries.
async fn ensure_user(
    conn: &impl ConnectionTrait,
    identity: &ExternalIdentity,
) -> AppResult<users::Model> {
    let now = now();
    users::Entity::insert(users::ActiveModel {
        id: Set(Uuid::now_v7()),
        auth_provider: Set(identity.auth_provider.clone()),
        auth_subject: Set(identity.subject.clone()),
        email: Set(identity.email.clone().unwrap_or_default()),
        display_name: Set(identity.display_name.clone()),
        avatar_url: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([users::Column::AuthProvider, users::Column::AuthSubject])
    .exec_without_returning(conn)
    .await
    .map_err(db_error)?;
    let user = find_user(conn, &identity.auth_provider, &identity.subject)
        .await?
        .ok_or_else(|| vanished("user"))?;
    let Some((email, display_name)) = user_changes(&user, identity) else {
        return Ok(user);
    };
    let mut update = user.into_active_model();
    update.email = Set(email);
    update.display_name = Set(display_name);
    update.updated_at = Set(now);
    update.update(conn).await.map_err(db_error)
}

/// The new (email, display name) when the identity carries a value that differs from the
/// stored one; `None` when nothing changes. Values the identity does not carry are kept.
fn user_changes(
    user: &users::Model,
    identity: &ExternalIdentity,
) -> Option<(String, Option<String>)> {
    let email = identity.email.as_ref().unwrap_or(&user.email);
    let display_name = identity
        .display_name
        .as_ref()
        .or(user.display_name.as_ref());
    (email != &user.email || display_name != user.display_name.as_ref())
        .then(|| (email.clone(), display_name.cloned()))
}

/// The membership of `user_id` in `org_id`, created with `role` if missing and given `role`
/// if it had another.
async fn ensure_membership(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    org_id: Uuid,
    role: Role,
) -> AppResult<Role> {
    let now = now();
    memberships::Entity::insert(memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        organization_id: Set(org_id),
        role: Set(role.as_str().to_owned()),
        permissions: Set(Some(json!({}))),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([
        memberships::Column::UserId,
        memberships::Column::OrganizationId,
    ])
    .exec_without_returning(conn)
    .await
    .map_err(db_error)?;
    let membership = find_membership(conn, user_id, org_id)
        .await?
        .ok_or_else(|| vanished("membership"))?;
    if membership.role != role.as_str() {
        let mut update = membership.into_active_model();
        update.role = Set(role.as_str().to_owned());
        update.updated_at = Set(now);
        update.update(conn).await.map_err(db_error)?;
    }
    Ok(role)
}

async fn find_organization(
    conn: &impl ConnectionTrait,
    external_id: &str,
) -> AppResult<Option<organizations::Model>> {
    organizations::Entity::find()
        .filter(organizations::Column::ExternalId.eq(external_id))
        .one(conn)
        .await
        .map_err(db_error)
}

async fn find_user(
    conn: &impl ConnectionTrait,
    auth_provider: &str,
    subject: &str,
) -> AppResult<Option<users::Model>> {
    users::Entity::find()
        .filter(users::Column::AuthProvider.eq(auth_provider))
        .filter(users::Column::AuthSubject.eq(subject))
        .one(conn)
        .await
        .map_err(db_error)
}

async fn find_membership(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    org_id: Uuid,
) -> AppResult<Option<memberships::Model>> {
    memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(org_id))
        .one(conn)
        .await
        .map_err(db_error)
}

/// A row inserted or found a moment ago in the same transaction is not there: a bug or a
/// concurrent hard delete.
fn vanished(what: &str) -> AppError {
    AppError::internal(format!("the {what} row disappeared during upsert_identity"))
}

fn parse_role(stored: &str) -> AppResult<Role> {
    stored.parse().map_err(|_| {
        AppError::internal(format!(
            "organization_memberships.role holds an unknown role {stored:?}"
        ))
    })
}

fn to_user(row: users::Model) -> User {
    User {
        id: UserId(row.id),
        auth_provider: row.auth_provider,
        auth_subject: row.auth_subject,
        email: row.email,
        display_name: row.display_name,
        avatar_url: row.avatar_url,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn to_organization(row: organizations::Model) -> Organization {
    Organization {
        id: OrgId(row.id),
        external_id: row.external_id,
        name: row.name,
        slug: row.slug,
        settings: row.settings.unwrap_or_else(|| json!({})),
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}
