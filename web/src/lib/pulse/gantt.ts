// The Gantt layout of a run's stages: one row per stage, from its start offset to its end
// relative to the run's start, as percentages of the chart's width. Pure: no DOM.
import type { StageTiming } from "./stages";

/** One bar of the chart. */
export interface GanttRow {
  name: string;
  status: string;
  error: string | null;
  /** Milliseconds from the run's start to the stage's start. */
  offsetMs: number;
  /** The stage's length in milliseconds. */
  durationMs: number;
  /** `offsetMs + durationMs`. */
  endMs: number;
  /** Where the bar starts, 0 to 100. */
  leftPercent: number;
  /** How wide the bar is, at least `MIN_WIDTH_PERCENT` so that an instant stage still shows. */
  widthPercent: number;
  /** False when the stage's start was not recorded and it is placed after the timed stages. */
  timed: boolean;
}

/** The layout: its rows (by start, then as given) and the span the width stands for. */
export interface GanttLayout {
  rows: GanttRow[];
  scaleMs: number;
}

/** The narrowest bar, in percent of the width. */
export const MIN_WIDTH_PERCENT = 0.5;

function offset(at: string | null, runStart: number): number | null {
  if (!at) return null;
  const ms = Date.parse(at) - runStart;
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Lays out `stages` against the run that started at `runStart` (RFC 3339). The width stands for
 * `totalMs` (the run's total latency) or the last stage's end, whichever is longer. A stage
 * without a recorded start is placed after the timed ones, one after the other.
 */
export function ganttRows(stages: readonly StageTiming[], runStart: string, totalMs?: number | null): GanttLayout {
  const start = Date.parse(runStart);
  const placed = stages.map((stage, index) => {
    const duration = stage.durationMs != null && stage.durationMs >= 0 ? stage.durationMs : null;
    let from = Number.isNaN(start) ? null : offset(stage.startedAt, start);
    let to = Number.isNaN(start) ? null : offset(stage.endedAt, start);
    if (from == null && to != null && duration != null) from = to - duration;
    if (from != null && to == null) to = from + (duration ?? 0);
    if (from != null && to != null) {
      from = Math.max(0, from);
      to = Math.max(from, to);
    }
    return { stage, index, from, to, duration };
  });

  const timedEnd = placed.reduce((end, row) => (row.to != null ? Math.max(end, row.to) : end), 0);
  let cursor = timedEnd;
  const rows = placed.map(({ stage, index, from, to, duration }) => {
    const timed = from != null && to != null;
    const offsetMs = timed ? from! : cursor;
    const durationMs = timed ? to! - from! : (duration ?? 0);
    if (!timed) cursor += durationMs;
    return { stage, index, offsetMs, durationMs, timed };
  });

  const lastEnd = rows.reduce((end, row) => Math.max(end, row.offsetMs + row.durationMs), 0);
  const scaleMs = Math.max(totalMs != null && totalMs > 0 ? totalMs : 0, lastEnd, 1);

  const laidOut = rows
    .sort((a, b) => (a.timed === b.timed ? a.offsetMs - b.offsetMs || a.index - b.index : a.timed ? -1 : 1))
    .map(({ stage, offsetMs, durationMs, timed }): GanttRow => {
      const widthPercent = Math.min(100, Math.max(MIN_WIDTH_PERCENT, (durationMs / scaleMs) * 100));
      const leftPercent = Math.min((offsetMs / scaleMs) * 100, 100 - widthPercent);
      return {
        name: stage.name,
        status: stage.status,
        error: stage.error,
        offsetMs,
        durationMs,
        endMs: offsetMs + durationMs,
        leftPercent,
        widthPercent,
        timed,
      };
    });
  return { rows: laidOut, scaleMs };
}

/** Tick positions for the time axis: `count + 1` evenly spaced offsets from 0 to `scaleMs`. */
export function ganttTicks(scaleMs: number, count = 4): { ms: number; percent: number }[] {
  return Array.from({ length: count + 1 }, (_, i) => ({ ms: (scaleMs * i) / count, percent: (100 * i) / count }));
}
