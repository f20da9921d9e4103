//! The handlers of a versioned document (scripts, emails), written once: `versioned_routes!`
//! expands them, with their OpenAPI annotations, into the resource's module.

/// Expands `list`, `create`, `get`, `edit`, `versions` and `delete` for one versioned
/// resource.
macro_rules! versioned_routes {
    (
        service: $service:ident,
        record: $record:ty,
        id: $id:ty,
        input: $input:ty,
        filter: $filter:ty,
        tag: $tag:literal,
        collection: $collection:literal,
        item: $item:literal,
        versions: $versions:literal $(,)?
    ) => {
        use $crate::http::{
            ApiError, Authenticated, ErrorEnvelope, IfMatch, Json, Path, Query, Tagged,
        };
        use $crate::routes::content::Versions;
        use $crate::state::AppState;
        use axum::extract::State;
        use axum::http::{HeaderMap, StatusCode};
        use axum::response::Response;
        use hellosales_domain::content::{Generation, ListParams, Page, Record};

        fn created(record: $record) -> Tagged<$record> {
            let location = format!(concat!($collection, "/{}"), record.id);
            Tagged::created(record.etag(), location, record)
        }

        /// Versions of the caller's organization (`latest_only=true` for the current ones).
        #[utoipa::path(get, path = $collection, tag = $tag, security(("bearer" = [])),
            params(ListParams, $filter),
            responses(
                (status = 200, description = "One page of versions", body = Page<$record>),
                (status = 422, description = "Bad paging or sort parameters", body = ErrorEnvelope),
            ))]
        pub async fn list(
            State(state): State<AppState>,
            caller: Authenticated,
            Query(params): Query<ListParams>,
            Query(filter): Query<$filter>,
        ) -> Result<Json<Page<$record>>, ApiError> {
            let page = state
                .content()
                .$service
                .list(&caller, &filter, params)
                .await?;
            Ok(Json(page))
        }

        /// Writes a document by hand: version 1.
        #[utoipa::path(post, path = $collection, tag = $tag, security(("bearer" = [])),
            request_body = $input,
            params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first response for 24 h")),
            responses(
                (status = 201, description = "Version 1", body = $record, headers(("ETag" = String), ("Location" = String))),
                (status = 422, description = "Invalid fields, or a product / client of another organization", body = ErrorEnvelope),
            ))]
        pub async fn create(
            State(state): State<AppState>,
            caller: Authenticated,
            Json(input): Json<$input>,
        ) -> Result<Tagged<$record>, ApiError> {
            let record = state
                .content()
                .$service
                .create(&caller, input, &Generation::default())
                .await?;
            Ok(created(record))
        }

        /// One version.
        #[utoipa::path(get, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "The version")),
            responses(
                (status = 200, description = "The version", body = $record, headers(("ETag" = String))),
                (status = 304, description = "Not modified (If-None-Match)"),
                (status = 404, description = "No such document in this organization", body = ErrorEnvelope),
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

        /// Edits a document: creates the next version (`version + 1`, `parent id` = `id`); the
        /// edited version stays as it was. Only the latest version can be edited.
        #[utoipa::path(patch, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "The version to edit"),
                ("If-Match" = Option<String>, Header, description = "Edit only if the version has this ETag")),
            request_body = $input,
            responses(
                (status = 201, description = "The new version", body = $record, headers(("ETag" = String), ("Location" = String))),
                (status = 404, description = "No such document in this organization", body = ErrorEnvelope),
                (status = 409, description = "This version was already edited (INVALID_STATE)", body = ErrorEnvelope),
                (status = 412, description = "The version changed, or was edited concurrently", body = ErrorEnvelope),
                (status = 422, description = "Invalid fields", body = ErrorEnvelope),
            ))]
        pub async fn edit(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
            IfMatch(precondition): IfMatch,
            Json(input): Json<$input>,
        ) -> Result<Tagged<$record>, ApiError> {
            let record = state
                .content()
                .$service
                .edit(&caller, id, input, &Generation::default(), &precondition)
                .await?;
            Ok(created(record))
        }

        /// Every version of the document `id` belongs to, oldest first.
        #[utoipa::path(get, path = $versions, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "Any version of the document")),
            responses(
                (status = 200, description = "The lineage, oldest first", body = Versions<$record>),
                (status = 404, description = "No such document in this organization", body = ErrorEnvelope),
            ))]
        pub async fn versions(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
        ) -> Result<Json<Versions<$record>>, ApiError> {
            let items = state.content().$service.versions(&caller, id).await?;
            Ok(Json(Versions { items }))
        }

        /// Deletes a document version (soft: `is_active = false`; it stays in the lineage).
        #[utoipa::path(delete, path = $item, tag = $tag, security(("bearer" = [])),
            params(("id" = $id, Path, description = "The version"),
                ("If-Match" = Option<String>, Header, description = "Apply only to this ETag")),
            responses(
                (status = 204, description = "Deleted"),
                (status = 404, description = "No such document in this organization", body = ErrorEnvelope),
                (status = 412, description = "The version changed since the If-Match ETag", body = ErrorEnvelope),
            ))]
        pub async fn delete(
            State(state): State<AppState>,
            caller: Authenticated,
            Path(id): Path<$id>,
            IfMatch(precondition): IfMatch,
        ) -> Result<StatusCode, ApiError> {
            state
                .content()
                .$service
                .delete(&caller, id, &precondition)
                .await?;
            Ok(StatusCode::NO_CONTENT)
        }
    };
}

pub(crate) use versioned_routes;
