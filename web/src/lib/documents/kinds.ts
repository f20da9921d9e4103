// The two kinds of versioned document (scripts, emails): their types in words, their paths, and
// the record types of the API.
import type { components } from "../../api/schema";

export type DocumentKind = "script" | "email";
export type SalesScript = components["schemas"]["SalesScript"];
export type SalesEmail = components["schemas"]["SalesEmail"];
export type SalesDocument = SalesScript | SalesEmail;

// The API sends and accepts types as snake_case names ("cold_call"). (The generated schema's
// ScriptType / EmailType list the Rust variant names instead, so types are handled as strings.)
export const SCRIPT_TYPES: { value: string; label: string }[] = [
  { value: "cold_call", label: "Cold call" },
  { value: "follow_up", label: "Follow-up" },
  { value: "demo", label: "Demo" },
  { value: "closing", label: "Closing" },
  { value: "general", label: "General" },
];

export const EMAIL_TYPES: { value: string; label: string }[] = [
  { value: "cold_outreach", label: "Cold outreach" },
  { value: "follow_up", label: "Follow-up" },
  { value: "proposal", label: "Proposal" },
  { value: "closing", label: "Closing" },
  { value: "general", label: "General" },
];

/** The types of a kind, in words. */
export function typesOf(kind: DocumentKind): { value: string; label: string }[] {
  return kind === "script" ? SCRIPT_TYPES : EMAIL_TYPES;
}

/** A type value in words ("cold_call" → "Cold call"). */
export function typeLabel(kind: DocumentKind, value: string): string {
  return typesOf(kind).find((type) => type.value === value)?.label ?? value;
}

/** The kind of a document, read from its fields. */
export function kindOf(record: SalesDocument): DocumentKind {
  return "script_type" in record ? "script" : "email";
}

/** The type value of a document. */
export function typeOf(record: SalesDocument): string {
  return "script_type" in record ? record.script_type : record.email_type;
}

/** The screen of a document: /scripts/:id or /emails/:id. */
export function documentPath(kind: DocumentKind, id: string): string {
  return `/${kind}s/${id}`;
}

/** "script" → "Script", "email" → "Email". */
export function kindLabel(kind: DocumentKind): string {
  return kind === "script" ? "Script" : "Email";
}

/** The query parameter naming the version to refine: `base_script_id` or `base_email_id`. */
export function baseParam(kind: DocumentKind): "base_script_id" | "base_email_id" {
  return kind === "script" ? "base_script_id" : "base_email_id";
}

/** A safe file name for a download: "Globex cold call" v2 → "globex-cold-call-v2.md". */
export function fileName(name: string, version: number, extension: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60);
  return `${slug || "document"}-v${version}.${extension}`;
}
