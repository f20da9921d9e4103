// Unit tests of the Gantt layout of a run's stages.
import { describe, expect, it } from "vitest";
import { ganttRows, ganttTicks, MIN_WIDTH_PERCENT } from "./gantt";
import type { StageTiming } from "./stages";

const RUN_START = "2026-12-01T10:00:00.000Z";

function stage(name: string, start: number | null, end: number | null, extra: Partial<StageTiming> = {}): StageTiming {
  const at = (ms: number | null) => (ms == null ? null : new Date(Date.parse(RUN_START) + ms).toISOString());
  return {
    name,
    status: "completed",
    startedAt: at(start),
    endedAt: at(end),
    durationMs: start != null && end != null ? end - start : null,
    error: null,
    ...extra,
  };
}

describe("ganttRows", () => {
  it("places each stage from its start offset to its end, relative to the run", () => {
    const { rows, scaleMs } = ganttRows(
      [stage("input_guard", 0, 100), stage("llm", 100, 900), stage("persist", 900, 1000)],
      RUN_START,
    );
    expect(scaleMs).toBe(1000);
    expect(rows.map((row) => [row.name, row.offsetMs, row.durationMs, row.endMs])).toEqual([
      ["input_guard", 0, 100, 100],
      ["llm", 100, 800, 900],
      ["persist", 900, 100, 1000],
    ]);
    expect(rows[1]).toMatchObject({ leftPercent: 10, widthPercent: 80, timed: true });
  });

  it("scales to the run's total latency when it is longer than the stages", () => {
    const { rows, scaleMs } = ganttRows([stage("llm", 500, 1000)], RUN_START, 2000);
    expect(scaleMs).toBe(2000);
    expect(rows[0]).toMatchObject({ leftPercent: 25, widthPercent: 25 });
  });

  it("orders rows by start, keeping the given order for equal starts (parallel stages)", () => {
    const { rows } = ganttRows(
      [stage("persist", 800, 900), stage("profile", 0, 300), stage("summary", 0, 200)],
      RUN_START,
    );
    expect(rows.map((row) => row.name)).toEqual(["profile", "summary", "persist"]);
  });

  it("gives instant stages a visible width and keeps bars inside the chart", () => {
    const { rows } = ganttRows([stage("a", 0, 1000), stage("b", 1000, 1000)], RUN_START);
    const last = rows[1]!;
    expect(last.widthPercent).toBe(MIN_WIDTH_PERCENT);
    expect(last.leftPercent + last.widthPercent).toBeLessThanOrEqual(100);
  });

  it("derives a missing start or end from the duration and clamps early starts to zero", () => {
    const { rows } = ganttRows(
      [
        { ...stage("a", null, 400), durationMs: 100 },
        { ...stage("b", 400, null), durationMs: 200 },
        stage("c", -50, 20),
      ],
      RUN_START,
    );
    const byName = Object.fromEntries(rows.map((row) => [row.name, row]));
    expect(byName["a"]).toMatchObject({ offsetMs: 300, durationMs: 100 });
    expect(byName["b"]).toMatchObject({ offsetMs: 400, durationMs: 200 });
    expect(byName["c"]).toMatchObject({ offsetMs: 0, durationMs: 20 });
  });

  it("places stages without a recorded start after the timed ones, one after another", () => {
    const { rows, scaleMs } = ganttRows(
      [
        { ...stage("later", null, null), durationMs: 50 },
        stage("first", 0, 100),
        { ...stage("last", null, null), durationMs: 25 },
      ],
      RUN_START,
    );
    expect(rows.map((row) => [row.name, row.offsetMs, row.timed])).toEqual([
      ["first", 0, true],
      ["later", 100, false],
      ["last", 150, false],
    ]);
    expect(scaleMs).toBe(175);
  });

  it("never divides by zero", () => {
    const { rows, scaleMs } = ganttRows([stage("a", 0, 0)], RUN_START);
    expect(scaleMs).toBe(1);
    expect(rows[0]!.widthPercent).toBe(MIN_WIDTH_PERCENT);
    expect(ganttRows([], RUN_START).rows).toEqual([]);
  });

  it("spaces the axis ticks evenly", () => {
    expect(ganttTicks(1000)).toEqual([
      { ms: 0, percent: 0 },
      { ms: 250, percent: 25 },
      { ms: 500, percent: 50 },
      { ms: 750, percent: 75 },
      { ms: 1000, percent: 100 },
    ]);
  });
});
