// Test helpers of the content screens: JSON and error responses, a `fetch` stub that keeps what
// was sent, a signed-in user, and a page rendered in a memory router.
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { useAuth, type Me } from "../../../store/auth";

export { failure, json } from "../../../test/responses";

/** Stubs `fetch` with `answer` and keeps every request sent, with its body text. */
export function stubFetch(answer: (request: Request, body: string) => Response | Promise<Response>) {
  const sent: { request: Request; url: URL; body: string }[] = [];
  const mock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const body = request.method === "GET" || request.method === "HEAD" ? "" : await request.clone().text();
    sent.push({ request, url: new URL(request.url), body });
    return answer(request, body);
  });
  vi.stubGlobal("fetch", mock);
  return { mock, sent };
}

/** Signs a user of `role` in (the app only renders pages for signed-in users). */
export function signInAs(role: "admin" | "member") {
  const me = {
    user: { id: "usr_1", email: "sam@acme.test", name: "Sam" },
    organization: { id: "org_acme", name: "Acme" },
    role,
  } as unknown as Me;
  useAuth.setState({ token: "test-token", me });
}

function Where() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** Renders `element` at `path`, matched by `routes` (e.g. "/products/:id"), in a memory router. */
export function renderAt(element: ReactElement, path: string, routes: string | string[] = path) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        {(Array.isArray(routes) ? routes : [routes]).map((route) => (
          <Route key={route} path={route} element={element} />
        ))}
        <Route path="*" element={<p>Elsewhere</p>} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}
