// Responses as the server sends them, for the component tests' `fetch` stubs.

/** A JSON response, with an ETag when given. */
export function json(body: unknown, status = 200, etag?: string): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (etag) headers["ETag"] = etag;
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers });
}

/** The server's error envelope. */
export function failure(status: number, code: string, message: string, details: Record<string, unknown> = {}): Response {
  return json({ code, message, details, retryable: false, request_id: "req_test", timestamp: "2025-01-01T00:00:00Z" }, status);
}
