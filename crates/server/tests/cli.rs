//! The `hellosales` binary itself: `token` prints exactly one development token and nothing
//! else, refuses in production, and the token it prints is accepted by a server on the same
//! data directory; `migrate` applies the schema and exits.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

fn hellosales(data_dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hellosales"));
    command
        .args(args)
        .env_clear()
        .env("HELLOSALES_DATA_DIR", data_dir)
        .env("HELLOSALES_CONFIG", "")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/hellosales.db", data_dir.display()),
        );
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("run hellosales")
}

#[test]
fn token_prints_one_jwt_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let output = hellosales(
        dir.path(),
        &[
            "token",
            "--org",
            "org_acme",
            "--email",
            "a@acme.test",
            "--role",
            "admin",
        ],
        &[],
    );
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {stdout:?}");
    assert_eq!(lines[0].split('.').count(), 3, "a JWT: {stdout:?}");
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("dev-token.secret").exists());
}

#[test]
fn token_refuses_in_production_and_rejects_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let production = hellosales(
        dir.path(),
        &["token", "--org", "org_acme", "--email", "a@acme.test"],
        &[
            ("ENVIRONMENT", "production"),
            ("WORKOS_CLIENT_ID", "client_123"),
        ],
    );
    assert!(!production.status.success());
    assert!(production.stdout.is_empty());
    assert!(String::from_utf8_lossy(&production.stderr).contains("production"));
    assert!(!dir.path().join("dev-token.secret").exists());

    let bad_role = hellosales(
        dir.path(),
        &[
            "token",
            "--org",
            "org_acme",
            "--email",
            "a@acme.test",
            "--role",
            "owner",
        ],
        &[],
    );
    assert!(!bad_role.status.success());
    assert!(bad_role.stdout.is_empty());
}

#[test]
fn migrate_applies_the_schema_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let output = hellosales(dir.path(), &["migrate"], &[("LOG_LEVEL", "warn")]);
    assert!(output.status.success(), "{output:?}");
    assert!(dir.path().join("hellosales.db").exists());
    let again = hellosales(dir.path(), &["migrate"], &[("LOG_LEVEL", "warn")]);
    assert!(again.status.success(), "{again:?}");
}
