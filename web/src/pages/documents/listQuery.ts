// The list's search, filters, sort and page, kept in the URL (?q=&type=&client_id=&product_id=
// &latest_only=&sort=&offset=) so that Back and shared links show the same list.
import type { DocumentQuery } from "./documentsApi";

export const PAGE_SIZE = 20;
export const DEFAULT_SORT = "-created_at";

export const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "created_at", label: "Oldest first" },
  { value: "-updated_at", label: "Recently updated" },
  { value: "name", label: "Name A–Z" },
  { value: "-name", label: "Name Z–A" },
  { value: "-version", label: "Highest version" },
];

/** The list query the URL describes (latest versions only unless `latest_only=false`). */
export function queryFromUrl(params: URLSearchParams): DocumentQuery {
  const offset = Number(params.get("offset") ?? 0);
  return {
    q: params.get("q") ?? "",
    type: params.get("type") ?? "",
    client_id: params.get("client_id") ?? "",
    product_id: params.get("product_id") ?? "",
    latest_only: params.get("latest_only") !== "false",
    sort: params.get("sort") || DEFAULT_SORT,
    limit: PAGE_SIZE,
    offset: Number.isFinite(offset) && offset > 0 ? Math.floor(offset) : 0,
  };
}

/** The URL parameters of `query`, leaving out the defaults. */
export function urlFromQuery(query: DocumentQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  if (query.type) params.set("type", query.type);
  if (query.client_id) params.set("client_id", query.client_id);
  if (query.product_id) params.set("product_id", query.product_id);
  if (!query.latest_only) params.set("latest_only", "false");
  if (query.sort && query.sort !== DEFAULT_SORT) params.set("sort", query.sort);
  if (query.offset) params.set("offset", String(query.offset));
  return params;
}
