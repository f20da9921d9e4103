//! End-to-end tests of the HTTP API: the real server on 127.0.0.1:0, on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ai;
mod authkit;
mod chat_ws;
mod content_clients;
mod content_concurrency;
mod content_emails;
mod content_etags;
mod content_idempotency;
mod content_isolation;
mod content_lists;
mod content_products;
mod content_profile;
mod content_scripts;
mod content_validation;
mod dead_letters;
mod errors;
mod generation;
mod health;
mod helpers;
mod identity;
mod instances;
mod local_model;
mod observability;
mod pulse;
mod pulse_metrics;
mod rate_limits;
mod resilience;
mod search;
mod sessions_http;
mod telemetry;
mod voice_ws;
mod web_client;
mod workos;
mod ws_client;
