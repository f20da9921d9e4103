//! The HTTP routes, assembled into one router with its OpenAPI document.
//!
//! Public: `/health`, `/health/ready`, `/openapi.json`, `/docs`. Authenticated: everything
//! under `/api/v1` (Pulse, under `/api/v1/pulse`, for admins only; semantic search at
//! `/api/v1/search`), and `/ws` (by its first frame).

mod auth;
mod content;
mod dead_letters;
mod health;
mod openapi;
mod pulse;
mod search;
mod sessions;

use crate::http::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use hellosales_domain::AppError;
use hellosales_domain::error::Resource;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

pub use openapi::ApiDoc;

/// The OpenAPI router of every documented route, before the state is attached.
pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::live))
        .routes(routes!(health::ready))
        .routes(routes!(auth::me, auth::me_post))
        .routes(routes!(
            content::company_profile::get,
            content::company_profile::put
        ))
        .routes(routes!(content::products::list, content::products::create))
        .routes(routes!(
            content::products::get,
            content::products::update,
            content::products::delete
        ))
        .routes(routes!(content::clients::list, content::clients::create))
        .routes(routes!(
            content::clients::get,
            content::clients::update,
            content::clients::delete
        ))
        .routes(routes!(content::scripts::list, content::scripts::create))
        .routes(routes!(
            content::scripts::get,
            content::scripts::edit,
            content::scripts::delete
        ))
        .routes(routes!(content::scripts::versions))
        .routes(routes!(content::generate::script))
        .routes(routes!(content::emails::list, content::emails::create))
        .routes(routes!(
            content::emails::get,
            content::emails::edit,
            content::emails::delete
        ))
        .routes(routes!(content::emails::versions))
        .routes(routes!(content::generate::email))
        .routes(routes!(sessions::list, sessions::create))
        .routes(routes!(sessions::get))
        .routes(routes!(sessions::interactions))
        .routes(routes!(sessions::end))
        .routes(routes!(sessions::send_message))
        .routes(routes!(search::search))
        .routes(routes!(pulse::pipeline_runs))
        .routes(routes!(pulse::pipeline_run))
        .routes(routes!(pulse::run_events))
        .routes(routes!(pulse::provider_calls))
        .routes(routes!(pulse::metrics))
        .routes(routes!(pulse::stats))
        .routes(routes!(dead_letters::list))
        .routes(routes!(dead_letters::get))
        .routes(routes!(dead_letters::retry))
        .routes(routes!(dead_letters::resolve))
        .routes(routes!(dead_letters::abandon))
}

/// The complete application router (routes, docs, fallbacks), with the state attached.
pub fn router(state: AppState) -> Router {
    let (router, openapi) = api_router().split_for_parts();
    let spec = openapi.clone();
    router
        .route(
            "/openapi.json",
            get(move || async move { axum::Json(spec) }),
        )
        .route("/ws", get(crate::ws::upgrade))
        .merge(SwaggerUi::new("/docs").url("/docs/openapi.json", openapi))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError(AppError::NotFound {
        resource: Resource::Route,
        id: None,
    })
}

async fn method_not_allowed() -> ApiError {
    ApiError(AppError::MethodNotAllowed)
}
