// Sample script and email records for the tests of the document helpers and screens.
import type { SalesEmail, SalesScript } from "./kinds";

// Type values are written as the API sends them ("cold_call"); see kinds.ts.
type ScriptOverrides = Partial<Omit<SalesScript, "script_type">> & { script_type?: string };
type EmailOverrides = Partial<Omit<SalesEmail, "email_type">> & { email_type?: string };

export function sampleScript(overrides: ScriptOverrides = {}): SalesScript {
  return {
    id: "0193a5c2-0000-7000-8000-00000000a001",
    org_id: "0193a5c2-0000-7000-8000-0000000000f1",
    product_id: null,
    client_id: null,
    name: "Globex cold call",
    description: null,
    script_type: "cold_call",
    content: "Hi Dana, this is Sam from Acme.",
    key_talking_points: ["saves 5 h a week"],
    objection_handlers: { "too expensive": "Most teams recover the cost in a quarter." },
    discovery_questions: ["How do you report today?"],
    closing_techniques: ["Suggest a pilot"],
    generated_by_session_id: null,
    generation_prompt: null,
    model_id: null,
    version: 1,
    parent_script_id: null,
    is_active: true,
    created_at: "2025-01-02T10:00:00Z",
    updated_at: "2025-01-02T10:00:00Z",
    ...overrides,
  } as unknown as SalesScript;
}

export function sampleEmail(overrides: EmailOverrides = {}): SalesEmail {
  return {
    id: "0193a5c2-0000-7000-8000-00000000e001",
    org_id: "0193a5c2-0000-7000-8000-0000000000f1",
    product_id: null,
    client_id: null,
    name: "Globex intro",
    description: null,
    email_type: "cold_outreach",
    subject: "Cutting Globex's reporting time in half",
    body: "Hi Dana,\n\nCould we talk on Thursday?",
    call_to_action: "15 minutes on Thursday?",
    personalization_fields: ["first_name"],
    generated_by_session_id: null,
    generation_prompt: null,
    model_id: null,
    version: 1,
    parent_email_id: null,
    is_active: true,
    created_at: "2025-01-02T10:00:00Z",
    updated_at: "2025-01-02T10:00:00Z",
    ...overrides,
  } as unknown as SalesEmail;
}
