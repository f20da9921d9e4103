//! The HTTP routes, assembled into one router with its OpenAPI document.
//!
//! Public: `/health`, `/health/ready`, `/openapi.json`, `/docs`. Authenticated: everything
//! under `/api/v1` (Pulse, under `/api/v1/pulse`, for admins only; semantic search at
//! `/api/v1/search`), and `/ws` (by its first frame). Every other `GET` is the web client's.

mod auth;
mod content;
mod dead_letters;
mod health;
mod openapi;
mod pulse;
mod search;
mod sessions;
mod web;

use crate::http::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::routing::get;
use hellosales_domain::AppError;
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
        .routes(routes!(auth::config))
        .routes(routes!(auth::authkit_token))
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

/// The OpenAPI document of the whole API (what `/openapi.json` serves).
#[must_use]
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    documented_router().1
}

/// The routes and their document, whose operations are named after their method and path
/// (`get_products_by_id`): the handlers' own names (`get`, `list`) repeat across resources, and
/// generated clients key operations by these names.
fn documented_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut openapi) = api_router().split_for_parts();
    for (path, item) in &mut openapi.paths.paths {
        let operations = [
            ("get", item.get.as_mut()),
            ("put", item.put.as_mut()),
            ("post", item.post.as_mut()),
            ("delete", item.delete.as_mut()),
            ("patch", item.patch.as_mut()),
        ];
        for (method, operation) in operations {
            if let Some(operation) = operation {
                operation.operation_id = Some(operation_name(method, path));
            }
        }
    }
    (router, openapi)
}

/// `get` + `/api/v1/products/{id}/versions` → `get_products_by_id_versions`.
fn operation_name(method: &str, path: &str) -> String {
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let mut name = method.to_owned();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        name.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(parameter) => {
                name.push_str("by_");
                name.push_str(parameter);
            }
            None => name.push_str(&segment.replace(['-', '.'], "_")),
        }
    }
    name
}

/// The complete application router (routes, docs, the web client, fallbacks), with the state
/// attached.
pub fn router(state: AppState) -> Router {
    let web = web::WebClient::from_dir(&state.config().web_dir);
    let (router, openapi) = documented_router();
    let spec = openapi.clone();
    router
        .route(
            "/openapi.json",
            get(move || async move { axum::Json(spec) }),
        )
        .route("/ws", get(crate::ws::upgrade))
        .merge(SwaggerUi::new("/docs").url("/docs/openapi.json", openapi))
        .fallback(move |request| web::fallback(web.clone(), request))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

async fn method_not_allowed() -> ApiError {
    ApiError(AppError::MethodNotAllowed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::{openapi_document, operation_name};
    use std::collections::HashSet;

    #[test]
    fn operations_are_named_after_method_and_path_and_never_repeat() {
        assert_eq!(
            operation_name("get", "/api/v1/products/{id}/versions"),
            "get_products_by_id_versions"
        );
        assert_eq!(
            operation_name("post", "/api/v1/pulse/dead-letters/{id}/retry"),
            "post_pulse_dead_letters_by_id_retry"
        );
        let mut seen = HashSet::new();
        for item in openapi_document().paths.paths.values() {
            for operation in [&item.get, &item.put, &item.post, &item.delete, &item.patch]
                .into_iter()
                .flatten()
            {
                let id = operation.operation_id.clone().expect("an operation id");
                assert!(seen.insert(id.clone()), "{id} repeats");
            }
        }
        assert!(seen.len() > 40, "{} operations", seen.len());
    }
}
