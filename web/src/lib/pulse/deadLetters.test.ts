// Unit tests of the dead-letter helpers.
import { describe, expect, it } from "vitest";
import { canAct, describeOutcome, pipelineOf, replayAttempts, replayRunIds } from "./deadLetters";
import type { DeadLetter } from "./types";

const ENTRY: DeadLetter = {
  id: "11111111-1111-4111-8111-111111111111",
  error_type: "provider",
  error_code: "PROVIDER_SERVER_ERROR",
  error_message: "The provider failed",
  context_snapshot: {} as DeadLetter["context_snapshot"],
  org_id: "o",
  retry_count: 0,
  max_retries: 3,
  status: "pending",
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
};

describe("dead letters", () => {
  it("names the pipeline from the input and the snapshot", () => {
    const snapshot = { topology: "chat_default" } as unknown as DeadLetter["context_snapshot"];
    const input = { service: "chat" } as unknown as DeadLetter["input_data"];
    expect(pipelineOf({ context_snapshot: snapshot, input_data: input })).toBe("chat · chat_default");
    expect(pipelineOf({ context_snapshot: ENTRY.context_snapshot, input_data: null })).toBe("—");
  });

  it("lists the replays and the runs they made", () => {
    expect(replayAttempts({ id: "e", retry_count: 2 })).toEqual([
      { attempt: 1, requestId: "dlq-e-1" },
      { attempt: 2, requestId: "dlq-e-2" },
    ]);
    const run = "22222222-2222-4222-8222-222222222222";
    expect(replayRunIds(`replayed by pipeline run ${run}, ${run}`)).toEqual([run]);
    expect(replayRunIds(`fixed the key ${run}`)).toEqual([]);
    expect(replayRunIds(null)).toEqual([]);
  });

  it("allows only the actions the server accepts", () => {
    expect(canAct({ status: "pending" }, "abandon")).toBe(true);
    expect(canAct({ status: "abandoned" }, "retry")).toBe(true);
    expect(canAct({ status: "abandoned" }, "abandon")).toBe(false);
    expect(canAct({ status: "resolved" }, "retry")).toBe(false);
  });

  it("puts an action's result in words", () => {
    expect(describeOutcome("retry", { ...ENTRY, status: "resolved" })).toMatch(/succeeded/);
    expect(describeOutcome("retry", { ...ENTRY, retry_count: 1, next_retry_at: null })).toBe(
      "Retried: the replay failed (PROVIDER_SERVER_ERROR: The provider failed). No replay is scheduled: retry by hand.",
    );
    expect(describeOutcome("retry", { ...ENTRY, status: "abandoned" })).toMatch(/abandoned/);
    expect(describeOutcome("abandon", ENTRY)).toMatch(/^Abandoned/);
    expect(describeOutcome("resolve", ENTRY)).toMatch(/^Resolved/);
  });
});
