// A content list screen (products, clients): search, one text filter, "Show archived", sort,
// pages of 20 in a table whose names link to the editor, and an empty state in words.
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { SelectField, TextField } from "../../../components/Field";
import { Pagination } from "../../../components/Pagination";
import { useDebounced, useListParams } from "./useListParams";
import "./content.css";

export const PAGE_SIZE = 20;

/** What a list screen asks its `fetchPage` for. */
export interface ListQuery {
  limit: number;
  offset: number;
  q?: string;
  sort: string;
  /** `true` for active records only; absent for all (archived included). */
  is_active?: boolean;
  /** The text filter's value, when set. */
  filter?: string;
}

export interface PageOf<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
}

interface Listed {
  id: string;
  name: string;
  is_active: boolean;
}

interface Props<T extends Listed> {
  /** The heading ("Products"). */
  title: string;
  /** Singular and plural nouns, in lower case ("product", "products"). */
  noun: string;
  plural: string;
  /** Where the records live ("/products"): rows link to `${basePath}/${id}`. */
  basePath: string;
  /** The text of the link to a new record ("New product"). */
  newLabel: string;
  /** The list's text filter: URL parameter, label and hint. */
  filter: { key: string; label: string; hint?: string };
  /** What the search box looks through, in words. */
  searchHint: string;
  sorts: { value: string; label: string }[];
  /** The columns after the name. */
  columns: Column<T>[];
  fetchPage: (query: ListQuery, signal: AbortSignal) => Promise<PageOf<T>>;
}

export function RecordList<T extends Listed>(props: Props<T>) {
  const { title, noun, plural, basePath, newLabel, filter, searchHint, sorts, columns } = props;
  const [state, update] = useListParams(filter.key, sorts[0]?.value ?? "-created_at");
  const [search, setSearch] = useState(state.q);
  const [filterText, setFilterText] = useState(state.filter);
  const settledSearch = useDebounced(search);
  const settledFilter = useDebounced(filterText);
  const [page, setPage] = useState<PageOf<T> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [reloads, setReloads] = useState(0);
  const fetchPage = useRef(props.fetchPage);
  fetchPage.current = props.fetchPage;

  useEffect(() => {
    if (settledSearch.trim() !== state.q) update({ q: settledSearch });
    // Only a settled change of the box moves the URL (not a change of the URL itself).
  }, [settledSearch]);
  useEffect(() => {
    if (settledFilter.trim() !== state.filter) update({ filter: settledFilter });
  }, [settledFilter]);

  const query: ListQuery = {
    limit: PAGE_SIZE,
    offset: state.offset,
    sort: state.sort,
    ...(state.q ? { q: state.q } : {}),
    ...(state.showArchived ? {} : { is_active: true }),
    ...(state.filter ? { filter: state.filter } : {}),
  };
  const key = JSON.stringify(query);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    fetchPage
      .current(JSON.parse(key) as ListQuery, controller.signal)
      .then((result) => {
        setPage(result);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!controller.signal.aborted) setError(failure);
      })
      .finally(() => {
        if (!controller.signal.aborted) setLoading(false);
      });
    return () => controller.abort();
  }, [key, reloads]);

  function submitSearch(event: FormEvent) {
    event.preventDefault();
    update({ q: search, filter: filterText });
  }

  const filtered = Boolean(state.q || state.filter);
  const items = page?.items ?? [];

  return (
    <section aria-labelledby="list-title">
      <div className="content-header">
        <h1 id="list-title">{title}</h1>
        <Link to={`${basePath}/new`} className="button">
          {newLabel}
        </Link>
      </div>

      <form role="search" aria-label={`Find ${plural}`} className="toolbar content-toolbar" onSubmit={submitSearch}>
        <TextField
          label="Search"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          hint={searchHint}
        />
        <TextField
          label={filter.label}
          value={filterText}
          onChange={(e) => setFilterText(e.target.value)}
          hint={filter.hint}
        />
        <SelectField label="Sort by" options={sorts} value={state.sort} onChange={(e) => update({ sort: e.target.value })} />
        <div className="checkbox">
          <input
            id="show-archived"
            type="checkbox"
            checked={state.showArchived}
            onChange={(e) => update({ showArchived: e.target.checked })}
          />
          <label htmlFor="show-archived">Show archived</label>
        </div>
        <button type="submit" className="secondary">
          Apply
        </button>
      </form>

      <ErrorNotice error={error} />
      {error != null && (
        <button type="button" className="secondary" onClick={() => setReloads((n) => n + 1)}>
          Try again
        </button>
      )}

      <p className="muted small" aria-live="polite">
        {loading ? `Loading ${plural}…` : page ? `${page.total} ${page.total === 1 ? noun : plural}` : ""}
      </p>

      {page && items.length === 0 && !loading && (
        <p>
          {filtered
            ? `No ${plural} match this search. Try other words or clear the filters.`
            : state.showArchived
              ? `There are no ${plural} yet. Use "${newLabel}" to add the first one.`
              : `There are no active ${plural}. Use "${newLabel}" to add one, or tick "Show archived".`}
        </p>
      )}

      {items.length > 0 && (
        <div className="table-wrap">
          <table className="content-table" aria-busy={loading}>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                {columns.map((column) => (
                  <th key={column.header} scope="col">
                    {column.header}
                  </th>
                ))}
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <tr key={item.id}>
                  <td>
                    <Link to={`${basePath}/${item.id}`}>{item.name}</Link>
                  </td>
                  {columns.map((column) => (
                    <td key={column.header}>{column.cell(item)}</td>
                  ))}
                  <td>{item.is_active ? <span className="badge ok">Active</span> : <span className="badge">Archived</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {page && (
        <Pagination total={page.total} limit={PAGE_SIZE} offset={state.offset} onChange={(offset) => update({ offset })} />
      )}
    </section>
  );
}

/** A date as the reader's locale writes it. */
export function shortDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}
