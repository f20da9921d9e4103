// The fields of a client form, in the order shown (see crates/domain/src/content/client.rs).
import type { FieldSpec } from "../products/shared/fieldSpec";
import type { components } from "../../api/schema";

type ClientKey = keyof components["schemas"]["ClientInput"] & string;

export const CLIENT_FIELDS: readonly FieldSpec<ClientKey>[] = [
  { key: "name", label: "Name", kind: "text", required: true, hint: "The person you sell to." },
  { key: "company", label: "Company", kind: "text" },
  { key: "title", label: "Job title", kind: "text" },
  { key: "email", label: "Email", kind: "email" },
  { key: "industry", label: "Industry", kind: "text" },
  { key: "communication_style", label: "Communication style", kind: "textarea", hint: "How they like to be approached." },
  { key: "pain_points", label: "Pain points", kind: "lines" },
  { key: "goals", label: "Goals", kind: "lines" },
  { key: "objection_patterns", label: "Objections they raise", kind: "lines" },
  { key: "decision_criteria", label: "Decision criteria", kind: "lines" },
];
