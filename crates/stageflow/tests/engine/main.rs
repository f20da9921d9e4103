//! Integration tests of the engine, one module per rule.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod building;
mod cancellation;
mod circuit_breaker;
mod events;
mod failure;
mod interceptors;
mod metrics;
mod property;
mod retry;
mod scheduling;
mod stopping;
mod streaming;
mod support;
mod timeout;
