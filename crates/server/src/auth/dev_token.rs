//! Development tokens: HS256 tokens minted and verified with a secret kept in the data
//! directory, so that the server can be used locally without WorkOS.
//!
//! # Security decisions
//! - Development only: [`TokenVerifier`](super::TokenVerifier) never loads this secret in
//!   production and refuses HS256 tokens there.
//! - The secret is 32 bytes from the thread-local CSPRNG (`rand::rng()`), stored hex-encoded in
//!   `<data_dir>/dev-token.secret`, created with mode `0600` (owner only) and never overwritten.
//!   Creation is atomic: the secret is written and synced to a uniquely named temporary file
//!   (itself `0600`), then hard-linked to the final name, which fails if the file already
//!   exists. Two processes starting at once therefore agree on one secret, and a reader never
//!   sees a half-written file. (On a filesystem without hard links the file is created with
//!   `O_EXCL` instead.) A secret file readable by others is used but logged as a warning.
//! - Verification pins HS256, issuer and audience `hellosales-dev`, and requires `exp`, `sub` and
//!   `org_id`, with the same 30 s leeway as WorkOS tokens. Dev tokens live 30 days.
//! - The secret is held in a [`SecretSlice`] (zeroized on drop, redacted in `Debug`); file
//!   contents never appear in errors or logs (paths do).

use std::fmt;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hellosales_domain::{AppError, AppResult, ExternalIdentity, Role};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretSlice};
use serde::Serialize;

use super::AUTH_PROVIDER_DEV;
use super::claims::{TokenClaims, map_jwt_error, validation};

/// `iss` of development tokens.
pub const DEV_TOKEN_ISSUER: &str = "hellosales-dev";
/// `aud` of development tokens.
pub const DEV_TOKEN_AUDIENCE: &str = "hellosales-dev";
/// Lifetime of a development token, in days.
pub const DEV_TOKEN_LIFETIME_DAYS: i64 = 30;
/// The name of the secret file in the data directory.
pub const DEV_TOKEN_SECRET_FILE: &str = "dev-token.secret";

const SECRET_BYTES: usize = 32;
const DEV_ALGORITHM: Algorithm = Algorithm::HS256;

/// Mints (and, inside the token verifier, verifies) development tokens. Cheap to clone; its
/// `Debug` output never shows the secret.
#[derive(Clone)]
pub struct DevTokenIssuer {
    secret: Arc<SecretSlice<u8>>,
    /// The verification key and rules, built once: every authenticated request checks a token.
    checks: Arc<TokenChecks>,
    path: PathBuf,
}

/// What verifying a development token needs, derived from the secret.
struct TokenChecks {
    key: DecodingKey,
    validation: Validation,
}

impl TokenChecks {
    fn new(secret: &SecretSlice<u8>) -> Self {
        Self {
            key: DecodingKey::from_secret(secret.expose_secret()),
            validation: validation(
                DEV_ALGORITHM,
                Some(DEV_TOKEN_ISSUER),
                Some(DEV_TOKEN_AUDIENCE),
            ),
        }
    }
}

impl fmt::Debug for DevTokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevTokenIssuer")
            .field("secret_file", &self.path)
            .field("secret", &"[redacted]")
            .finish()
    }
}

#[derive(Serialize)]
struct DevClaims<'a> {
    iss: &'static str,
    aud: &'static str,
    sub: String,
    org_id: &'a str,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    role: &'static str,
    iat: i64,
    exp: i64,
}

impl DevTokenIssuer {
    /// The path of the secret file in a data directory.
    #[must_use]
    pub fn secret_path(data_dir: &Path) -> PathBuf {
        data_dir.join(DEV_TOKEN_SECRET_FILE)
    }

    /// Loads the secret from `<data_dir>/dev-token.secret`, creating the directory and the
    /// secret (once, atomically, mode 0600) when missing.
    ///
    /// # Errors
    /// [`AppError::Internal`] when the directory or file cannot be created or read, or the file
    /// does not hold a 32-byte hex secret.
    pub fn load_or_create(data_dir: &Path) -> AppResult<Self> {
        fs::create_dir_all(data_dir).map_err(|e| {
            AppError::internal(format!(
                "cannot create the data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = Self::secret_path(data_dir);
        let mut attempts = 0;
        loop {
            attempts += 1;
            match read_secret(&path) {
                Ok(secret) => {
                    warn_if_readable_by_others(&path);
                    return Ok(Self {
                        checks: Arc::new(TokenChecks::new(&secret)),
                        secret: Arc::new(secret),
                        path,
                    });
                }
                Err(ReadError::Missing) if attempts <= 3 => create_secret(data_dir, &path)?,
                // Only possible on the O_EXCL fallback: another process is writing it.
                Err(ReadError::Empty) if attempts <= 50 => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(ReadError::Io(e)) => {
                    return Err(AppError::internal(format!(
                        "cannot read the development token secret {}: {e}",
                        path.display()
                    )));
                }
                Err(_) => {
                    return Err(AppError::internal(format!(
                        "the development token secret {} is not a {SECRET_BYTES}-byte hex \
                         secret; delete it to generate a new one",
                        path.display()
                    )));
                }
            }
        }
    }

    /// Mints a development token for `email` in the organization `org_external_id`, valid for
    /// [`DEV_TOKEN_LIFETIME_DAYS`] days. The subject is `dev|<lowercased email>`.
    ///
    /// # Errors
    /// [`AppError::Validation`] for an empty organization id or an email without `@`;
    /// [`AppError::Internal`] if signing fails.
    pub fn mint(
        &self,
        org_external_id: &str,
        email: &str,
        name: Option<&str>,
        role: Role,
    ) -> AppResult<String> {
        let org_external_id = org_external_id.trim();
        if org_external_id.is_empty() {
            return Err(AppError::invalid_field(
                "org_external_id",
                "required",
                "the organization id is required",
            ));
        }
        let email = email.trim().to_lowercase();
        if email.is_empty() || !email.contains('@') {
            return Err(AppError::invalid_field(
                "email",
                "invalid_email",
                "not an email address",
            ));
        }
        let now = chrono::Utc::now();
        let claims = DevClaims {
            iss: DEV_TOKEN_ISSUER,
            aud: DEV_TOKEN_AUDIENCE,
            sub: format!("dev|{email}"),
            org_id: org_external_id,
            email,
            name: name.map(str::trim).filter(|n| !n.is_empty()),
            role: role.as_str(),
            iat: now.timestamp(),
            exp: (now + chrono::Duration::days(DEV_TOKEN_LIFETIME_DAYS)).timestamp(),
        };
        let key = EncodingKey::from_secret(self.secret.expose_secret());
        jsonwebtoken::encode(&Header::new(DEV_ALGORITHM), &claims, &key)
            .map_err(|e| AppError::internal(format!("cannot sign a development token: {e}")))
    }

    /// Verifies a development token (HS256, issuer and audience `hellosales-dev`).
    pub(crate) fn verify(&self, token: &str) -> AppResult<ExternalIdentity> {
        let TokenChecks { key, validation } = &*self.checks;
        let data = jsonwebtoken::decode::<TokenClaims>(token, key, validation)
            .map_err(|e| map_jwt_error(&e))?;
        data.claims.into_identity(AUTH_PROVIDER_DEV)
    }
}

enum ReadError {
    Missing,
    Empty,
    Malformed,
    Io(io::Error),
}

fn read_secret(path: &Path) -> Result<SecretSlice<u8>, ReadError> {
    let text = Zeroizing::new(match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Err(ReadError::Malformed),
        Err(e) => return Err(ReadError::Io(e)),
    });
    let hex = text.trim();
    if hex.is_empty() {
        return Err(ReadError::Empty);
    }
    hex_decode(hex)
        .filter(|bytes| bytes.len() == SECRET_BYTES)
        .map(SecretSlice::from)
        .ok_or(ReadError::Malformed)
}

/// Creates the secret file unless it exists. Losing a race to another process is success.
fn create_secret(dir: &Path, path: &Path) -> AppResult<()> {
    let mut bytes = Zeroizing::new([0u8; SECRET_BYTES]);
    rand::rng().fill_bytes(bytes.as_mut());
    let mut contents = Zeroizing::new(hex_encode(bytes.as_ref()));
    contents.push('\n');

    let tmp = dir.join(format!(
        ".{DEV_TOKEN_SECRET_FILE}.{}.{:016x}.tmp",
        std::process::id(),
        rand::rng().next_u64()
    ));
    let io_error = |what: &str, p: &Path, e: io::Error| {
        AppError::internal(format!("cannot {what} {}: {e}", p.display()))
    };
    write_new_private_file(&tmp, contents.as_bytes())
        .map_err(|e| io_error("write the temporary secret file", &tmp, e))?;
    let linked = fs::hard_link(&tmp, path);
    // The temporary name is no longer needed whatever happened.
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            tracing::info!(path = %path.display(), "created the development token secret");
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        Err(_) => match write_new_private_file(path, contents.as_bytes()) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created the development token secret");
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(e) => Err(io_error("create the development token secret", path, e)),
        },
    }
}

/// Creates `path` exclusively (never overwriting), owner-only, and writes and syncs `contents`.
fn write_new_private_file(path: &Path, contents: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{mode:o}"),
                    "the development token secret is accessible to other users; chmod 600 it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn hex_encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes
        .chunks_exact(2)
        .map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(hex_decode(&hex_encode(&bytes)).unwrap(), bytes);
        assert_eq!(hex_decode("0g"), None);
        assert_eq!(hex_decode("abc"), None);
    }

    #[test]
    fn concurrent_loads_agree_on_one_secret() {
        let dir = tempfile::tempdir().unwrap();
        let dir_path = dir.path().join("nested");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let p = dir_path.clone();
                std::thread::spawn(move || {
                    let issuer = DevTokenIssuer::load_or_create(&p).unwrap();
                    issuer.secret.expose_secret().to_vec()
                })
            })
            .collect();
        let secrets: Vec<Vec<u8>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(secrets.windows(2).all(|w| w[0] == w[1]));
        assert_eq!(secrets[0].len(), SECRET_BYTES);
        // No temporary files are left behind.
        let names: Vec<_> = fs::read_dir(&dir_path)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from(DEV_TOKEN_SECRET_FILE)]);
    }

    #[test]
    fn a_corrupt_secret_file_is_an_error_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(DevTokenIssuer::secret_path(dir.path()), "hunter2hunter2").unwrap();
        let err = DevTokenIssuer::load_or_create(dir.path()).unwrap_err();
        assert_eq!(err.code(), "INTERNAL_ERROR");
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn debug_redacts_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = DevTokenIssuer::load_or_create(dir.path()).unwrap();
        let hex = hex_encode(issuer.secret.expose_secret());
        let debug = format!("{issuer:?}");
        assert!(debug.contains("[redacted]"));
        assert!(!debug.contains(&hex));
    }
}
