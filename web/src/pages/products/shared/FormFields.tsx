// The controls of a content form, one per field spec, each with its label and its message.
import { LinesField, SelectField, TextArea, TextField } from "../../../components/Field";
import type { Draft, DraftValue, FieldSpec } from "./fieldSpec";
import "./content.css";

interface Props {
  specs: readonly FieldSpec[];
  draft: Draft;
  errors: Record<string, string>;
  onChange: (key: string, value: DraftValue) => void;
}

export function FormFields({ specs, draft, errors, onChange }: Props) {
  return (
    <div className="grid-2 content-fields">
      {specs.map((spec) => (
        <div key={spec.key} className={spec.wide ? "span-all" : undefined}>
          <Control spec={spec} value={draft[spec.key]} error={errors[spec.key]} onChange={onChange} />
        </div>
      ))}
    </div>
  );
}

function Control({
  spec,
  value,
  error,
  onChange,
}: {
  spec: FieldSpec;
  value: DraftValue | undefined;
  error: string | undefined;
  onChange: (key: string, value: DraftValue) => void;
}) {
  const text = typeof value === "string" ? value : "";
  const common = { label: spec.label, error, hint: spec.hint };
  switch (spec.kind) {
    case "lines":
      return (
        <LinesField
          label={spec.label}
          error={error}
          hint={spec.hint}
          value={Array.isArray(value) ? value : []}
          onChange={(lines) => onChange(spec.key, lines)}
        />
      );
    case "textarea":
    case "json":
      return (
        <TextArea
          {...common}
          rows={spec.kind === "json" ? 5 : 4}
          spellCheck={spec.kind === "json" ? false : undefined}
          className={spec.kind === "json" ? "code-input" : undefined}
          value={text}
          onChange={(e) => onChange(spec.key, e.target.value)}
        />
      );
    case "select":
      return (
        <SelectField
          {...common}
          options={[{ value: "", label: "Not set" }, ...(spec.options ?? [])]}
          value={text}
          onChange={(e) => onChange(spec.key, e.target.value)}
        />
      );
    default:
      return (
        <TextField
          {...common}
          type={spec.kind === "number" ? "number" : spec.kind}
          inputMode={spec.kind === "number" ? "numeric" : undefined}
          step={spec.kind === "number" ? 1 : undefined}
          required={spec.required}
          value={text}
          onChange={(e) => onChange(spec.key, e.target.value)}
        />
      );
  }
}
