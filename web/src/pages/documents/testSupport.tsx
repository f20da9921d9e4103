// Test helpers of the generation and document screens: stubs `fetch` by route, builds
// Server-Sent Event responses, and renders a page in a memory router.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { useAuth, type Me } from "../../store/auth";
import { json } from "../../test/responses";

export { failure, json } from "../../test/responses";

export interface Sent {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
  signal: AbortSignal | null;
}

/** Stubs `fetch` with `answer` and keeps every request sent. */
export function stubFetch(answer: (sent: Sent) => Response | Promise<Response>) {
  const sent: Sent[] = [];
  const mock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
    const entry = {
      method: request.method,
      url: new URL(request.url),
      headers: request.headers,
      body,
      signal: init?.signal ?? null,
    };
    sent.push(entry);
    return answer(entry);
  });
  vi.stubGlobal("fetch", mock);
  return { mock, sent };
}

/** One Server-Sent Event frame. */
export function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * An event-stream response whose frames are held back until `release()` lets the next one
 * through (all of them with `release(Infinity)`); the stream ends after the last frame.
 */
export function heldStream(frames: string[]): { response: Response; release: (count?: number) => void } {
  const encoder = new TextEncoder();
  let allowed = 0;
  let sent = 0;
  let wake: (() => void) | null = null;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (sent >= allowed && sent < frames.length) {
        await new Promise<void>((resolve) => (wake = resolve));
      }
      if (sent < frames.length) controller.enqueue(encoder.encode(frames[sent++]!));
      if (sent >= frames.length) controller.close();
    },
  });
  const release = (count = 1) => {
    allowed += count;
    const waiting = wake;
    wake = null;
    waiting?.();
  };
  return {
    response: new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream" } }),
    release,
  };
}

/** Signs a member in (the app only renders pages for signed-in users). */
export function signIn() {
  const me = {
    user: { id: "usr_1", email: "sam@acme.test", name: "Sam" },
    organization: { id: "org_acme", name: "Acme" },
    role: "member",
  } as unknown as Me;
  useAuth.setState({ token: "test-token", me });
}

function Where() {
  const location = useLocation();
  return <div data-testid="location">{location.pathname + location.search}</div>;
}

/** Renders `element` at `path`, matched by `route`, in a memory router (other paths: "Elsewhere"). */
export function renderAt(element: ReactElement, path: string, route: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path={route} element={element} />
        <Route path="*" element={<p>Elsewhere</p>} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

export const CLIENT = {
  id: "c1",
  org_id: "org_acme",
  name: "Dana Smith",
  company: "Globex",
  title: null,
  industry: null,
  email: "dana@globex.test",
  pain_points: [],
  goals: [],
  objection_patterns: [],
  communication_style: null,
  decision_criteria: [],
  is_active: true,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
};

export const PRODUCT = {
  id: "p1",
  org_id: "org_acme",
  name: "Acme Reports",
  description: null,
  category: null,
  key_features: [],
  pricing_info: {},
  target_audience: null,
  competitive_advantages: null,
  use_cases: [],
  is_active: true,
  created_at: "2025-01-01T00:00:00Z",
  updated_at: "2025-01-01T00:00:00Z",
};

/** A list answer. */
export function page(items: unknown[]): Response {
  return json({ items, total: items.length, limit: 100, offset: 0 });
}
