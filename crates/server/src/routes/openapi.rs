//! The OpenAPI document's header: title, version, security scheme and shared schemas. Paths are
//! collected from the handlers' `#[utoipa::path]` annotations by the router.

use crate::http::ErrorEnvelope;
use utoipa::Modify;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

/// The OpenAPI document of the HelloSales API.
#[derive(Debug, utoipa::OpenApi)]
#[openapi(
    info(
        title = "HelloSales API",
        description = "Company profile, products, clients, AI-written sales scripts and emails, \
                       the AI sales assistant, semantic search, and Pulse observability. Every \
                       error answers the `ErrorEnvelope` shape. Authenticated requests spend \
                       per-user budgets: over one, `429 RATE_LIMITED` with `Retry-After`; \
                       responses carry `RateLimit-Limit`, `RateLimit-Remaining`, \
                       `RateLimit-Reset` and `RateLimit-Policy`.",
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "The authenticated caller"),
        (name = "company-profile", description = "The organization's company profile"),
        (name = "products", description = "What the organization sells"),
        (name = "clients", description = "Prospects and customers"),
        (name = "scripts", description = "Sales call scripts, versioned"),
        (name = "emails", description = "Sales emails, versioned"),
        (name = "sessions", description = "Chat sessions, their messages, and a chat turn as \
            Server-Sent Events (the same turn runs over the WebSocket at `/ws`)"),
        (name = "search", description = "Semantic search over the organization's products, \
            clients, scripts, emails and the caller's chat messages"),
        (name = "pulse", description = "Observability for the organization's admins: pipeline \
            runs, their events, provider calls, metrics and stats, the dead-letter queue of failed \
            runs and their replays"),
    )
)]
pub struct ApiDoc;

/// Adds the bearer-token security scheme (WorkOS access tokens, or development tokens).
#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A WorkOS access token (production) or a development token from \
                         `hellosales token` (development).",
                    ))
                    .build(),
            ),
        );
    }
}
