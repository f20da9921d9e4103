// Loads the organization's clients and products (first 100 of each, by name) for the selects of
// the generation form and the document filters, and for showing names instead of ids.
import { useEffect, useState } from "react";
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";

export type Client = components["schemas"]["Client"];
export type Product = components["schemas"]["Product"];

export interface Subjects {
  clients: Client[];
  products: Product[];
  loading: boolean;
  error: unknown;
}

export function useSubjects(): Subjects {
  const [state, setState] = useState<Subjects>({ clients: [], products: [], loading: true, error: null });
  useEffect(() => {
    let live = true;
    Promise.all([
      unwrap(api.GET("/api/v1/clients", { params: { query: { limit: 100, sort: "name" } } })),
      unwrap(api.GET("/api/v1/products", { params: { query: { limit: 100, sort: "name" } } })),
    ]).then(
      ([clients, products]) => {
        if (live) setState({ clients: clients.items, products: products.items, loading: false, error: null });
      },
      (error: unknown) => {
        if (live) setState({ clients: [], products: [], loading: false, error });
      },
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

/** "Dana Smith (Globex)". */
export function clientLabel(client: Client): string {
  return client.company ? `${client.name} (${client.company})` : client.name;
}

/** Select options for clients or products, led by a "none" option. */
export function subjectOptions<T extends { id: string; name: string }>(
  items: T[],
  none: string,
  label: (item: T) => string = (item) => item.name,
): { value: string; label: string }[] {
  return [{ value: "", label: none }, ...items.map((item) => ({ value: item.id, label: label(item) }))];
}
