// Loads one version (with its ETag), every version of its document, and its client and product.
import { useCallback, useEffect, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { DocumentKind, SalesDocument } from "../../lib/documents/kinds";
import { getDocument, listVersions } from "./documentsApi";
import type { Client, Product } from "./useSubjects";

export interface DocumentDetailState {
  record: SalesDocument | null;
  etag: string | null;
  versions: SalesDocument[];
  client: Client | null;
  product: Product | null;
  loading: boolean;
  /** The version could not be read. */
  error: unknown;
  /** The versions, client or product could not be read (the version still shows). */
  sideError: unknown;
}

const EMPTY: DocumentDetailState = {
  record: null,
  etag: null,
  versions: [],
  client: null,
  product: null,
  loading: true,
  error: null,
  sideError: null,
};

export function useDocumentDetail(kind: DocumentKind, id: string) {
  const [state, setState] = useState<DocumentDetailState>(EMPTY);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);

  useEffect(() => {
    let live = true;
    setState((current) => ({ ...current, loading: true, error: null, sideError: null }));
    (async () => {
      let loaded: { data: SalesDocument; etag: string | null };
      try {
        loaded = await getDocument(kind, id);
      } catch (error) {
        if (live) setState({ ...EMPTY, loading: false, error });
        return;
      }
      const { data, etag } = loaded;
      const [versions, client, product] = await Promise.allSettled([
        listVersions(kind, id),
        data.client_id ? unwrap(api.GET("/api/v1/clients/{id}", { params: { path: { id: data.client_id } } })) : null,
        data.product_id ? unwrap(api.GET("/api/v1/products/{id}", { params: { path: { id: data.product_id } } })) : null,
      ]);
      if (!live) return;
      const failed = [versions, client, product].find((r) => r.status === "rejected");
      setState({
        record: data,
        etag,
        versions: versions.status === "fulfilled" ? versions.value : [data],
        client: client.status === "fulfilled" ? client.value : null,
        product: product.status === "fulfilled" ? product.value : null,
        loading: false,
        error: null,
        sideError: failed?.status === "rejected" ? failed.reason : null,
      });
    })();
    return () => {
      live = false;
    };
  }, [kind, id, generation]);

  return { ...state, reload };
}
