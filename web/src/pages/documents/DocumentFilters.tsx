// The search, filters and sort of the scripts or emails list.
import { useEffect, useState, type FormEvent } from "react";
import { SelectField, TextField } from "../../components/Field";
import { typesOf, type DocumentKind } from "../../lib/documents/kinds";
import type { DocumentQuery } from "./documentsApi";
import { SORTS } from "./listQuery";
import { clientLabel, subjectOptions, type Client, type Product } from "./useSubjects";

export function DocumentFilters({
  kind,
  query,
  onChange,
  clients,
  products,
}: {
  kind: DocumentKind;
  query: DocumentQuery;
  /** A change of filter (the list goes back to its first page). */
  onChange: (patch: Partial<DocumentQuery>) => void;
  clients: Client[];
  products: Product[];
}) {
  const [q, setQ] = useState(query.q ?? "");
  useEffect(() => setQ(query.q ?? ""), [query.q]);
  const search = (event: FormEvent) => {
    event.preventDefault();
    onChange({ q: q.trim() });
  };
  return (
    <div className="card stack">
      <form role="search" className="row" onSubmit={search}>
        <div className="grow">
          <TextField label="Search" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
        </div>
        <button type="submit">Search</button>
      </form>
      <div className="row documents-filters">
        <SelectField
          label="Type"
          options={[{ value: "", label: "All types" }, ...typesOf(kind)]}
          value={query.type ?? ""}
          onChange={(e) => onChange({ type: e.target.value })}
        />
        <SelectField
          label="Client"
          options={subjectOptions(clients, "All clients", clientLabel)}
          value={query.client_id ?? ""}
          onChange={(e) => onChange({ client_id: e.target.value })}
        />
        <SelectField
          label="Product"
          options={subjectOptions(products, "All products")}
          value={query.product_id ?? ""}
          onChange={(e) => onChange({ product_id: e.target.value })}
        />
        <SelectField label="Sort" options={SORTS} value={query.sort} onChange={(e) => onChange({ sort: e.target.value })} />
        <div className="checkbox-field">
          <input
            id={`${kind}-latest-only`}
            type="checkbox"
            checked={query.latest_only}
            onChange={(e) => onChange({ latest_only: e.target.checked })}
          />
          <label htmlFor={`${kind}-latest-only`}>Latest versions only</label>
        </div>
      </div>
    </div>
  );
}
