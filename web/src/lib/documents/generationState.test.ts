// Unit tests of the streamed generation's per-variant progress.
import { describe, expect, it } from "vitest";
import { generationReducer, startProgress } from "./generationState";
import { sampleEmail } from "./fixtures";

describe("generationReducer", () => {
  it("appends each variant's tokens and keeps its saved record", () => {
    let state = generationReducer([], { type: "start", variants: 2 });
    state = generationReducer(state, { type: "token", token: { variant: 0, index: 0, delta: '{"subject": "Hi' } });
    state = generationReducer(state, { type: "token", token: { variant: 1, index: 0, delta: '{"sub' } });
    state = generationReducer(state, { type: "token", token: { variant: 0, index: 1, delta: ' there"' } });
    expect(state.map((v) => v.raw)).toEqual(['{"subject": "Hi there"', '{"sub']);
    const record = sampleEmail();
    state = generationReducer(state, { type: "complete", complete: { variant: 0, pipeline_run_id: "run-1", record } });
    expect(state[0]).toMatchObject({ record, runId: "run-1" });
    expect(state[1]!.record).toBeNull();
  });

  it("starts a variant over when its index goes back to 0, and makes room for an unexpected variant", () => {
    let state = startProgress(1);
    state = generationReducer(state, { type: "token", token: { variant: 0, index: 0, delta: "abc" } });
    state = generationReducer(state, { type: "token", token: { variant: 0, index: 0, delta: "xyz" } });
    state = generationReducer(state, { type: "token", token: { variant: 2, index: 0, delta: "q" } });
    expect(state.map((v) => v.raw)).toEqual(["xyz", "", "q"]);
  });
});
