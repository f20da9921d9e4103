// A 422's per-field messages keyed by form field: `key_features[2]` is shown under "Key features".
import { ApiFailure } from "../../../api/errors";

/** The field messages of a failed call, by top-level field name (empty for other failures). */
export function formErrors(error: unknown): Record<string, string> {
  if (!(error instanceof ApiFailure)) return {};
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(error.fieldErrors())) {
    const base = field.replace(/[[.].*$/, "");
    const item = field.match(/^[^[]+\[(\d+)\]/);
    const text = item ? `Line ${Number(item[1]) + 1}: ${message}` : message;
    out[base] = out[base] ? `${out[base]} ${text}` : text;
  }
  return out;
}

/** Whether a call failed because the record changed since it was read (412). */
export function isStale(error: unknown): boolean {
  return error instanceof ApiFailure && error.status === 412;
}
