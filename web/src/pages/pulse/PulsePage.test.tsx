// The Pulse page's tabs: a real tablist driven by the arrow keys, the selection kept in the URL;
// and the runs and metrics tabs rendering what the API answers.
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { MemoryRouter, Route, Routes, useLocation } from "react-router-dom";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import PulsePage from "./PulsePage";
import { page, stubFetch } from "./testing";

const RUN = {
  id: "run-1",
  service: "chat",
  pipeline_name: "chat",
  topology: "chat_default",
  org_id: "org-1",
  status: "completed",
  total_latency_ms: 1250,
  ttft_ms: 300,
  tokens_in: 10,
  tokens_out: 20,
  total_cost_usd_micros: 42,
  total_cost_cents: 1,
  success: true,
  started_at: "2026-12-01T10:00:00Z",
};

const METRICS = {
  start_time: "2026-12-01T10:00:00Z",
  end_time: "2026-12-01T12:00:00Z",
  totals: { runs: 5, successful: 4, failed: 1, cancelled: 0 },
  success_rate: 0.8,
  latency_ms: { p50: 900, p95: 1800, p99: 2000 },
  ttft_ms: { p50: 200, p95: 400 },
  tokens_in: 100,
  tokens_out: 200,
  cost_usd_micros: 3_000,
  cost_usd: 0.003,
  by_service: [],
  by_provider: [{ name: "groq", calls: 5, errors: 1, tokens_in: 100, tokens_out: 200, cost_usd_micros: 3_000, cost_usd: 0.003, latency_p50_ms: 800, latency_p95_ms: 1700 }],
  by_model: [],
  hourly: [
    { hour: "2026-12-01T10:00:00Z", runs: 2, failures: 0, latency_p95_ms: 1000, cost_usd_micros: 1_000, cost_usd: 0.001 },
    { hour: "2026-12-01T11:00:00Z", runs: 3, failures: 1, latency_p95_ms: 1800, cost_usd_micros: 2_000, cost_usd: 0.002 },
  ],
};

const STATS = {
  hours: 24,
  start_time: "2026-11-30T12:00:00Z",
  end_time: "2026-12-01T12:00:00Z",
  total_runs: 5,
  successful: 4,
  failed: 1,
  success_rate: 0.8,
  avg_latency_ms: 1100,
  tokens_in: 100,
  tokens_out: 200,
  cost_usd_micros: 3_000,
  cost_usd: 0.003,
  dlq_pending: 2,
};

function Where() {
  return <p data-testid="where">{useLocation().search}</p>;
}

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/pulse" element={<PulsePage />} />
      </Routes>
      <Where />
    </MemoryRouter>,
  );
}

function stubApi() {
  return stubFetch((method, path) => {
    if (method !== "GET") return undefined;
    if (path === "/api/v1/pulse/pipeline-runs") return { body: page([RUN]) };
    if (path === "/api/v1/pulse/provider-calls") return { body: page([]) };
    if (path === "/api/v1/pulse/dead-letter-queue") return { body: page([]) };
    if (path === "/api/v1/pulse/metrics") return { body: METRICS };
    if (path === "/api/v1/pulse/stats") return { body: STATS };
    return undefined;
  });
}

beforeAll(() => {
  // Recharts' responsive charts observe their size; jsdom has no ResizeObserver.
  globalThis.ResizeObserver ??= class {
    observe() {}
    unobserve() {}
    disconnect() {}
  } as unknown as typeof ResizeObserver;
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("PulsePage", () => {
  it("moves between tabs with the arrow keys and keeps the tab in the URL", async () => {
    stubApi();
    const user = userEvent.setup();
    renderAt("/pulse");
    expect(screen.getByRole("heading", { level: 1, name: "Pulse" })).toBeInTheDocument();
    const tabs = within(screen.getByRole("tablist")).getAllByRole("tab");
    expect(tabs.map((tab) => tab.textContent)).toEqual(["Runs", "Provider calls", "Metrics", "Dead letters"]);
    const runs = screen.getByRole("tab", { name: "Runs" });
    expect(runs).toHaveAttribute("aria-selected", "true");
    expect(screen.getByRole("tabpanel", { name: "Runs" })).toBeInTheDocument();

    runs.focus();
    await user.keyboard("{ArrowRight}");
    const calls = screen.getByRole("tab", { name: "Provider calls" });
    expect(calls).toHaveAttribute("aria-selected", "true");
    expect(calls).toHaveFocus();
    expect(screen.getByTestId("where")).toHaveTextContent("?tab=provider-calls");
    expect(runs).toHaveAttribute("tabindex", "-1");

    await user.keyboard("{End}");
    expect(screen.getByRole("tab", { name: "Dead letters" })).toHaveFocus();
    expect(screen.getByTestId("where")).toHaveTextContent("?tab=dead-letters");
    await user.keyboard("{ArrowRight}");
    expect(screen.getByRole("tab", { name: "Runs" })).toHaveAttribute("aria-selected", "true");
    await user.keyboard("{ArrowLeft}");
    expect(screen.getByRole("tab", { name: "Dead letters" })).toHaveAttribute("aria-selected", "true");
  });

  it("lists runs with links to their detail and sends the filters", async () => {
    const seen = stubApi();
    const user = userEvent.setup();
    renderAt("/pulse?tab=runs");
    const link = await screen.findByRole("link", { name: /^chat, started/ });
    expect(link).toHaveAttribute("href", "/pulse/runs/run-1");
    const row = link.closest("tr")!;
    expect(within(row).getByText("Completed")).toBeInTheDocument();
    expect(within(row).getByText("1.25 s")).toBeInTheDocument();
    expect(within(row).getByText("$0.000042")).toBeInTheDocument();

    await user.selectOptions(screen.getByLabelText("Status"), "failure");
    await user.selectOptions(screen.getByLabelText("Since"), "24h");
    await user.click(screen.getByRole("button", { name: "Apply filters" }));
    await waitFor(() => expect(seen.at(-1)?.query.get("success")).toBe("false"));
    expect(seen.at(-1)?.query.get("start_time")).toBeTruthy();
    expect(screen.getByTestId("where")).toHaveTextContent("outcome=failure");
  });

  it("shows the metrics figures, charts with text alternatives and breakdowns", async () => {
    stubApi();
    renderAt("/pulse?tab=metrics");
    const figures = await screen.findByLabelText("Summary of the last 24 hours");
    expect(within(figures).getByText("Runs").nextElementSibling).toHaveTextContent("5");
    expect(within(figures).getByText("Failures").nextElementSibling).toHaveTextContent("1");
    expect(within(figures).getByText("Cost").nextElementSibling).toHaveTextContent("$0.003");
    expect(await screen.findByRole("heading", { name: "Cost per hour" })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /^Cost per hour\. Total \$0\.003 over 2 hours/ })).toBeInTheDocument();
    expect(screen.getByRole("img", { name: /^Latency p95 per hour\. Highest 1\.80 s/ })).toBeInTheDocument();
    expect(screen.getByText("Data table: Cost per hour")).toBeInTheDocument();
    expect(screen.getByRole("table", { name: "Cost per hour, hour by hour" })).toBeInTheDocument();
    expect(screen.getByRole("row", { name: /groq/ })).toHaveTextContent("1.70 s");
  });
});
