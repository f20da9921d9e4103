// The fields of a content form (products, clients, the company profile), described once: how each
// is edited as text in the form ("draft"), and how that text becomes the JSON value sent.
export type FieldKind = "text" | "textarea" | "email" | "url" | "number" | "select" | "lines" | "json";

export interface FieldSpec<K extends string = string> {
  /** The API field name. */
  key: K;
  /** The visible label (the accessible name of the control). */
  label: string;
  kind: FieldKind;
  /** Required text: sent as "" when blank (so that the server names it), never as null. */
  required?: boolean;
  hint?: string;
  /** The choices of a `select` (a blank "Not set" choice is added in front). */
  options?: { value: string; label: string }[];
  /** Spans the whole width of the form. */
  wide?: boolean;
}

/** What the form holds for one field: text, or the lines of a list. */
export type DraftValue = string | string[];
export type Draft = Record<string, DraftValue>;

/** The outcome of turning a draft into API values: the values, or a message per bad field. */
export interface Collected {
  values: Record<string, unknown>;
  errors: Record<string, string>;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The draft of a stored record (or of an empty form when `record` is null). */
export function draftFrom(specs: readonly FieldSpec[], record: object | null): Draft {
  const source = (record ?? {}) as Record<string, unknown>;
  const draft: Draft = {};
  for (const spec of specs) {
    const value = source[spec.key];
    if (spec.kind === "lines") {
      draft[spec.key] = Array.isArray(value) ? value.map(String) : [];
    } else if (spec.kind === "json") {
      draft[spec.key] = isPlainObject(value) && Object.keys(value).length > 0 ? JSON.stringify(value, null, 2) : "";
    } else {
      draft[spec.key] = value == null ? "" : String(value);
    }
  }
  return draft;
}

/** One field's API value, or why its text cannot be sent. */
export function readValue(spec: FieldSpec, raw: DraftValue | undefined): { value: unknown } | { error: string } {
  if (spec.kind === "lines") {
    const lines = Array.isArray(raw) ? raw : [];
    return { value: lines.map((line) => line.trim()).filter(Boolean) };
  }
  const text = (typeof raw === "string" ? raw : "").trim();
  switch (spec.kind) {
    case "json": {
      if (!text) return { value: {} };
      try {
        const parsed: unknown = JSON.parse(text);
        if (isPlainObject(parsed)) return { value: parsed };
      } catch {
        // reported below
      }
      return { error: `${spec.label} must be a JSON object, like {"key": "value"}.` };
    }
    case "number": {
      if (!text) return { value: null };
      const number = Number(text);
      if (!Number.isInteger(number)) return { error: `${spec.label} must be a whole number.` };
      return { value: number };
    }
    default:
      if (!text) return { value: spec.required ? "" : null };
      return { value: text };
  }
}

/** Every field's API value (what a create or a whole-profile PUT sends). */
export function collect(specs: readonly FieldSpec[], draft: Draft): Collected {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const spec of specs) {
    const read = readValue(spec, draft[spec.key]);
    if ("error" in read) errors[spec.key] = read.error;
    else values[spec.key] = read.value;
  }
  return { values, errors };
}

/** Only the fields whose value differs from `original` (what a PATCH sends). */
export function changedValues(specs: readonly FieldSpec[], original: Draft, draft: Draft): Collected {
  const current = collect(specs, draft);
  const before = collect(specs, original);
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(current.values)) {
    if (JSON.stringify(value) !== JSON.stringify(before.values[key])) values[key] = value;
  }
  return { values, errors: current.errors };
}

/** The values worth sending on create: no nulls, empty lists or empty objects. */
export function withoutEmpty(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null) continue;
    if (Array.isArray(value) && value.length === 0) continue;
    if (isPlainObject(value) && Object.keys(value).length === 0) continue;
    out[key] = value;
  }
  return out;
}
