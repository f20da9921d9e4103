//! `/api/v1/emails`: sales emails, every edit a new version.

super::versioned::versioned_routes! {
    service: emails,
    record: hellosales_domain::content::SalesEmail,
    id: hellosales_domain::EmailId,
    input: hellosales_domain::content::EmailInput,
    filter: hellosales_domain::content::EmailFilter,
    tag: "emails",
    collection: "/api/v1/emails",
    item: "/api/v1/emails/{id}",
    versions: "/api/v1/emails/{id}/versions",
}
