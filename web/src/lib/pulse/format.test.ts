// Unit tests of the Pulse formatting helpers.
import { describe, expect, it } from "vitest";
import {
  formatCallCost,
  formatCount,
  formatDuration,
  formatOffset,
  formatPercent,
  formatTokens,
  formatUsdMicros,
  usdOfMicros,
} from "./format";

describe("formatUsdMicros", () => {
  it("shows dollars and cents from one dollar", () => {
    expect(formatUsdMicros(1_500_000)).toBe("$1.50");
    expect(formatUsdMicros(1_234_567_890)).toBe("$1,234.57");
    expect(formatUsdMicros(1_004_999)).toBe("$1.00");
    expect(formatUsdMicros(1_005_000)).toBe("$1.01");
  });

  it("shows four decimals between a cent and a dollar", () => {
    expect(formatUsdMicros(12_345)).toBe("$0.0123");
    expect(formatUsdMicros(10_000)).toBe("$0.0100");
    expect(formatUsdMicros(999_949)).toBe("$0.9999");
    expect(formatUsdMicros(999_999)).toBe("$1.00");
  });

  it("keeps every significant decimal below a cent", () => {
    expect(formatUsdMicros(42)).toBe("$0.000042");
    expect(formatUsdMicros(1)).toBe("$0.000001");
    expect(formatUsdMicros(1_200)).toBe("$0.0012");
    expect(formatUsdMicros(9_999)).toBe("$0.009999");
    expect(formatUsdMicros(5_000)).toBe("$0.005");
  });

  it("handles zero, negatives and missing values", () => {
    expect(formatUsdMicros(0)).toBe("$0.00");
    expect(formatUsdMicros(-2_500_000)).toBe("-$2.50");
    expect(formatUsdMicros(null)).toBe("—");
    expect(formatUsdMicros(undefined)).toBe("—");
  });

  it("says when a call was not priced", () => {
    expect(formatCallCost({ cost_usd_micros: null, priced: false })).toBe("not priced");
    expect(formatCallCost({ cost_usd_micros: 30, priced: true })).toBe("$0.00003");
    expect(usdOfMicros(1_500_000)).toBe(1.5);
  });
});

describe("formatDuration", () => {
  it("uses ms below a second and seconds below a minute", () => {
    expect(formatDuration(0)).toBe("0 ms");
    expect(formatDuration(850)).toBe("850 ms");
    expect(formatDuration(2.54)).toBe("2.5 ms");
    expect(formatDuration(999.6)).toBe("1.00 s");
    expect(formatDuration(1_250)).toBe("1.25 s");
    expect(formatDuration(12_345)).toBe("12.3 s");
  });

  it("uses minutes and hours for long durations", () => {
    expect(formatDuration(125_000)).toBe("2 min 5 s");
    expect(formatDuration(120_000)).toBe("2 min");
    expect(formatDuration(3_780_000)).toBe("1 h 3 min");
  });

  it("handles missing values and offsets", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatOffset(0)).toBe("+0 ms");
    expect(formatOffset(1_500)).toBe("+1.50 s");
    expect(formatOffset(-20)).toBe("-20 ms");
  });
});

describe("counts", () => {
  it("formats tokens, counts and rates", () => {
    expect(formatTokens(1_200, 340)).toBe("1,200 in / 340 out");
    expect(formatTokens(null, undefined)).toBe("—");
    expect(formatTokens(5, null)).toBe("5 in / — out");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(formatPercent(0.975)).toBe("97.5%");
    expect(formatPercent(null)).toBe("—");
  });
});
