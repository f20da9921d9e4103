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

/// `hellosales eval` against a fake provider: ten documents (a script and an email for each of
/// the five fixture pairs), every answer naming the first pair only, so that the report tells
/// the checks apart.
#[tokio::test]
async fn eval_reports_the_pass_rate_of_each_check() {
    use hellosales_fake_providers::{FakeProviderServer, Reply};
    let fake = FakeProviderServer::start().await.unwrap();
    let script = serde_json::json!({
        "content": format!("Hi {{{{first_name}}}}, Globeware Logistics and LedgerFlow. {}", "word ".repeat(140)),
        "key_talking_points": ["faster close"],
        "objection_handlers": {"too expensive": "It pays for itself."},
        "discovery_questions": ["How long is your close?"],
        "closing_techniques": ["pilot"],
    });
    let email = serde_json::json!({
        "subject": "Globeware Logistics × LedgerFlow",
        "body": format!("Hi {{{{first_name}}}}, {}", "word ".repeat(80)),
        "call_to_action": "Book a call",
        "personalization_fields": ["first_name"],
    });
    for _ in 0..5 {
        fake.push(Reply::text([script.to_string()]));
        fake.push(Reply::text([email.to_string()]));
    }
    let dir = tempfile::tempdir().unwrap();
    let base_url = fake.openai_base_url();
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../../evals/fixtures.json");
    let data_dir = dir.path().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        hellosales(
            &data_dir,
            &["eval", "--fixtures", fixtures],
            &[
                ("LLM_PROVIDER", "groq"),
                ("GROQ_API_KEY", "gsk_eval"),
                ("GROQ_BASE_URL", &base_url),
                ("LOG_LEVEL", "error"),
            ],
        )
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{output:?}");
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(
        report.contains("Evaluation: groq llama-3.1-8b-instant, 10 documents, length short"),
        "{report}"
    );
    for line in [
        "| structure | 10/10 | 100 % |",
        "| mentions_client_company | 2/10 | 20 % |",
        "| mentions_product | 4/10 | 40 % |",
        "| no_unfilled_template | 10/10 | 100 % |",
        "| length | 10/10 | 100 % |",
    ] {
        assert!(report.contains(line), "{line} missing from\n{report}");
    }
    assert_eq!(fake.requests().len(), 10);
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        entries.iter().all(|e| !e
            .as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("eval-")),
        "the evaluation database is removed"
    );
}
