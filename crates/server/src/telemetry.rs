//! Logging set-up: one place that builds the tracing subscriber for the binary and for tests.
//!
//! JSON lines in production (`LOG_FORMAT=json`), human-readable lines in development. Request
//! spans carry `request_id`, `user_id` and `org_id` (and, for AI work, `session_id` and
//! `pipeline_run_id`); the JSON format writes the fields of every enclosing span on each line.

use crate::config::{Config, LogFormat};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global subscriber. Calling it again (tests) leaves the first one in place.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_level).unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    // `try_init` fails only when a subscriber is already installed, which is fine.
    let _ = match config.log_format() {
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_span_list(true)
                    .flatten_event(true),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().compact())
            .try_init(),
    };
}
