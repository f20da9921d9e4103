// The generation form's values and the request they make: the path to POST and the
// GenerateScript / GenerateEmail body, without the options left blank.
import type { components } from "../../api/schema";
import type { DocumentKind } from "./kinds";

export type GenerateScript = components["schemas"]["GenerateScript"];
export type GenerateEmail = components["schemas"]["GenerateEmail"];
export type Length = "short" | "medium" | "long";

export interface GenerateForm {
  kind: DocumentKind;
  clientId: string;
  productId: string;
  /** script_type or email_type. */
  type: string;
  name: string;
  tone: string;
  length: Length;
  /** Emails only. */
  callToAction: string;
  instructions: string;
  language: string;
  variants: number;
  /** The version to refine (base_script_id / base_email_id), or "". */
  baseId: string;
}

export function emptyForm(kind: DocumentKind): GenerateForm {
  return {
    kind,
    clientId: "",
    productId: "",
    type: kind === "script" ? "cold_call" : "cold_outreach",
    name: "",
    tone: "",
    length: "medium",
    callToAction: "",
    instructions: "",
    language: "",
    variants: 1,
    baseId: "",
  };
}

/** The form's problems found before sending, by API field name. */
export function checkForm(form: GenerateForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (!form.clientId && !form.productId && !form.baseId) {
    errors["client_id"] = "Choose a client, a product or both.";
  }
  if (form.baseId && form.variants !== 1) {
    errors["variants"] = "A next version is written once: choose 1 variant.";
  }
  return errors;
}

function text(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

/** Where to POST the form and what to send. */
export function generateRequest(form: GenerateForm): { path: string; body: GenerateScript | GenerateEmail } {
  const common = {
    client_id: form.clientId || undefined,
    product_id: form.productId || undefined,
    name: text(form.name),
    tone: text(form.tone),
    length: form.length,
    instructions: text(form.instructions),
    language: text(form.language),
    variants: form.baseId ? 1 : form.variants,
  };
  if (form.kind === "script") {
    const body: GenerateScript = { ...common, script_type: form.type, base_script_id: form.baseId || undefined };
    return { path: "/api/v1/scripts/generate", body: withoutUndefined(body) };
  }
  const body: GenerateEmail = {
    ...common,
    email_type: form.type,
    call_to_action: text(form.callToAction),
    base_email_id: form.baseId || undefined,
  };
  return { path: "/api/v1/emails/generate", body: withoutUndefined(body) };
}

function withoutUndefined<T extends object>(body: T): T {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined)) as T;
}
