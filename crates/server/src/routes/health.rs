//! Liveness (`/health`, no I/O) and readiness (`/health/ready`: database and, when configured,
//! Redis).

use crate::http::Json;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use std::time::Duration;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The liveness answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` when the process answers.
    status: &'static str,
    /// The server's version.
    version: &'static str,
}

/// One dependency's readiness.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Check {
    /// `ok`, `failed` or `not_configured`.
    status: &'static str,
    /// Why it failed (no secrets).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The readiness answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    status: &'static str,
    /// The database check.
    database: Check,
    /// The Redis check.
    redis: Check,
}

/// Liveness: answers without touching any dependency.
#[utoipa::path(get, path = "/health", tag = "health",
    responses((status = 200, description = "The process is alive", body = Health)))]
pub async fn live() -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Readiness: 200 when the database (and Redis, when configured) answer; 503 naming what failed.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Readiness),
        (status = 503, description = "A dependency failed", body = Readiness),
    ))]
pub async fn ready(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let (database, redis) = tokio::join!(check_database(&state), check_redis(&state));
    let ok = database.status == "ok" && redis.status != "failed";
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Readiness {
            status: if ok { "ready" } else { "not_ready" },
            database,
            redis,
        }),
    )
}

async fn check_database(state: &AppState) -> Check {
    match tokio::time::timeout(CHECK_TIMEOUT, state.store().ping()).await {
        Ok(Ok(())) => Check {
            status: "ok",
            error: None,
        },
        Ok(Err(e)) => failed(e.public_message()),
        Err(_) => failed("timed out".into()),
    }
}

async fn check_redis(state: &AppState) -> Check {
    let Some(client) = state.redis() else {
        return Check {
            status: "not_configured",
            error: None,
        };
    };
    let ping = async {
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING")
            .query_async::<String>(&mut connection)
            .await
    };
    match tokio::time::timeout(CHECK_TIMEOUT, ping).await {
        Ok(Ok(_)) => Check {
            status: "ok",
            error: None,
        },
        Ok(Err(e)) => failed(format!("{:?}", e.kind())),
        Err(_) => failed("timed out".into()),
    }
}

fn failed(error: String) -> Check {
    Check {
        status: "failed",
        error: Some(error),
    }
}
