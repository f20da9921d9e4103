// Vitest setup: DOM matchers, relative request URLs, and a clean local storage between tests.
import "@testing-library/jest-dom/vitest";
import { afterEach } from "vitest";
import { cleanup } from "@testing-library/react";

// Under Node a Request needs an absolute URL, and the typed client (which captures `Request`
// when it is created) builds relative ones as a browser would: resolve them on the test origin.
const NodeRequest = globalThis.Request;
class RelativeRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" && input.startsWith("/") ? new URL(input, "http://localhost") : input, init);
  }
}
globalThis.Request = RelativeRequest as typeof Request;

afterEach(() => {
  cleanup();
  localStorage.clear();
});
