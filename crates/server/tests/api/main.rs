//! End-to-end tests of the HTTP API: the real server on 127.0.0.1:0, on SQLite always and on
//! PostgreSQL when `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod errors;
mod health;
mod helpers;
mod identity;
mod workos;
