// RunDetail renders a stubbed run: its header, the stage Gantt chart (and table), its events in
// time order and its provider calls.
import { render, screen, within } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it, vi } from "vitest";
import RunDetail from "./RunDetail";
import { page, stubFetch } from "./testing";

const START = Date.parse("2026-12-01T10:00:00.000Z");
const at = (ms: number) => new Date(START + ms).toISOString();
let n = 0;
const event = (event_type: string, ms: number, data: Record<string, unknown> = {}) => ({
  id: `ev-${++n}`,
  pipeline_run_id: "run-1",
  event_type,
  type: event_type,
  event_data: data,
  data,
  occurred_at: at(ms),
  timestamp: at(ms),
});

const RUN = {
  id: "run-1",
  service: "chat",
  pipeline_name: "chat",
  topology: "chat_default",
  quality_mode: "balanced",
  request_id: "req-1",
  org_id: "org-1",
  status: "failed",
  stages: {
    input_guard: { status: "ok", duration_ms: 5, error: null },
    llm: { status: "ok", duration_ms: 800, error: null },
    persist: { status: "fail", duration_ms: 10, error: "database down" },
  },
  total_latency_ms: 830,
  ttft_ms: 120,
  tokens_in: 1200,
  tokens_out: 340,
  tokens_per_second: 42.5,
  total_cost_usd_micros: 12_345,
  total_cost_cents: 2,
  success: false,
  error: "stage `persist` failed: database down",
  error_code: "STAGE_FAILED",
  llm_provider_call_id: "call-1",
  started_at: at(0),
  completed_at: at(830),
  events: [
    event("pipeline.failed", 830, { status: "failed" }),
    event("pipeline.started", 0, { pipeline: "chat" }),
    event("stage.input_guard.started", 1, { stage: "input_guard" }),
    event("stage.input_guard.completed", 6, { stage: "input_guard", status: "ok", duration_ms: 5 }),
    event("stage.llm.started", 10, { stage: "llm" }),
    event("stage.llm.completed", 812, { stage: "llm", status: "ok", duration_ms: 800 }),
    event("stage.wide", 813, { stage: "llm", status: "ok", started_at: at(10), ended_at: at(810), duration_ms: 800 }),
    event("stage.persist.started", 815, { stage: "persist" }),
    event("stage.persist.failed", 825, { stage: "persist", error: "database down" }),
  ],
};

const CALL = {
  id: "call-1",
  service: "chat",
  operation: "llm",
  provider: "groq",
  model_id: "llama-3.1-8b-instant",
  response_model: "llama-3.1-8b-instant",
  request_id: "req-1",
  pipeline_run_id: "run-1",
  org_id: "org-1",
  prompt_messages: [{ role: "user", content: "Hello there" }],
  output_content: "Hi! How can I help?",
  latency_ms: 790,
  tokens_in: 1200,
  tokens_out: 340,
  tokens_estimated: false,
  cost_usd_micros: 12_345,
  cost_cents: 2,
  priced: true,
  success: true,
  started_at: at(10),
  created_at: at(10),
};

function renderAt(path: string) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/pulse/runs/:id" element={<RunDetail />} />
      </Routes>
    </MemoryRouter>,
  );
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("RunDetail", () => {
  it("shows the run, its stage timeline, its events in order and its provider calls", async () => {
    const seen = stubFetch((method, path) => {
      if (method === "GET" && path === "/api/v1/pulse/pipeline-runs/run-1") return { body: RUN };
      if (method === "GET" && path === "/api/v1/pulse/provider-calls")
        return { body: page([CALL, { ...CALL, id: "call-other", pipeline_run_id: "run-2" }]) };
      return undefined;
    });
    const { container } = renderAt("/pulse/runs/run-1");

    expect(await screen.findByRole("heading", { level: 1, name: "Run: chat" })).toBeInTheDocument();
    const summary = screen.getByLabelText("Run summary");
    expect(within(summary).getByText("$0.0123")).toBeInTheDocument();
    expect(within(summary).getByText("120 ms")).toBeInTheDocument();
    expect(within(summary).getByText("830 ms")).toBeInTheDocument();
    expect(within(summary).getByText("1,200 in / 340 out")).toBeInTheDocument();
    expect(screen.getByText("stage `persist` failed: database down")).toBeInTheDocument();

    // The Gantt chart: one bar per stage, in start order, with its status in words.
    expect(screen.getByRole("heading", { name: "Stages" })).toBeInTheDocument();
    const timeline = screen.getByRole("list", { name: "Stage timeline" });
    const bars = within(timeline).getAllByRole("listitem");
    expect(bars.map((bar) => bar.getAttribute("data-stage"))).toEqual(["input_guard", "llm", "persist"]);
    expect(container.querySelector('[data-stage="llm"]')).toHaveTextContent("Completed · 800 ms");
    expect(container.querySelector('[data-stage="persist"]')).toHaveTextContent("Failed · 10 ms");
    const llmBar = container.querySelector<HTMLElement>('[data-stage="llm"] .pulse-gantt-bar')!;
    expect(llmBar.style.left).toBe(`${((10 / 830) * 100).toFixed(3)}%`);
    expect(llmBar.style.width).toBe(`${((800 / 830) * 100).toFixed(3)}%`);

    // The same stages as a table: start offset and duration.
    const stageTable = screen.getByRole("table", { name: "Stages with their start offset and duration" });
    const persistRow = within(stageTable).getByRole("row", { name: /persist/ });
    expect(within(persistRow).getByText("+815 ms")).toBeInTheDocument();
    expect(within(persistRow).getByText("database down")).toBeInTheDocument();

    // Events, oldest first, with their offset and stage.
    expect(screen.getByRole("heading", { name: "Events" })).toBeInTheDocument();
    const eventTable = screen.getByRole("table", { name: "Events of the run, oldest first" });
    const rows = within(eventTable).getAllByRole("row").slice(1);
    expect(rows).toHaveLength(9);
    expect(rows[0]).toHaveTextContent("pipeline.started");
    expect(rows[0]).toHaveTextContent("+0 ms");
    expect(rows[8]).toHaveTextContent("pipeline.failed");
    expect(within(rows[5]!).getByText("llm")).toBeInTheDocument();

    // The run's provider calls only (not another run's of the same request), and the model.
    const calls = await screen.findByRole("table", { name: "Provider calls of this run" });
    expect(within(calls).getAllByRole("row")).toHaveLength(2);
    expect(within(summary).getByText("llama-3.1-8b-instant")).toBeInTheDocument();
    const callsRequest = seen.find((r) => r.path === "/api/v1/pulse/provider-calls")!;
    expect(callsRequest.query.get("request_id")).toBe("req-1");
  });

  it("shows the API's error when the run cannot be read", async () => {
    stubFetch(() => undefined);
    renderAt("/pulse/runs/missing");
    expect(await screen.findByRole("alert")).toHaveTextContent("Not found");
    expect(screen.getByRole("alert")).toHaveTextContent("req-test");
  });
});
