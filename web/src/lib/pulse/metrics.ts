// The hourly metrics as chart rows, and the words that summarise a series for people who
// cannot see the chart.
import { formatHour, usdOfMicros } from "./format";
import type { HourlyMetrics } from "./types";

/** One hour of the window, as the charts plot it. */
export interface HourRow {
  hour: string;
  label: string;
  costMicros: number;
  costUsd: number;
  latencyP95: number | null;
  runs: number;
  failures: number;
}

export function hourRows(hourly: readonly HourlyMetrics[]): HourRow[] {
  return hourly.map((hour) => ({
    hour: hour.hour,
    label: formatHour(hour.hour),
    costMicros: hour.cost_usd_micros,
    costUsd: usdOfMicros(hour.cost_usd_micros),
    latencyP95: hour.latency_p95_ms ?? null,
    runs: hour.runs,
    failures: hour.failures,
  }));
}

/**
 * A sentence about one series: its peak (and when), and its total when `total` is asked.
 * "No data in this window." when every value is missing or zero.
 */
export function seriesSummary(
  rows: readonly HourRow[],
  value: (row: HourRow) => number | null,
  format: (value: number) => string,
  options: { total?: boolean } = {},
): string {
  let peak: HourRow | null = null;
  let peakValue = 0;
  let sum = 0;
  let seen = 0;
  for (const row of rows) {
    const v = value(row);
    if (v == null || !Number.isFinite(v)) continue;
    seen += 1;
    sum += v;
    if (peak === null || v > peakValue) {
      peak = row;
      peakValue = v;
    }
  }
  if (!peak || (seen > 0 && peakValue === 0)) return "No data in this window.";
  const parts = [];
  if (options.total) parts.push(`Total ${format(sum)} over ${rows.length} hours.`);
  parts.push(`Highest ${format(peakValue)} in the hour of ${peak.label}.`);
  parts.push(`${seen} of ${rows.length} hours have a value.`);
  return parts.join(" ");
}
