//! Who is calling: users, organizations (the tenants), memberships and roles, the verified
//! identity that a token carries, and the [`OrgContext`] every tenant-scoped operation takes.

use crate::error::AppError;
use crate::ids::{OrgId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A member's role in an organization.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads and writes the organization's content.
    #[default]
    Member,
    /// Also manages the organization: company profile, hard deletes, Pulse, dead letters.
    Admin,
}

impl Role {
    /// The role as stored and as written in tokens.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            other => Err(AppError::invalid_field(
                "role",
                "unknown_variant",
                format!("unknown role {other:?}; expected admin or member"),
            )),
        }
    }
}

/// The identity a verified token asserts. Produced by the server's token verification; turned
/// into database rows by the identity service on first sight.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExternalIdentity {
    /// Who issued the identity: `workos` or `dev`.
    pub auth_provider: String,
    /// The subject (the WorkOS user id).
    pub subject: String,
    /// The organization's id at the identity provider (the WorkOS organization id).
    pub org_external_id: String,
    /// The user's email address, when the token carries one.
    pub email: Option<String>,
    /// The user's display name, when the token carries one.
    pub display_name: Option<String>,
    /// The role the token grants in the organization.
    pub role: Role,
}

/// A user of HelloSales.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    /// Our id.
    pub id: UserId,
    /// `workos` or `dev`.
    pub auth_provider: String,
    /// The subject at the identity provider.
    pub auth_subject: String,
    /// Email address (empty when the identity provider gave none).
    pub email: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// When the user was first seen.
    pub created_at: DateTime<Utc>,
    /// When the user was last changed.
    pub updated_at: DateTime<Utc>,
}

/// An organization: the tenant that owns all content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Organization {
    /// Our id.
    pub id: OrgId,
    /// The organization's id at the identity provider (WorkOS `org_…`).
    pub external_id: String,
    /// Display name.
    pub name: String,
    /// URL-friendly name.
    pub slug: Option<String>,
    /// Free-form settings.
    #[schema(value_type = Object)]
    pub settings: serde_json::Value,
    /// When the organization was first seen.
    pub created_at: DateTime<Utc>,
    /// When the organization was last changed.
    pub updated_at: DateTime<Utc>,
}

/// A user's membership of an organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Membership {
    /// The member.
    pub user_id: UserId,
    /// The organization.
    pub org_id: OrgId,
    /// The member's role.
    pub role: Role,
}

/// A caller resolved to our ids: what the identity service returns and what is cached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResolvedIdentity {
    /// The user.
    pub user_id: UserId,
    /// The organization the token is for.
    pub org_id: OrgId,
    /// The user's role in it.
    pub role: Role,
}

/// The caller of a tenant-scoped operation: who, in which organization, with which role, for
/// which request. Every service method that touches tenant data takes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrgContext {
    /// The calling user.
    pub user_id: UserId,
    /// The organization whose data may be read and written.
    pub org_id: OrgId,
    /// The caller's role there.
    pub role: Role,
    /// The request id, for correlation.
    pub request_id: String,
}

impl OrgContext {
    /// Succeeds when the caller is an admin of the organization.
    ///
    /// # Errors
    /// [`AppError::InsufficientPermissions`] for members.
    pub fn require_admin(&self) -> Result<(), AppError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Member => Err(AppError::InsufficientPermissions {
                required: Role::Admin.to_string(),
            }),
        }
    }
}

/// The caller as `GET /api/v1/auth/me` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Me {
    /// The user.
    pub user: User,
    /// The organization of the token.
    pub organization: Organization,
    /// The user's role there.
    pub role: Role,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn roles_parse_case_insensitively_and_reject_unknown() {
        assert_eq!("ADMIN".parse::<Role>().unwrap(), Role::Admin);
        assert_eq!("member".parse::<Role>().unwrap(), Role::Member);
        assert_eq!(
            "owner".parse::<Role>().unwrap_err().code(),
            "VALIDATION_ERROR"
        );
    }

    #[test]
    fn only_admins_pass_require_admin() {
        let mut ctx = OrgContext {
            user_id: UserId::new(),
            org_id: OrgId::new(),
            role: Role::Member,
            request_id: "r".into(),
        };
        assert_eq!(
            ctx.require_admin().unwrap_err().code(),
            "INSUFFICIENT_PERMISSIONS"
        );
        ctx.role = Role::Admin;
        assert!(ctx.require_admin().is_ok());
    }
}
