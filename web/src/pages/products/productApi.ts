// The product calls of the list and the editor, typed by the API schema.
import { api, unwrap, unwrapWithEtag } from "../../api/client";
import type { components } from "../../api/schema";
import type { ListQuery } from "./shared/RecordList";
import type { RecordCalls } from "./shared/RecordEditor";

export type Product = components["schemas"]["Product"];
type ProductInput = components["schemas"]["ProductInput"];

const ifMatch = (etag: string | null): Record<string, string> => (etag ? { "If-Match": etag } : {});

export function listProducts(query: ListQuery, signal: AbortSignal) {
  const { filter, ...rest } = query;
  return unwrap(
    api.GET("/api/v1/products", {
      params: { query: { ...rest, ...(filter ? { category: filter } : {}) } },
      signal,
    }),
  );
}

export const productCalls: RecordCalls<Product> = {
  load: (id) => unwrapWithEtag(api.GET("/api/v1/products/{id}", { params: { path: { id } } })),
  create: (values) => unwrap(api.POST("/api/v1/products", { body: values as ProductInput })),
  update: (id, values, etag) =>
    unwrapWithEtag(
      api.PATCH("/api/v1/products/{id}", { params: { path: { id } }, body: values as ProductInput, headers: ifMatch(etag) }),
    ),
  remove: async (id, hard, etag) => {
    await unwrap(
      api.DELETE("/api/v1/products/{id}", {
        params: { path: { id }, query: hard ? { hard: true } : {} },
        headers: ifMatch(etag),
      }),
    );
  },
};
