//! `/api/v1/clients`: the prospects and customers the organization sells to.

super::editable::editable_routes! {
    service: clients,
    record: hellosales_domain::content::Client,
    id: hellosales_domain::ClientId,
    input: hellosales_domain::content::ClientInput,
    filter: hellosales_domain::content::ClientFilter,
    tag: "clients",
    collection: "/api/v1/clients",
    item: "/api/v1/clients/{id}",
}
