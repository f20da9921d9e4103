// The client calls of the list and the editor, typed by the API schema.
import { api, unwrap, unwrapWithEtag } from "../../api/client";
import type { components } from "../../api/schema";
import type { ListQuery } from "../products/shared/RecordList";
import type { RecordCalls } from "../products/shared/RecordEditor";

export type Client = components["schemas"]["Client"];
type ClientInput = components["schemas"]["ClientInput"];

const ifMatch = (etag: string | null): Record<string, string> => (etag ? { "If-Match": etag } : {});

export function listClients(query: ListQuery, signal: AbortSignal) {
  const { filter, ...rest } = query;
  return unwrap(
    api.GET("/api/v1/clients", {
      params: { query: { ...rest, ...(filter ? { industry: filter } : {}) } },
      signal,
    }),
  );
}

export const clientCalls: RecordCalls<Client> = {
  load: (id) => unwrapWithEtag(api.GET("/api/v1/clients/{id}", { params: { path: { id } } })),
  create: (values) => unwrap(api.POST("/api/v1/clients", { body: values as ClientInput })),
  update: (id, values, etag) =>
    unwrapWithEtag(
      api.PATCH("/api/v1/clients/{id}", { params: { path: { id } }, body: values as ClientInput, headers: ifMatch(etag) }),
    ),
  remove: async (id, hard, etag) => {
    await unwrap(
      api.DELETE("/api/v1/clients/{id}", {
        params: { path: { id }, query: hard ? { hard: true } : {} },
        headers: ifMatch(etag),
      }),
    );
  },
};
