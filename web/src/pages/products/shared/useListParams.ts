// A content list's search, filter, sort and page, kept in the URL (so Back and links keep them).
import { useCallback, useEffect, useState } from "react";
import { useSearchParams } from "react-router-dom";

export interface ListState {
  q: string;
  showArchived: boolean;
  /** The value of the list's one text filter (category, industry). */
  filter: string;
  sort: string;
  offset: number;
}

/** The list state from the URL, and a setter that goes back to the first page on every change but paging. */
export function useListParams(filterKey: string, defaultSort: string): [ListState, (patch: Partial<ListState>) => void] {
  const [params, setParams] = useSearchParams();
  const state: ListState = {
    q: params.get("q") ?? "",
    showArchived: params.get("archived") === "1",
    filter: params.get(filterKey) ?? "",
    sort: params.get("sort") ?? defaultSort,
    offset: Math.max(0, Number(params.get("offset")) || 0),
  };
  const update = useCallback(
    (patch: Partial<ListState>) => {
      setParams(
        (previous) => {
          const next = new URLSearchParams(previous);
          const put = (key: string, value: string | null) => (value ? next.set(key, value) : next.delete(key));
          if (patch.q !== undefined) put("q", patch.q.trim());
          if (patch.showArchived !== undefined) put("archived", patch.showArchived ? "1" : null);
          if (patch.filter !== undefined) put(filterKey, patch.filter.trim());
          if (patch.sort !== undefined) put("sort", patch.sort === defaultSort ? null : patch.sort);
          const offset = patch.offset ?? 0;
          put("offset", offset > 0 ? String(offset) : null);
          return next;
        },
        { replace: true },
      );
    },
    [setParams, filterKey, defaultSort],
  );
  return [state, update];
}

/** `value`, once it has stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}
