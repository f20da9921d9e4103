// What a streamed generation has produced so far, per variant: the model's raw JSON as it grows,
// then the saved record. A pure reducer over the stream's events.
import type { components } from "../../api/schema";
import type { SalesDocument } from "./kinds";

// The OpenAPI document describes the event stream as a string, so its event payloads are not in
// the schema: these follow `GenerationToken` and `GenerationComplete` in crates/app/src/generation.

/** `generate.token`: a piece of a variant's JSON, as the model writes it. */
export interface GenerationToken {
  /** Which variant (0, 1, 2). */
  variant: number;
  /** 0, 1, 2, … in order within the variant. */
  index: number;
  /** The text to append. */
  delta: string;
}

/** `generate.complete`: a variant is stored. */
export interface GenerationComplete {
  variant: number;
  pipeline_run_id: string;
  record: components["schemas"]["GeneratedDocument"];
}

export interface VariantProgress {
  /** The JSON the model has written so far. */
  raw: string;
  /** The stored record, once the variant is saved. */
  record: SalesDocument | null;
  /** The pipeline run that wrote it. */
  runId: string | null;
}

export type GenerationAction =
  | { type: "start"; variants: number }
  | { type: "token"; token: GenerationToken }
  | { type: "complete"; complete: GenerationComplete };

/** Empty progress for `count` variants. */
export function startProgress(count: number): VariantProgress[] {
  return Array.from({ length: Math.max(1, count) }, () => ({ raw: "", record: null, runId: null }));
}

export function generationReducer(state: VariantProgress[], action: GenerationAction): VariantProgress[] {
  switch (action.type) {
    case "start":
      return startProgress(action.variants);
    case "token": {
      const { variant, index, delta } = action.token;
      const next = grow(state, variant);
      const current = next[variant]!;
      // Index 0 again means the model started over: show the new answer only.
      const raw = index === 0 ? delta : current.raw + delta;
      next[variant] = { ...current, raw };
      return next;
    }
    case "complete": {
      const { variant, pipeline_run_id, record } = action.complete;
      const next = grow(state, variant);
      next[variant] = { ...next[variant]!, record: record as SalesDocument, runId: pipeline_run_id };
      return next;
    }
  }
}

/** A copy of `state` with room for `variant`. */
function grow(state: VariantProgress[], variant: number): VariantProgress[] {
  const next = [...state];
  while (next.length <= variant) next.push({ raw: "", record: null, runId: null });
  return next;
}
