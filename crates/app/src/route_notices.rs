//! [`StageNotices`]: the LLM router's notices (retries, fallbacks, breaker changes) as events of
//! the run whose stage made the call.
//!
//! | Notice            | Event                  |
//! |-------------------|------------------------|
//! | retry scheduled   | `llm.retry_scheduled`  |
//! | fell back         | `llm.fallback`         |
//! | circuit opened    | `circuit.opened`       |
//! | circuit closed    | `circuit.closed`       |
//! | circuit rejected  | `llm.circuit_rejected` |

use hellosales_providers::{RouteNotice, RouteObserver};
use serde_json::json;
use stageflow::StageContext;
use stageflow::events::names;
use std::time::Duration;

/// Emits each notice as an event of `ctx`'s run.
#[derive(Debug)]
pub(crate) struct StageNotices<'a>(pub(crate) &'a StageContext);

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl RouteObserver for StageNotices<'_> {
    fn notice(&self, notice: RouteNotice<'_>) {
        let ctx = self.0;
        match notice {
            RouteNotice::RetryScheduled {
                provider,
                model,
                attempt,
                delay,
                error_code,
            } => ctx.emit_event(
                "llm.retry_scheduled",
                json!({
                    "provider": provider,
                    "model": model,
                    "attempt": attempt,
                    "next_attempt": attempt + 1,
                    "delay_ms": millis(delay),
                    "error_code": error_code,
                }),
            ),
            RouteNotice::FellBack {
                from_provider,
                from_model,
                to_provider,
                to_model,
                error_code,
            } => ctx.emit_event(
                "llm.fallback",
                json!({
                    "from_provider": from_provider,
                    "from_model": from_model,
                    "to_provider": to_provider,
                    "to_model": to_model,
                    "error_code": error_code,
                }),
            ),
            RouteNotice::CircuitOpened {
                key,
                failures,
                open_for,
            } => ctx.emit_event(
                names::CIRCUIT_OPENED,
                json!({ "key": key, "failures": failures, "open_ms": millis(open_for) }),
            ),
            RouteNotice::CircuitClosed { key } => {
                ctx.emit_event(names::CIRCUIT_CLOSED, json!({ "key": key }));
            }
            RouteNotice::CircuitRejected { key, retry_after } => ctx.emit_event(
                "llm.circuit_rejected",
                json!({ "key": key, "retry_after_ms": millis(retry_after) }),
            ),
        }
    }
}
