// /scripts and /emails: the organization's documents with search, filters (type, client,
// product, latest versions only), sort and pages; each row opens the version's screen.
import { useEffect, useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Pagination } from "../../components/Pagination";
import type { DocumentKind } from "../../lib/documents/kinds";
import { DocumentFilters } from "./DocumentFilters";
import { DocumentsTable } from "./DocumentsTable";
import { listDocuments, type DocumentPage, type DocumentQuery } from "./documentsApi";
import { queryFromUrl, urlFromQuery } from "./listQuery";
import { clientLabel, useSubjects } from "./useSubjects";
import "./documents.css";

export default function DocumentsPage({ kind }: { kind: DocumentKind }) {
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => queryFromUrl(params), [params]);
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const subjects = useSubjects();
  const title = kind === "script" ? "Scripts" : "Emails";

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    listDocuments(kind, query).then(
      (result) => {
        if (!live) return;
        setPage(result);
        setLoading(false);
      },
      (caught: unknown) => {
        if (!live) return;
        setError(caught);
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [kind, query]);

  const update = (patch: Partial<DocumentQuery>, keepOffset = false) =>
    setParams(urlFromQuery({ ...query, ...patch, offset: keepOffset ? (patch.offset ?? query.offset) : 0 }));

  const clientName = (id: string | null | undefined) => {
    if (!id) return "—";
    const client = subjects.clients.find((c) => c.id === id);
    return client ? clientLabel(client) : "Another client";
  };
  const productName = (id: string | null | undefined) => {
    if (!id) return "—";
    return subjects.products.find((p) => p.id === id)?.name ?? "Another product";
  };

  return (
    <div className="stack">
      <div className="toolbar documents-head">
        <h1>{title}</h1>
        <Link className="button" to={`/generate?kind=${kind}`}>
          {kind === "script" ? "Generate a script" : "Generate an email"}
        </Link>
      </div>
      <DocumentFilters
        kind={kind}
        query={query}
        onChange={(patch) => update(patch)}
        clients={subjects.clients}
        products={subjects.products}
      />
      <ErrorNotice error={subjects.error} />
      <ErrorNotice error={error} />
      <div aria-live="polite" aria-busy={loading}>
        {loading && <p className="muted">Loading {title.toLowerCase()}…</p>}
        {!loading && page && page.items.length === 0 && (
          <p className="muted">
            {query.q || query.type || query.client_id || query.product_id
              ? `No ${title.toLowerCase()} match these filters.`
              : `No ${title.toLowerCase()} yet.`}
          </p>
        )}
      </div>
      {page && page.items.length > 0 && (
        <DocumentsTable kind={kind} items={page.items} clientName={clientName} productName={productName} />
      )}
      {page && (
        <Pagination
          total={page.total}
          limit={page.limit}
          offset={page.offset}
          onChange={(offset) => update({ offset }, true)}
        />
      )}
    </div>
  );
}
