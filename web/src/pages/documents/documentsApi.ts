// The calls of the versioned documents, for either kind: list, read (with its ETag), edit
// (a new version, If-Match), and the versions of a document.
import { api, unwrap, unwrapWithEtag } from "../../api/client";
import type { components, paths } from "../../api/schema";
import type { DocumentKind, SalesDocument, SalesEmail, SalesScript } from "../../lib/documents/kinds";

export type ScriptInput = components["schemas"]["ScriptInput"];
export type EmailInput = components["schemas"]["EmailInput"];
type ScriptQuery = NonNullable<paths["/api/v1/scripts"]["get"]["parameters"]["query"]>;
type EmailQuery = NonNullable<paths["/api/v1/emails"]["get"]["parameters"]["query"]>;

export interface DocumentQuery {
  q?: string;
  /** script_type or email_type. */
  type?: string;
  client_id?: string;
  product_id?: string;
  latest_only: boolean;
  sort: string;
  limit: number;
  offset: number;
}

export interface DocumentPage {
  items: SalesDocument[];
  total: number;
  limit: number;
  offset: number;
}

export async function listDocuments(kind: DocumentKind, query: DocumentQuery): Promise<DocumentPage> {
  const { type, ...rest } = query;
  const common = {
    ...rest,
    q: rest.q || undefined,
    client_id: rest.client_id || undefined,
    product_id: rest.product_id || undefined,
  };
  if (kind === "script") {
    const params = { ...common, script_type: type || undefined } as ScriptQuery;
    return unwrap(api.GET("/api/v1/scripts", { params: { query: params } }));
  }
  const params = { ...common, email_type: type || undefined } as EmailQuery;
  return unwrap(api.GET("/api/v1/emails", { params: { query: params } }));
}

export async function getDocument(kind: DocumentKind, id: string): Promise<{ data: SalesDocument; etag: string | null }> {
  const params = { path: { id } };
  return kind === "script"
    ? unwrapWithEtag(api.GET("/api/v1/scripts/{id}", { params }))
    : unwrapWithEtag(api.GET("/api/v1/emails/{id}", { params }));
}

/** Every version of the document `id` belongs to, oldest first. */
export async function listVersions(kind: DocumentKind, id: string): Promise<SalesDocument[]> {
  const params = { path: { id } };
  const page =
    kind === "script"
      ? await unwrap(api.GET("/api/v1/scripts/{id}/versions", { params }))
      : await unwrap(api.GET("/api/v1/emails/{id}/versions", { params }));
  return page.items;
}

/** Edits the version `id` (which must be the latest): the answer is the new version. */
export async function editScript(id: string, input: ScriptInput, etag: string | null): Promise<SalesScript> {
  return unwrap(
    api.PATCH("/api/v1/scripts/{id}", {
      params: { path: { id } },
      body: input,
      headers: etag ? { "If-Match": etag } : {},
    }),
  );
}

export async function editEmail(id: string, input: EmailInput, etag: string | null): Promise<SalesEmail> {
  return unwrap(
    api.PATCH("/api/v1/emails/{id}", {
      params: { path: { id } },
      body: input,
      headers: etag ? { "If-Match": etag } : {},
    }),
  );
}
