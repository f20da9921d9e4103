//! The chat load client: starts a HelloSales server (on a fresh SQLite or PostgreSQL database)
//! whose LLM is the fake OpenAI-compatible server answering 20 tokens at once, opens N
//! WebSocket sessions at the same time, sends each one T chat turns, and reports the median and
//! p99 from `chat` sent to `chat.ack`, to the first `chat.token` and to `chat.complete` (each
//! session's first turn warms up and is not counted).
//!
//! `--think-ms M` paces each session like a rep reading the answer: M ms between the end of a
//! turn and the next message (session starts are spread over the first M ms, so that they do
//! not all send at once). `--think-ms 0` sends turns back to back: the server is then
//! saturated and the latencies are queueing (sessions ÷ throughput), which measures throughput.
//!
//! With a fake model that answers at once, "to the first token" is our own overhead: storing
//! the message, the guard and enrichments, the run record, the provider call over loopback
//! HTTP, the stream back through the pipeline and the socket.
//!
//! ```text
//! cargo run --release -p hellosales-server --example chat_load -- \
//!     --sessions 1,50,500 --turns 20 --think-ms 1000 \
//!     [--database postgres://postgres@127.0.0.1:5432/postgres]
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::{Context as _, bail};
use futures::{SinkExt, StreamExt};
use hellosales_domain::Role;
use hellosales_fake_providers::{FakeProviderServer, Reply};
use hellosales_server::Application;
use hellosales_server::auth::DevTokenIssuer;
use hellosales_server::config;
use hellosales_store::testing::TestDatabase;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;

/// The server binary's allocator, so that the server measured here is the one that ships.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The tokens of every answer.
const TOKENS: usize = 20;

struct Options {
    sessions: Vec<usize>,
    turns: usize,
    think: Duration,
    database: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    let mut options = Options {
        sessions: vec![1, 50, 500],
        turns: 20,
        think: Duration::ZERO,
        database: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--sessions" => {
                options.sessions = value()?
                    .split(',')
                    .map(|n| n.trim().parse().context("--sessions takes numbers"))
                    .collect::<anyhow::Result<_>>()?;
            }
            "--turns" => options.turns = value()?.parse().context("--turns takes a number")?,
            "--think-ms" => {
                options.think =
                    Duration::from_millis(value()?.parse().context("--think-ms takes a number")?);
            }
            "--database" => options.database = Some(value()?),
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(options)
}

/// The three latencies of one turn.
#[derive(Clone, Copy)]
struct Turn {
    ack: Duration,
    first_token: Duration,
    complete: Duration,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = options()?;
    let fake = FakeProviderServer::start().await?;
    let chunks: Vec<String> = (0..TOKENS).map(|n| format!("tok{n} ")).collect();
    fake.set_default(Reply::text(chunks).with_usage(200, 20));

    let database = match &options.database {
        Some(url) => TestDatabase::postgres(url).await,
        None => TestDatabase::sqlite().await,
    };
    let data_dir = tempfile::tempdir()?;
    let base_url = fake.openai_base_url();
    let env = [
        ("HELLOSALES_CONFIG", String::new()),
        ("HELLOSALES_DATA_DIR", data_dir.path().display().to_string()),
        ("HELLOSALES_METRICS_BIND", "127.0.0.1:0".to_owned()),
        ("DATABASE_URL", database.url().to_owned()),
        ("DATABASE_MAX_CONNECTIONS", "32".to_owned()),
        ("LOG_LEVEL", "error".to_owned()),
        ("LLM_PROVIDER", "groq".to_owned()),
        ("GROQ_API_KEY", "gsk_load_test".to_owned()),
        ("GROQ_BASE_URL", base_url),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let config = config::load_from(env)?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let app = Application::build(config, Some(listener)).await?;
    let addr = app.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stopped.await;
    }));
    let token = DevTokenIssuer::load_or_create(data_dir.path())?.mint(
        "load-test",
        "rep@load.test",
        None,
        Role::Member,
    )?;

    println!(
        "| backend | sessions | think | turns | ack p50 | ack p99 | first token p50 | first token p99 | complete p50 | complete p99 | turns/s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &sessions in &options.sessions {
        let started = Instant::now();
        let clients = (0..sessions).map(|n| {
            // Spread the first messages over one think time.
            let offset = options.think.mul_f64(n as f64 / sessions as f64);
            client(addr, token.clone(), n, options.turns, options.think, offset)
        });
        let results = futures::future::try_join_all(clients).await?;
        let elapsed = started.elapsed();
        let turns: Vec<Turn> = results.into_iter().flatten().collect();
        let pick = |f: fn(&Turn) -> Duration| {
            let mut values: Vec<Duration> = turns.iter().map(f).collect();
            values.sort();
            (percentile(&values, 0.50), percentile(&values, 0.99))
        };
        let (ack50, ack99) = pick(|t| t.ack);
        let (first50, first99) = pick(|t| t.first_token);
        let (done50, done99) = pick(|t| t.complete);
        println!(
            "| {} | {sessions} | {} ms | {} | {} | {} | {} | {} | {} | {} | {:.0} |",
            database.label(),
            options.think.as_millis(),
            turns.len(),
            ms(ack50),
            ms(ack99),
            ms(first50),
            ms(first99),
            ms(done50),
            ms(done99),
            turns.len() as f64 / elapsed.as_secs_f64(),
        );
    }
    let _ = stop.send(());
    server.await??;
    database.cleanup().await;
    Ok(())
}

/// One session: connects, authenticates, starts a session, then sends `turns` chats in a row.
async fn client(
    addr: std::net::SocketAddr,
    token: String,
    n: usize,
    turns: usize,
    think: Duration,
    offset: Duration,
) -> anyhow::Result<Vec<Turn>> {
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/ws")).await?;
    send(
        &mut socket,
        "auth",
        json!({ "token": token, "platform": "web" }),
    )
    .await?;
    expect(&mut socket, "auth.success").await?;
    send(&mut socket, "session.start", json!({})).await?;
    expect(&mut socket, "session.started").await?;
    let mut measured = Vec::with_capacity(turns);
    tokio::time::sleep(offset).await;
    // Turn 0 warms the session up (pool connections, caches) and is not measured.
    for turn in 0..=turns {
        if turn > 0 {
            tokio::time::sleep(think).await;
        }
        let sent = Instant::now();
        send(
            &mut socket,
            "chat",
            json!({ "content": format!("session {n} question {turn}"), "message_id": format!("{n}-{turn}") }),
        )
        .await?;
        let (mut ack, mut first_token) = (None, None);
        loop {
            let frame = next(&mut socket).await?;
            match frame["type"].as_str() {
                Some("chat.ack") => ack = Some(sent.elapsed()),
                Some("chat.token") => {
                    first_token.get_or_insert_with(|| sent.elapsed());
                }
                Some("chat.complete") if turn == 0 => break,
                Some("chat.complete") => {
                    measured.push(Turn {
                        ack: ack.context("complete before ack")?,
                        first_token: first_token.context("complete before a token")?,
                        complete: sent.elapsed(),
                    });
                    break;
                }
                _ => bail!("unexpected frame {frame}"),
            }
        }
    }
    let _ = socket.close(None).await;
    Ok(measured)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(socket: &mut Socket, kind: &str, payload: Value) -> anyhow::Result<()> {
    let text = json!({ "type": kind, "payload": payload }).to_string();
    socket.send(Message::Text(text.into())).await?;
    Ok(())
}

async fn next<S>(socket: &mut S) -> anyhow::Result<Value>
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match socket.next().await.context("the socket closed")?? {
            Message::Text(text) => return Ok(serde_json::from_str(&text)?),
            Message::Close(_) => bail!("the server closed the socket"),
            _ => {}
        }
    }
}

async fn expect<S>(socket: &mut S, kind: &str) -> anyhow::Result<()>
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    let frame = next(socket).await?;
    if frame["type"] != kind {
        bail!("expected {kind}, got {frame}");
    }
    Ok(())
}

/// The value at quantile `q` of sorted `values` (nearest rank).
fn percentile(values: &[Duration], q: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((q * values.len() as f64).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1_000.0)
}
