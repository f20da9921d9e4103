// The dead-letter tab: Retry posts to the entry's retry endpoint and shows the result; Abandon
// asks first; Details reads the entry and shows its replays.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import PulsePage from "./PulsePage";
import { page, stubFetch } from "./testing";

const ID = "0190a0b0-0000-7000-8000-0000000000d1";
const BASE = "/api/v1/pulse/dead-letter-queue";

function entry(fields: Record<string, unknown> = {}) {
  return {
    id: ID,
    pipeline_run_id: "0190a0b0-0000-7000-8000-0000000000a1",
    error_type: "provider",
    error_code: "PROVIDER_SERVER_ERROR",
    error_message: "The AI provider failed.",
    failed_stage: "llm",
    context_snapshot: { topology: "chat_default" },
    input_data: { service: "chat", content: "Hello" },
    request_id: "req-9",
    org_id: "org-1",
    retry_count: 1,
    max_retries: 3,
    last_retry_at: "2026-12-01T10:05:00Z",
    next_retry_at: "2026-12-01T10:15:00Z",
    status: "pending",
    created_at: "2026-12-01T10:00:00Z",
    updated_at: "2026-12-01T10:05:00Z",
    ...fields,
  };
}

function renderQueue() {
  return render(
    <MemoryRouter initialEntries={["/pulse?tab=dead-letters"]}>
      <Routes>
        <Route path="/pulse" element={<PulsePage />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("Dead letters", () => {
  it("retries an entry through its retry endpoint, shows the result and refreshes", async () => {
    let current = entry();
    const seen = stubFetch((method, path) => {
      if (method === "GET" && path === BASE) return { body: page([current]) };
      if (method === "POST" && path === `${BASE}/${ID}/retry`) {
        current = entry({ status: "resolved", retry_count: 2, resolution_notes: "replayed by pipeline run x" });
        return { body: current };
      }
      return undefined;
    });
    const user = userEvent.setup();
    renderQueue();

    expect(screen.getByRole("tab", { name: "Dead letters" })).toHaveAttribute("aria-selected", "true");
    const row = (await screen.findByText("PROVIDER_SERVER_ERROR")).closest("tr")!;
    expect(within(row).getByText("chat · chat_default")).toBeInTheDocument();
    expect(within(row).getByText("1 / 3")).toBeInTheDocument();

    await user.click(within(row).getByRole("button", { name: "Retry" }));

    expect(await screen.findByText("Retried: the replay succeeded and the entry is resolved.")).toBeInTheDocument();
    const retry = seen.find((r) => r.method === "POST")!;
    expect(retry.path).toBe(`${BASE}/${ID}/retry`);
    expect(retry.headers.get("Idempotency-Key")).toBeTruthy();
    await waitFor(() => expect(seen.filter((r) => r.method === "GET" && r.path === BASE)).toHaveLength(2));
    const refreshed = (await screen.findByText("Resolved", { selector: ".badge" })).closest("tr")!;
    expect(within(refreshed).getByRole("button", { name: "Retry" })).toBeDisabled();
    expect(within(refreshed).getByRole("button", { name: "Resolve" })).toBeDisabled();
  });

  it("shows a refused retry with its request id", async () => {
    stubFetch((method, path) => {
      if (method === "GET" && path === BASE) return { body: page([entry()]) };
      if (method === "POST")
        return { status: 409, body: { code: "CONFLICT", message: "A replay is in flight.", request_id: "req-409", retryable: false } };
      return undefined;
    });
    const user = userEvent.setup();
    renderQueue();
    await user.click(await screen.findByRole("button", { name: "Retry" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("A replay is in flight.");
    expect(alert).toHaveTextContent("req-409");
  });

  it("abandons only after a confirmation, with the notes of the opened entry", async () => {
    const seen = stubFetch((method, path) => {
      if (method === "GET" && path === BASE) return { body: page([entry()]) };
      if (method === "GET" && path === `${BASE}/${ID}`) return { body: entry() };
      if (method === "POST" && path === `${BASE}/${ID}/abandon`) return { body: entry({ status: "abandoned" }) };
      return undefined;
    });
    const confirm = vi.spyOn(window, "confirm").mockReturnValueOnce(false).mockReturnValueOnce(true);
    const user = userEvent.setup();
    renderQueue();

    const abandon = await screen.findByRole("button", { name: "Abandon" });
    await user.click(abandon);
    expect(confirm).toHaveBeenCalledTimes(1);
    expect(seen.some((r) => r.method === "POST")).toBe(false);

    // Open the entry: its replays, and the notes field.
    await user.click(screen.getByRole("button", { name: "Details" }));
    expect(await screen.findByRole("heading", { name: "Replays" })).toBeInTheDocument();
    expect(screen.getByText(`dlq-${ID}-1`)).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Open the failed run" })).toHaveAttribute(
      "href",
      "/pulse/runs/0190a0b0-0000-7000-8000-0000000000a1",
    );
    await user.type(screen.getByLabelText("Notes sent with Resolve or Abandon (optional)"), "user left");

    await user.click(abandon);
    expect(await screen.findByText("Abandoned: no replay will be scheduled.")).toBeInTheDocument();
    const post = seen.find((r) => r.method === "POST")!;
    expect(post.path).toBe(`${BASE}/${ID}/abandon`);
    expect(post.body).toEqual({ notes: "user left" });
  });

  it("filters by status through the URL", async () => {
    const seen = stubFetch((method, path) => (method === "GET" && path === BASE ? { body: page([]) } : undefined));
    const user = userEvent.setup();
    renderQueue();
    await screen.findByText("No dead letters.");
    await user.selectOptions(screen.getByLabelText("Status"), "abandoned");
    await waitFor(() => expect(seen.at(-1)?.query.get("status")).toBe("abandoned"));
  });
});
