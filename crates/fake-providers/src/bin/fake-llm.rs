//! `fake-llm`: the fake provider server on a fixed address, standing in for an OpenAI-compatible
//! (and Gemini) model behind the whole application, for the web client's end-to-end tests.
//! Every request is answered with [`Reply::matching_schema`]: structured output that fits the
//! request's schema, or a short sales answer, streamed a few characters at a time.
//!
//! `fake-llm [ADDR]` (default `127.0.0.1:8090`); prints `fake-llm listening on http://ADDR/v1`
//! once bound and runs until it is stopped.

use hellosales_fake_providers::{FakeProviderServer, Reply};
use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

const ANSWER: &str = "Lead with the cost of their month-end close, show the dashboard that \
                      cuts it to three days, and propose a two-week pilot with their finance team.";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr: SocketAddr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned())
        .parse()?;
    let server = FakeProviderServer::start_on(addr).await?;
    let words: Vec<String> = ANSWER.split_inclusive(' ').map(str::to_owned).collect();
    server.set_default(Reply::matching_schema(words).with_chunk_delay(Duration::from_millis(25)));
    writeln!(
        std::io::stdout(),
        "fake-llm listening on {}",
        server.openai_base_url()
    )?;
    tokio::signal::ctrl_c().await?;
    Ok(())
}
