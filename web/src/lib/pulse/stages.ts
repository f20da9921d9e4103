// The stages of a pipeline run with their timing, gathered from what the server stores: the
// `stage.wide` summaries (exact start and end), the `stage.{name}.{phase}` lifecycle events, the
// `pipeline.wide` stage details, and the run's own `stages` object (`{name: {status,
// duration_ms, error}}`, no start times).
import { lifecycleOf, payloadOf, sortByTime, type EventLike } from "./events";

/** One stage of a run, as far as it is known. */
export interface StageTiming {
  name: string;
  /** `completed`, `failed`, `skipped`, `cancelled`, `retry`, `running` or what the server said. */
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

/** The status words of the engine (`ok`, `fail`, …) and of its events, in one vocabulary. */
export function normalizeStageStatus(raw: string | null | undefined): string {
  const value = (raw ?? "").trim().toLowerCase();
  switch (value) {
    case "ok":
    case "completed":
    case "success":
      return "completed";
    case "fail":
    case "failed":
    case "error":
      return "failed";
    case "skip":
    case "skipped":
      return "skipped";
    case "cancel":
    case "cancelled":
      return "cancelled";
    case "retry":
      return "retry";
    case "started":
    case "running":
      return "running";
    case "":
      return "unknown";
    default:
      return value;
  }
}

function text(value: unknown): string | null {
  return typeof value === "string" && value ? value : null;
}

function number(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function earliest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) < Date.parse(a) ? b : a;
}

function latest(a: string | null, b: string | null): string | null {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** A stage summary (`stage.wide` data, a `pipeline.wide` stage detail) applied to `stage`. */
function applySummary(stage: StageTiming, summary: Record<string, unknown>, exact: boolean) {
  const startedAt = text(summary["started_at"]);
  const endedAt = text(summary["ended_at"]);
  if (exact) {
    // A stage run several times (retries) spans from its first start to its last end.
    stage.startedAt = earliest(stage.startedAt, startedAt);
    stage.endedAt = latest(stage.endedAt, endedAt);
  } else {
    stage.startedAt ??= startedAt;
    stage.endedAt ??= endedAt;
  }
  const status = text(summary["status"]);
  if (status) stage.status = normalizeStageStatus(status);
  stage.durationMs = number(summary["duration_ms"]) ?? stage.durationMs;
  stage.error = text(summary["error"]) ?? stage.error;
}

/**
 * The stages of a run, in the order they first appear in its events (then those only its
 * `stages` object names). `stages` is the run's `stages` field; `events` its events.
 */
export function stageTimings(stages: unknown, events: readonly EventLike[]): StageTiming[] {
  const byName = new Map<string, StageTiming>();
  const stageNamed = (name: string): StageTiming => {
    let stage = byName.get(name);
    if (!stage) {
      stage = { name, status: "unknown", startedAt: null, endedAt: null, durationMs: null, error: null };
      byName.set(name, stage);
    }
    return stage;
  };
  const ordered = sortByTime(events);
  const wide: Record<string, unknown>[] = [];
  const details: Record<string, unknown>[] = [];

  for (const event of ordered) {
    const data = payloadOf(event);
    if (event.event_type === "stage.wide") {
      wide.push(data);
      continue;
    }
    if (event.event_type === "pipeline.wide") {
      const list = data["stage_details"];
      if (Array.isArray(list)) {
        for (const entry of list) {
          if (entry !== null && typeof entry === "object") details.push(entry as Record<string, unknown>);
        }
      }
      continue;
    }
    const lifecycle = lifecycleOf(event.event_type);
    if (!lifecycle) continue;
    const stage = stageNamed(text(data["stage"]) ?? lifecycle.stage);
    if (lifecycle.phase === "started") {
      stage.startedAt = earliest(stage.startedAt, event.occurred_at);
      if (stage.status === "unknown") stage.status = "running";
    } else {
      stage.endedAt = latest(stage.endedAt, event.occurred_at);
      stage.status = normalizeStageStatus(text(data["status"]) ?? lifecycle.phase);
      stage.durationMs = number(data["duration_ms"]) ?? stage.durationMs;
      stage.error = text(data["error"]) ?? stage.error;
    }
  }

  // The wide summaries carry the stage's own clock: they replace the event times.
  const widened = new Set<string>();
  for (const summary of wide) {
    const name = text(summary["stage"]);
    if (!name) continue;
    const stage = stageNamed(name);
    if (!widened.has(name)) {
      stage.startedAt = null;
      stage.endedAt = null;
      widened.add(name);
    }
    applySummary(stage, summary, true);
  }
  for (const summary of details) {
    const name = text(summary["stage"]);
    if (name && !widened.has(name)) applySummary(stageNamed(name), summary, false);
  }

  // The run's record: the final status, duration and error of every finished stage.
  if (stages !== null && typeof stages === "object" && !Array.isArray(stages)) {
    for (const [name, value] of Object.entries(stages as Record<string, unknown>)) {
      const stage = stageNamed(name);
      const record = value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
      const status = text(record["status"]);
      if (status && (stage.status === "unknown" || stage.status === "running")) {
        stage.status = normalizeStageStatus(status);
      }
      stage.durationMs ??= number(record["duration_ms"]);
      stage.error ??= text(record["error"]);
    }
  }

  for (const stage of byName.values()) {
    if (stage.durationMs == null && stage.startedAt && stage.endedAt) {
      const ms = Date.parse(stage.endedAt) - Date.parse(stage.startedAt);
      if (Number.isFinite(ms)) stage.durationMs = Math.max(0, ms);
    }
  }
  return [...byName.values()];
}
