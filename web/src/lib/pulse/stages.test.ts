// Unit tests of how a run's stage timings are gathered from its events and its record.
import { describe, expect, it } from "vitest";
import { normalizeStageStatus, stageTimings } from "./stages";
import { eventOffsetMs, eventStage, lifecycleOf, sortByTime } from "./events";

const at = (ms: number) => new Date(Date.parse("2026-12-01T10:00:00.000Z") + ms).toISOString();
const event = (event_type: string, ms: number, event_data: unknown = {}) => ({ event_type, occurred_at: at(ms), event_data });

describe("stageTimings", () => {
  it("reads the lifecycle events", () => {
    const stages = stageTimings(null, [
      event("pipeline.started", 0),
      event("stage.llm.started", 10, { stage: "llm" }),
      event("stage.llm.completed", 810, { stage: "llm", status: "ok", duration_ms: 800 }),
      event("stage.guard.started", 815, { stage: "guard" }),
      event("stage.guard.failed", 820, { stage: "guard", error: "blocked" }),
    ]);
    expect(stages).toEqual([
      { name: "llm", status: "completed", startedAt: at(10), endedAt: at(810), durationMs: 800, error: null },
      { name: "guard", status: "failed", startedAt: at(815), endedAt: at(820), durationMs: 5, error: "blocked" },
    ]);
  });

  it("prefers the wide summaries' own start and end", () => {
    const stages = stageTimings(null, [
      event("stage.llm.started", 12, { stage: "llm" }),
      event("stage.llm.completed", 900, { stage: "llm" }),
      event("stage.wide", 905, { stage: "llm", status: "ok", started_at: at(10), ended_at: at(890), duration_ms: 880 }),
    ]);
    expect(stages[0]).toMatchObject({ startedAt: at(10), endedAt: at(890), durationMs: 880, status: "completed" });
  });

  it("uses the pipeline summary's details when there are no stage events", () => {
    const stages = stageTimings(null, [
      event("pipeline.wide", 1000, {
        stage_details: [{ stage: "persist", status: "skip", started_at: at(950), ended_at: at(960), duration_ms: 10 }],
      }),
    ]);
    expect(stages).toEqual([
      { name: "persist", status: "skipped", startedAt: at(950), endedAt: at(960), durationMs: 10, error: null },
    ]);
  });

  it("fills status, duration and error from the run's stages object", () => {
    const stages = stageTimings(
      { llm: { status: "fail", duration_ms: 300, error: "provider down" }, persist: { status: "ok", duration_ms: 4 } },
      [event("stage.llm.started", 5, { stage: "llm" })],
    );
    expect(stages).toEqual([
      { name: "llm", status: "failed", startedAt: at(5), endedAt: null, durationMs: 300, error: "provider down" },
      { name: "persist", status: "completed", startedAt: null, endedAt: null, durationMs: 4, error: null },
    ]);
  });

  it("keeps a started stage without an end as running", () => {
    const stages = stageTimings({}, [event("stage.llm.started", 5)]);
    expect(stages[0]).toMatchObject({ name: "llm", status: "running", endedAt: null, durationMs: null });
  });

  it("normalises the engine's status words", () => {
    expect(["ok", "fail", "skip", "cancel", "retry", "started", "", "weird"].map(normalizeStageStatus)).toEqual([
      "completed",
      "failed",
      "skipped",
      "cancelled",
      "retry",
      "running",
      "unknown",
      "weird",
    ]);
  });
});

describe("events", () => {
  it("names the stage and the offset of an event", () => {
    expect(lifecycleOf("stage.output.guard.failed")).toEqual({ stage: "output.guard", phase: "failed" });
    expect(lifecycleOf("stage.wide")).toBeNull();
    expect(eventStage(event("stage.wide", 0, { stage: "llm" }))).toBe("llm");
    expect(eventStage(event("stage.persist.completed", 0))).toBe("persist");
    expect(eventStage(event("pipeline.started", 0))).toBeNull();
    expect(eventOffsetMs(event("x", 250), at(0))).toBe(250);
    expect(eventOffsetMs({ event_type: "x", occurred_at: "nonsense" }, at(0))).toBeNull();
  });

  it("sorts events by time, stably", () => {
    const sorted = sortByTime([event("b", 20), event("a1", 10), event("a2", 10)]);
    expect(sorted.map((e) => e.event_type)).toEqual(["a1", "a2", "b"]);
  });
});
