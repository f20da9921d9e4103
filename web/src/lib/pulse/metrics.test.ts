// Unit tests of the hourly chart rows and their summaries.
import { describe, expect, it } from "vitest";
import { hourRows, seriesSummary } from "./metrics";

const HOURS = [
  { hour: "2026-12-01T10:00:00Z", runs: 2, failures: 0, latency_p95_ms: 800, cost_usd_micros: 1_500, cost_usd: 0.0015 },
  { hour: "2026-12-01T11:00:00Z", runs: 3, failures: 1, latency_p95_ms: null, cost_usd_micros: 2_500, cost_usd: 0.0025 },
];

describe("hourRows", () => {
  it("keeps exact micros and dollars for the axis", () => {
    const rows = hourRows(HOURS);
    expect(rows[1]).toMatchObject({ costMicros: 2_500, costUsd: 0.0025, latencyP95: null, runs: 3, failures: 1 });
  });
});

describe("seriesSummary", () => {
  it("names the peak, the total and how many hours have values", () => {
    const rows = hourRows(HOURS);
    const text = seriesSummary(rows, (row) => row.costMicros, (v) => `${v}µ`, { total: true });
    expect(text).toBe(`Total 4000µ over 2 hours. Highest 2500µ in the hour of ${rows[1]!.label}. 2 of 2 hours have a value.`);
    expect(seriesSummary(rows, (row) => row.latencyP95, (v) => `${v} ms`)).toBe(
      `Highest 800 ms in the hour of ${rows[0]!.label}. 1 of 2 hours have a value.`,
    );
  });

  it("says when there is nothing", () => {
    expect(seriesSummary([], (row) => row.runs, String)).toBe("No data in this window.");
    const rows = hourRows(HOURS.map((h) => ({ ...h, failures: 0 })));
    expect(seriesSummary(rows, (row) => row.failures, String)).toBe("No data in this window.");
  });
});
