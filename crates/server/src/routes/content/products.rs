//! `/api/v1/products`: what the organization sells.

super::editable::editable_routes! {
    service: products,
    record: hellosales_domain::content::Product,
    id: hellosales_domain::ProductId,
    input: hellosales_domain::content::ProductInput,
    filter: hellosales_domain::content::ProductFilter,
    tag: "products",
    collection: "/api/v1/products",
    item: "/api/v1/products/{id}",
}
