//! `/api/v1/scripts`: sales call scripts, every edit a new version.

super::versioned::versioned_routes! {
    service: scripts,
    record: hellosales_domain::content::SalesScript,
    id: hellosales_domain::ScriptId,
    input: hellosales_domain::content::ScriptInput,
    filter: hellosales_domain::content::ScriptFilter,
    tag: "scripts",
    collection: "/api/v1/scripts",
    item: "/api/v1/scripts/{id}",
    versions: "/api/v1/scripts/{id}/versions",
}
