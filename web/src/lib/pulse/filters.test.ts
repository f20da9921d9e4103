// Unit tests of the Pulse URL filters and the API queries they become.
import { describe, expect, it } from "vitest";
import { callsQuery, deadLettersQuery, localToIso, metricsQueries, offsetOf, runsQuery, timeRange, windowHours } from "./filters";

const NOW = new Date("2026-12-01T12:00:00.000Z");

describe("runsQuery", () => {
  it("sends only the filters that are set", () => {
    expect(runsQuery(new URLSearchParams("tab=runs"), NOW)).toEqual({ limit: 25, offset: 0 });
    expect(runsQuery(new URLSearchParams("service=chat&topology=%20chat_fast%20&outcome=failure&since=24h&offset=50"), NOW)).toEqual({
      service: "chat",
      topology: "chat_fast",
      success: false,
      start_time: "2026-11-30T12:00:00.000Z",
      limit: 25,
      offset: 50,
    });
  });

  it("reads a custom range in local time", () => {
    const range = timeRange({ since: "custom", from: "2026-11-01T08:00", to: "" }, NOW);
    expect(range).toEqual({ start_time: new Date("2026-11-01T08:00").toISOString() });
    expect(localToIso("not a date")).toBeUndefined();
    expect(timeRange({ since: "7d" }, NOW)).toEqual({ start_time: "2026-11-24T12:00:00.000Z" });
  });
});

describe("callsQuery", () => {
  it("maps provider, model, operation, outcome and request id", () => {
    expect(
      callsQuery(new URLSearchParams("provider=groq&model=llama&operation=llm&outcome=success&request_id=req-1"), NOW),
    ).toEqual({ provider: "groq", model: "llama", operation: "llm", success: true, request_id: "req-1", limit: 25, offset: 0 });
  });
});

describe("paging and the other tabs", () => {
  it("ignores unreadable offsets", () => {
    expect(offsetOf(new URLSearchParams("offset=-3"))).toBe(0);
    expect(offsetOf(new URLSearchParams("offset=abc"))).toBe(0);
    expect(deadLettersQuery(new URLSearchParams("status=pending&offset=25"))).toEqual({ status: "pending", limit: 25, offset: 25 });
  });

  it("builds the metrics window", () => {
    expect(windowHours(new URLSearchParams("hours=5"))).toBe(24);
    expect(metricsQueries(new URLSearchParams("hours=168&service=email"), NOW)).toEqual({
      metrics: { start_time: "2026-11-24T12:00:00.000Z", end_time: NOW.toISOString(), service: "email" },
      stats: { hours: 168 },
    });
  });
});
