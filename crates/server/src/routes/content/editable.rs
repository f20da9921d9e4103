//! The five handlers of a resource edited in place (products, clients), written once:
//! `editable_routes!` expands them, with their OpenAPI annotations, into the resource's
//! module.

/// Expands `list`, `create`, `get`, `update` and `delete` for one editable resource.
macro_rules! editable_routes {
    (
        service: $service:ident,
        record: $record:ty,
        id: $id:ty,
        input: $input:ty,
        filter: $filter:ty,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal $(,)?
    ) => {
        use $crate::http::{
            ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged,
        };
        use $crate::routes::content::DeleteParams;
        use $crate::state::AppState;
        use axum::extract::State;
        use axum::http::{HeaderMap, StatusCode};
        use axum::response::Response;
        use hellosales_domain::content::{ListParams, Page, Record};

        /// One page of the organization's records, newest first unless `sort` says otherwise.
        #[utoipa::path(get, path = $collection, tag = $tag, security(("bearer" = [])),
            params(ListParams, $filter),
            responses(
                (status = 200, description = "One page", body = Page<$record>),
                (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
            ))]
        pub async fn list(
            State(state): State<AppState>,
            caller: Authenticated,
            Query(params): Query<ListParams>,
            Query(filter): Query<$filter>,
        ) -> Result<Json<Page<$record>>, ApiError> {
            let page = state.content().$service.list(&caller, &filter, params).await?;
            Ok(Json(page))
        }

        /// Creates a record (`name` is required).
        #[utoipa::path(post, path = $collection, tag = $tag, security(("bearer" = [])),
            request_body = $input,
            params(("Idempotency-Key" = Option<String>, Header,
                description = "Replays the first successful response for 24 h")),
            responses(
                (status = 201, description = "Created", body = $record,
                    headers(("ETag" = String), ("Location" = String))),
                (status = 422, description = "Invalid fields, one entry each in details.fields",
                    body = ErrorEnvelope),
            ))]
        pub async fn create(
            State(state): State<AppState>,
            caller: Authenticated,
            Json(input): Json<$input>,
        ) -> Result<Tagged<$record>, ApiError> {
            let record = state.content().$service.create(&caller, input).await?;
            let location = format!(concat!($collection, "/{}"), record.id);
            Ok(Tagged::created(record.etag(), location, record))
        }

        /// One record.
        #[utoipa::path(get, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "Its id")),
            responses(
                (status = 200, description = "The record", body = $record,
                    headers(("ETag" = String))),
                (status = 304, description = "Not modified (If-None-Match)"),
                (status = 404, description = "Not in this organization", body = ErrorEnvelope),
            ))]
        pub async fn get(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
            headers: HeaderMap,
        ) -> Result<Response, ApiError> {
            let record = state.content().$service.get(&caller, id).await?;
            Ok(Tagged::read(&headers, record.etag(), record))
        }

        /// Changes a record: absent fields are kept, `null` clears a field.
        #[utoipa::path(patch, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "Its id"),
                ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
            request_body = $input,
            responses(
                (status = 200, description = "The changed record", body = $record,
                    headers(("ETag" = String))),
                (status = 404, description = "Not in this organization", body = ErrorEnvelope),
                (status = 412, description = "Changed since the If-Match ETag", body = ErrorEnvelope),
                (status = 422, description = "Invalid fields", body = ErrorEnvelope),
            ))]
        pub async fn update(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
            IfMatch(precondition): IfMatch,
            Json(input): Json<$input>,
        ) -> Result<Tagged<$record>, ApiError> {
            let record = state
                .content()
                .$service
                .update(&caller, id, input, &precondition)
                .await?;
            Ok(Tagged::ok(record.etag(), record))
        }

        /// Archives a record (`is_active = false`), or with `?hard=true` deletes it (admins).
        #[utoipa::path(delete, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "Its id"), DeleteParams,
                ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
            responses(
                (status = 204, description = "Archived or deleted"),
                (status = 403, description = "Hard delete by a member", body = ErrorEnvelope),
                (status = 404, description = "Not in this organization", body = ErrorEnvelope),
                (status = 412, description = "Changed since the If-Match ETag", body = ErrorEnvelope),
            ))]
        pub async fn delete(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
            Query(params): Query<DeleteParams>,
            IfMatch(precondition): IfMatch,
        ) -> Result<StatusCode, ApiError> {
            let service = &state.content().$service;
            if params.hard {
                service.delete(&caller, id, &precondition).await?;
            } else {
                service.archive(&caller, id, &precondition).await?;
            }
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

pub(crate) use editable_routes;
