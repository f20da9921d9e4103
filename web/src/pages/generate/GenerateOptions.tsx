// The options of a generation: kind, client, product, type, length, tone, variants, call to
// action (emails), language, name and free-text instructions.
import { SelectField, TextArea, TextField } from "../../components/Field";
import type { GenerateForm, Length } from "../../lib/documents/generateRequest";
import { typesOf, type DocumentKind } from "../../lib/documents/kinds";
import { clientLabel, subjectOptions, type Client, type Product } from "../documents/useSubjects";

const KINDS = [
  { value: "script", label: "Script" },
  { value: "email", label: "Email" },
];
const LENGTHS = [
  { value: "short", label: "Short" },
  { value: "medium", label: "Medium" },
  { value: "long", label: "Long" },
];
const VARIANTS = [1, 2, 3].map((n) => ({ value: String(n), label: String(n) }));
const TONES = ["consultative", "direct", "friendly", "formal"];

export function GenerateOptions({
  form,
  onChange,
  onKindChange,
  clients,
  products,
  errors,
  disabled,
}: {
  form: GenerateForm;
  onChange: (patch: Partial<GenerateForm>) => void;
  onKindChange: (kind: DocumentKind) => void;
  clients: Client[];
  products: Product[];
  errors: Record<string, string>;
  disabled: boolean;
}) {
  const typeField = form.kind === "script" ? "script_type" : "email_type";
  // Archived clients and products are not offered, unless already chosen.
  const activeClients = clients.filter((c) => c.is_active || c.id === form.clientId);
  const activeProducts = products.filter((p) => p.is_active || p.id === form.productId);
  const clientOptions = withChosen(subjectOptions(activeClients, "No client", clientLabel), form.clientId, "The chosen client");
  const productOptions = withChosen(subjectOptions(activeProducts, "No product"), form.productId, "The chosen product");
  return (
    <fieldset className="stack generate-options" disabled={disabled}>
      <legend className="visually-hidden">Options</legend>
      <div className="grid-2">
        <SelectField
          label="Kind"
          options={KINDS}
          value={form.kind}
          onChange={(e) => onKindChange(e.target.value as DocumentKind)}
        />
        <SelectField
          label={form.kind === "script" ? "Script type" : "Email type"}
          options={typesOf(form.kind)}
          value={form.type}
          error={errors[typeField]}
          onChange={(e) => onChange({ type: e.target.value })}
        />
        <SelectField
          label="Client"
          options={clientOptions}
          value={form.clientId}
          error={errors["client_id"]}
          onChange={(e) => onChange({ clientId: e.target.value })}
        />
        <SelectField
          label="Product"
          options={productOptions}
          value={form.productId}
          error={errors["product_id"]}
          onChange={(e) => onChange({ productId: e.target.value })}
        />
        <SelectField
          label="Length"
          options={LENGTHS}
          value={form.length}
          error={errors["length"]}
          onChange={(e) => onChange({ length: e.target.value as Length })}
        />
        <div>
          <TextField
            label="Tone"
            list="generate-tones"
            value={form.tone}
            maxLength={100}
            error={errors["tone"]}
            hint="For example consultative, direct, friendly or formal."
            onChange={(e) => onChange({ tone: e.target.value })}
          />
          <datalist id="generate-tones">
            {TONES.map((tone) => (
              <option key={tone} value={tone} />
            ))}
          </datalist>
        </div>
        <SelectField
          label="Variants"
          options={VARIANTS}
          value={String(form.variants)}
          disabled={Boolean(form.baseId)}
          error={errors["variants"]}
          hint={form.baseId ? "A next version is written once." : "How many versions to write (1 to 3)."}
          onChange={(e) => onChange({ variants: Number(e.target.value) })}
        />
        <TextField
          label="Language"
          value={form.language}
          maxLength={100}
          error={errors["language"]}
          hint="Default: English."
          onChange={(e) => onChange({ language: e.target.value })}
        />
        <TextField
          label="Name"
          value={form.name}
          maxLength={100}
          error={errors["name"]}
          hint="Optional: by default it is named after its type, client and product."
          onChange={(e) => onChange({ name: e.target.value })}
        />
        {form.kind === "email" && (
          <TextField
            label="Call to action"
            value={form.callToAction}
            maxLength={200}
            error={errors["call_to_action"]}
            hint="What the reader should do, for example “Book a 20-minute call”."
            onChange={(e) => onChange({ callToAction: e.target.value })}
          />
        )}
      </div>
      <TextArea
        label="Instructions"
        rows={4}
        value={form.instructions}
        maxLength={2000}
        error={errors["instructions"]}
        hint="Optional, up to 2,000 characters, for example “Mention the pilot offer.”"
        onChange={(e) => onChange({ instructions: e.target.value })}
      />
    </fieldset>
  );
}

/** The options, with one for a chosen id that is not among them (past the first 100, or from a base). */
function withChosen(options: { value: string; label: string }[], chosen: string, label: string) {
  if (!chosen || options.some((option) => option.value === chosen)) return options;
  return [...options, { value: chosen, label }];
}
