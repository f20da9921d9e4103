//! The soak benchmark: runs the real `hellosales` binary as a child process on a fresh
//! PostgreSQL database with Redis (rate limits shared as in production), its LLM the fake
//! OpenAI-compatible server, and drives mixed traffic at a fixed rate (open loop: requests go
//! out on schedule whether or not earlier ones have finished) for a fixed time:
//!
//! * 70 % REST on products (list with a search, read one, create one, edit one),
//! * 20 % chat turns over Server-Sent Events (`POST /sessions/{id}/messages`),
//! * 10 % script generations (`POST /scripts/generate`), each a structured answer.
//!
//! Requests are spread over `--users` users in four organizations. It reports, per kind, what
//! was sent, answered, refused with `429 RATE_LIMITED` (deliberate: the per-user chat and
//! generation budgets are meant to bite at this mix) and failed otherwise, with the median and
//! p99 latency; the throughput; and the server's resident memory after setup, after the load
//! and after 10 s of rest.
//!
//! ```text
//! cargo build --release -p hellosales-server --bin hellosales --example soak
//! target/release/examples/soak --rps 40 --seconds 300 --users 20 \
//!     [--database postgres://postgres@127.0.0.1:5432/postgres] [--redis redis://127.0.0.1:6379]
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context as _, bail};
use hellosales_domain::Role;
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_server::auth::DevTokenIssuer;
use hellosales_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

struct Options {
    rps: u32,
    seconds: u64,
    users: usize,
    database: String,
    redis: String,
    server: PathBuf,
}

fn options() -> anyhow::Result<Options> {
    let default_server = std::env::current_exe()?
        .parent()
        .and_then(|examples| examples.parent())
        .map(|dir| dir.join("hellosales"))
        .context("no directory for the server binary")?;
    let mut options = Options {
        rps: 40,
        seconds: 300,
        users: 20,
        database: "postgres://postgres@127.0.0.1:5432/postgres".to_owned(),
        redis: "redis://127.0.0.1:6379".to_owned(),
        server: default_server,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--rps" => options.rps = value()?.parse().context("--rps takes a number")?,
            "--seconds" => {
                options.seconds = value()?.parse().context("--seconds takes a number")?
            }
            "--users" => options.users = value()?.parse().context("--users takes a number")?,
            "--database" => options.database = value()?,
            "--redis" => options.redis = value()?,
            "--server" => options.server = PathBuf::from(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    if options.rps == 0 || options.users == 0 {
        bail!("--rps and --users must be at least 1");
    }
    Ok(options)
}

/// The answer of every LLM call: a valid structured script (chat turns get it as text).
fn structured_answer() -> Reply {
    let answer = json!({
        "content": "Hi {{first_name}}, this is Sam from LedgerFlow. Do you have two minutes?",
        "key_talking_points": ["Cuts reporting time", "Live in a week"],
        "objection_handlers": [
            { "objection": "Too expensive", "response": "Compare it with the hours it saves." }
        ],
        "discovery_questions": ["How do you report today?"],
        "closing_techniques": ["Propose a pilot"],
    })
    .to_string();
    let chunks: Vec<String> = answer
        .as_bytes()
        .chunks(24)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect();
    Reply::text(chunks).with_usage(900, 120)
}

/// What one request came to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    RateLimited,
    Failed,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    List,
    Read,
    Create,
    Edit,
    Chat,
    Generate,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::List => "GET /products?q=",
            Self::Read => "GET /products/{id}",
            Self::Create => "POST /products",
            Self::Edit => "PATCH /products/{id}",
            Self::Chat => "chat turn (SSE)",
            Self::Generate => "POST /scripts/generate",
        }
    }

    /// The mix: 14 REST, 4 chat, 2 generations in every 20 requests.
    fn of(n: u64) -> Self {
        match n % 20 {
            0..=4 => Self::List,
            5..=9 => Self::Read,
            10..=11 => Self::Create,
            12..=13 => Self::Edit,
            14..=17 => Self::Chat,
            _ => Self::Generate,
        }
    }
}

struct Sample {
    kind: Kind,
    outcome: Outcome,
    latency: Duration,
    detail: Option<String>,
}

/// One user of the soak: a token, a product and a chat session of their own.
struct User {
    token: String,
    product: String,
    session: String,
}

struct Target {
    base: String,
    client: reqwest::Client,
}

impl Target {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn created(&self, token: &str, path: &str, body: Value) -> anyhow::Result<String> {
        let response = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        let body: Value = response.json().await?;
        if !status.is_success() {
            bail!("POST {path} answered {status}: {body}");
        }
        body["id"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("POST {path} answered no id: {body}"))
    }

    /// Sends one request of `kind` for `user`; `n` makes names and message ids unique.
    async fn send(&self, kind: Kind, user: &User, n: u64) -> (Outcome, Option<String>) {
        let request = match kind {
            Kind::List => self.client.get(self.url("/api/v1/products?q=ledger&limit=20")),
            Kind::Read => self
                .client
                .get(self.url(&format!("/api/v1/products/{}", user.product))),
            Kind::Create => self
                .client
                .post(self.url("/api/v1/products"))
                .json(&json!({ "name": format!("Soak product {n}"), "category": "soak" })),
            Kind::Edit => self
                .client
                .patch(self.url(&format!("/api/v1/products/{}", user.product)))
                .json(&json!({ "description": format!("Edited by request {n}") })),
            Kind::Chat => self
                .client
                .post(self.url(&format!("/api/v1/sessions/{}/messages", user.session)))
                .json(&json!({ "content": "How do I open a call to a CFO?", "message_id": format!("soak-{n}") })),
            Kind::Generate => self
                .client
                .post(self.url("/api/v1/scripts/generate"))
                .json(&json!({ "product_id": user.product, "script_type": "cold_call", "length": "short" })),
        };
        let response = match request.bearer_auth(&user.token).send().await {
            Ok(response) => response,
            Err(error) => return (Outcome::Failed, Some(format!("transport: {error}"))),
        };
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.as_u16() == 429 {
            return (Outcome::RateLimited, None);
        }
        if !status.is_success() {
            return (Outcome::Failed, Some(format!("{status}: {body}")));
        }
        if kind == Kind::Chat && !body.contains("event: chat.complete") {
            return (Outcome::Failed, Some(format!("chat stream: {body}")));
        }
        (Outcome::Ok, None)
    }
}

/// The resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1_000.0
}

async fn start_server(
    options: &Options,
    database: &str,
    data_dir: &std::path::Path,
    fake: &FakeProviderServer,
) -> anyhow::Result<(Child, String)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(&options.server)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HELLOSALES_CONFIG", "")
        .env("HELLOSALES_BIND", &bind)
        .env("HELLOSALES_METRICS_BIND", "127.0.0.1:0")
        .env("HELLOSALES_DATA_DIR", data_dir)
        .env("DATABASE_URL", database)
        .env("REDIS_URL", &options.redis)
        .env("LLM_PROVIDER", "groq")
        .env("GROQ_API_KEY", "soak-key")
        .env("GROQ_BASE_URL", fake.openai_base_url())
        .env("LOG_LEVEL", "error")
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", options.server.display()))?;
    let base = format!("http://{bind}");
    let client = hellosales_server::startup::http_client()?;
    for _ in 0..100 {
        if client
            .get(format!("{base}/health"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return Ok((child, base));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not answer /health within 10 s")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let fake = FakeProviderServer::start().await?;
    fake.set_default(structured_answer());
    let database = TestDatabase::postgres(&options.database).await;
    let data_dir = tempfile::tempdir()?;
    let issuer = DevTokenIssuer::load_or_create(data_dir.path())?;
    let (mut child, base) = start_server(&options, database.url(), data_dir.path(), &fake).await?;
    let pid = child.id().context("the server has no pid")?;
    let target = Arc::new(Target {
        base,
        client: hellosales_server::startup::http_client()?,
    });

    let mut users = Vec::with_capacity(options.users);
    for n in 0..options.users {
        let org = format!("soak-org-{}", n % 4);
        let token = issuer.mint(&org, &format!("rep{n}@{org}.test"), None, Role::Admin)?;
        let product = target
            .created(
                &token,
                "/api/v1/products",
                json!({ "name": format!("LedgerFlow {n}"), "key_features": ["automatic reconciliation"] }),
            )
            .await?;
        let session = target
            .created(&token, "/api/v1/sessions", json!({}))
            .await?;
        users.push(User {
            token,
            product,
            session,
        });
    }
    let users = Arc::new(users);
    let rss_before = rss_mib(pid);

    let samples = Arc::new(Mutex::new(Vec::new()));
    let total = u64::from(options.rps) * options.seconds;
    let interval = Duration::from_secs(1) / options.rps;
    let started = Instant::now();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..total {
        ticker.tick().await;
        let (target, users, samples) = (
            Arc::clone(&target),
            Arc::clone(&users),
            Arc::clone(&samples),
        );
        tasks.spawn(async move {
            let kind = Kind::of(n);
            let user = &users[(n / 20) as usize % users.len()];
            let sent = Instant::now();
            let (outcome, detail) = target.send(kind, user, n).await;
            let sample = Sample {
                kind,
                outcome,
                latency: sent.elapsed(),
                detail,
            };
            samples
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(sample);
        });
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = started.elapsed();
    let rss_after = rss_mib(pid);
    tokio::time::sleep(Duration::from_secs(10)).await;
    let rss_rested = rss_mib(pid);

    let samples = std::mem::take(
        &mut *samples
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    report(
        &options,
        &samples,
        elapsed,
        [rss_before, rss_after, rss_rested],
    );

    child.kill().await.ok();
    database.cleanup().await;
    Ok(())
}

fn report(options: &Options, samples: &[Sample], elapsed: Duration, rss: [Option<f64>; 3]) {
    println!(
        "soak: {} req/s for {} s over {} users (PostgreSQL + Redis, fake LLM), {:.1} s in all",
        options.rps,
        options.seconds,
        options.users,
        elapsed.as_secs_f64()
    );
    println!(
        "| request | sent | ok | 429 | failed | p50 ms | p99 ms |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    let mut by_kind: BTreeMap<Kind, Vec<&Sample>> = BTreeMap::new();
    for sample in samples {
        by_kind.entry(sample.kind).or_default().push(sample);
    }
    for (kind, samples) in &by_kind {
        let count = |outcome| samples.iter().filter(|s| s.outcome == outcome).count();
        let mut answered: Vec<Duration> = samples
            .iter()
            .filter(|s| s.outcome == Outcome::Ok)
            .map(|s| s.latency)
            .collect();
        answered.sort_unstable();
        println!(
            "| {} | {} | {} | {} | {} | {:.1} | {:.1} |",
            kind.label(),
            samples.len(),
            count(Outcome::Ok),
            count(Outcome::RateLimited),
            count(Outcome::Failed),
            ms(percentile(&answered, 50.0)),
            ms(percentile(&answered, 99.0)),
        );
    }
    let ok = samples.iter().filter(|s| s.outcome == Outcome::Ok).count();
    println!(
        "throughput: {:.1} answered req/s; failures other than 429: {}",
        ok as f64 / elapsed.as_secs_f64(),
        samples
            .iter()
            .filter(|s| s.outcome == Outcome::Failed)
            .count()
    );
    for failure in samples.iter().filter_map(|s| s.detail.as_deref()).take(5) {
        println!(
            "  failure: {}",
            failure.chars().take(300).collect::<String>()
        );
    }
    let show = |mib: Option<f64>| mib.map_or_else(|| "?".to_owned(), |m| format!("{m:.1} MiB"));
    println!(
        "server RSS: {} after setup, {} after the load, {} after 10 s of rest",
        show(rss[0]),
        show(rss[1]),
        show(rss[2])
    );
}
