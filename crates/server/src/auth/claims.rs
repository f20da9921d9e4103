//! The claims HelloSales reads from a token, and the mapping of JWT failures to [`AppError`].
//!
//! # Security decisions
//! - Only the header is parsed before the signature is checked, and only to pick a verifier;
//!   claims are read from the output of `jsonwebtoken::decode` (signature already verified).
//! - Our claims are all optional at the serde level so that a missing `org_id` is reported as
//!   "token has no org_id claim" (after signature and expiry checks), not as a parse failure.
//! - Unknown or non-string `role` values mean [`Role::Member`], never an error and never admin.
//! - Error messages are fixed short reasons: nothing from the token is echoed back (a claim
//!   *name* may be, never a value).

use hellosales_domain::{AppError, AppResult, ExternalIdentity, Role};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::{Algorithm, Header, Validation};
use serde::Deserialize;

use super::LEEWAY_SECONDS;

/// The claims we read (registered claims are checked by `jsonwebtoken::Validation`).
#[derive(Debug, Deserialize)]
pub(crate) struct TokenClaims {
    #[serde(default)]
    sub: Option<String>,
    #[serde(default)]
    org_id: Option<String>,
    #[serde(default)]
    role: Option<serde_json::Value>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl TokenClaims {
    /// The identity these (verified) claims assert.
    pub(crate) fn into_identity(self, auth_provider: &str) -> AppResult<ExternalIdentity> {
        let subject =
            non_empty(self.sub).ok_or_else(|| AppError::unauthorized("token has no sub claim"))?;
        let org_external_id = non_empty(self.org_id)
            .ok_or_else(|| AppError::unauthorized("token has no org_id claim"))?;
        let display_name = non_empty(self.name).or_else(|| {
            let joined = [non_empty(self.first_name), non_empty(self.last_name)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
        Ok(ExternalIdentity {
            auth_provider: auth_provider.to_owned(),
            subject,
            org_external_id,
            email: non_empty(self.email),
            display_name,
            role: parse_role(self.role.as_ref()),
        })
    }
}

/// `admin` or `member` (case-insensitive); anything else, including a missing claim, is member.
pub(crate) fn parse_role(value: Option<&serde_json::Value>) -> Role {
    match value.and_then(serde_json::Value::as_str) {
        Some(role) => role.trim().parse().unwrap_or(Role::Member),
        None => Role::Member,
    }
}

/// Reads the (unverified) header to choose a verifier.
pub(crate) fn peek_header(token: &str) -> AppResult<Header> {
    jsonwebtoken::decode_header(token).map_err(|err| match err.kind() {
        // An `alg` outside jsonwebtoken's list (`none`, `HS1`, …) fails the header's
        // deserialization as an unknown enum variant.
        ErrorKind::Json(json) if json.to_string().contains("unknown variant") => {
            AppError::unauthorized("unsupported algorithm")
        }
        _ => AppError::unauthorized("malformed token"),
    })
}

/// Validation accepting exactly `alg`, with our leeway and `exp`/`sub` required, plus `iss` and
/// `aud` when given (then also required). Without an audience the `aud` claim is ignored.
pub(crate) fn validation(
    alg: Algorithm,
    issuer: Option<&str>,
    audience: Option<&str>,
) -> Validation {
    let mut validation = Validation::new(alg);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_exp = true;
    validation.validate_nbf = true;
    let mut required = vec!["exp", "sub"];
    if let Some(issuer) = issuer {
        validation.set_issuer(&[issuer]);
        required.push("iss");
    }
    match audience {
        Some(audience) => {
            validation.set_audience(&[audience]);
            validation.validate_aud = true;
            required.push("aud");
        }
        None => validation.validate_aud = false,
    }
    validation.set_required_spec_claims(&required);
    validation
}

/// Maps a `jsonwebtoken` failure to our error (short reasons; never the token).
pub(crate) fn map_jwt_error(err: &JwtError) -> AppError {
    let reason = match err.kind() {
        ErrorKind::ExpiredSignature => return AppError::TokenExpired,
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::InvalidSubject => "wrong subject",
        ErrorKind::ImmatureSignature => "token is not valid yet",
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::MissingAlgorithm
        | ErrorKind::InvalidAlgorithmName => "unsupported algorithm",
        ErrorKind::MissingRequiredClaim(claim) => {
            return AppError::unauthorized(format!("token has no {} claim", claim_name(claim)));
        }
        ErrorKind::InvalidClaimFormat(claim) => {
            return AppError::unauthorized(format!("malformed {} claim", claim_name(claim)));
        }
        ErrorKind::InvalidRsaKey(_)
        | ErrorKind::InvalidKeyFormat
        | ErrorKind::InvalidEcdsaKey
        | ErrorKind::InvalidEddsaKey => "unusable signing key",
        _ => "malformed token",
    };
    AppError::unauthorized(reason)
}

/// Claim names come from our own validation settings; this keeps the message bounded anyway.
fn claim_name(claim: &str) -> &'static str {
    match claim {
        "exp" => "exp",
        "nbf" => "nbf",
        "iss" => "iss",
        "aud" => "aud",
        "sub" => "sub",
        _ => "required",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn roles_are_lenient_and_never_escalate() {
        assert_eq!(parse_role(Some(&json!("admin"))), Role::Admin);
        assert_eq!(parse_role(Some(&json!("Admin"))), Role::Admin);
        assert_eq!(parse_role(Some(&json!("member"))), Role::Member);
        assert_eq!(parse_role(Some(&json!("org_admin"))), Role::Member);
        assert_eq!(parse_role(Some(&json!(["admin"]))), Role::Member);
        assert_eq!(parse_role(Some(&json!(null))), Role::Member);
        assert_eq!(parse_role(None), Role::Member);
    }

    #[test]
    fn display_name_falls_back_to_first_and_last_name() {
        let claims: TokenClaims = serde_json::from_value(json!({
            "sub": "user_1", "org_id": "org_1", "first_name": "Ada", "last_name": " Lovelace ",
            "email": ""
        }))
        .unwrap();
        let identity = claims.into_identity("workos").unwrap();
        assert_eq!(identity.display_name.as_deref(), Some("Ada Lovelace"));
        assert_eq!(identity.email, None);
        assert_eq!(identity.role, Role::Member);
    }

    #[test]
    fn blank_org_id_is_missing() {
        let claims: TokenClaims =
            serde_json::from_value(json!({ "sub": "user_1", "org_id": "  " })).unwrap();
        let err = claims.into_identity("workos").unwrap_err();
        assert_eq!(err.to_string(), "token has no org_id claim");
    }

    #[test]
    fn none_algorithm_is_unsupported_not_malformed() {
        // {"alg":"none","typ":"JWT"} . {"sub":"x"} . (empty)
        let token = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
        let err = peek_header(token).unwrap_err();
        assert_eq!(err.to_string(), "unsupported algorithm");
        assert_eq!(
            peek_header("not-a-token").unwrap_err().to_string(),
            "malformed token"
        );
    }
}
