//! The HelloSales server: HTTP and WebSocket interfaces, authentication, middleware, OpenAPI,
//! telemetry set-up and the `hellosales` command line.
//!
//! The binary is thin: it parses the command line, loads the [`config`], and calls
//! [`Application::build`] / [`Application::run_until_stopped`], which tests call too with a
//! listener on port 0.

pub mod ai;
pub mod auth;
pub mod cli;
pub mod config;
pub mod embeddings;
pub mod eval;
pub mod http;
pub mod models;
pub mod rate_limit;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
mod voice;
pub mod ws;

pub use startup::Application;
pub use state::AppState;
