// Test helpers for the Pulse screens: a `fetch` stub answering by method and path, and the
// requests it received.
import { vi } from "vitest";

export interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Headers;
  body: unknown;
}

type Reply = { status?: number; body: unknown } | undefined;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ETag: '"1"' },
  });
}

/** Stubs `fetch` with `route(method, path, query)`; unrouted requests answer 404. */
export function stubFetch(route: (method: string, path: string, query: URLSearchParams) => Reply): Seen[] {
  const seen: Seen[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: Request) => {
      const url = new URL(input.url);
      const text = await input.clone().text();
      seen.push({
        method: input.method,
        path: url.pathname,
        query: url.searchParams,
        headers: input.headers,
        body: text ? JSON.parse(text) : undefined,
      });
      const reply = route(input.method, url.pathname, url.searchParams);
      if (!reply) return json({ code: "NOT_FOUND", message: "No such thing.", request_id: "req-test" }, 404);
      return json(reply.body, reply.status ?? 200);
    }),
  );
  return seen;
}

export const page = <T>(items: T[]) => ({ items, total: items.length, limit: 25, offset: 0 });
