// A form's values shown as text, for people who may read but not edit them.
import type { Draft, FieldSpec } from "../products/shared/fieldSpec";
import "../products/shared/content.css";

export function ReadOnlyFields({ specs, draft }: { specs: readonly FieldSpec[]; draft: Draft }) {
  return (
    <dl className="readonly-fields">
      {specs.map((spec) => (
        <div key={spec.key} className={spec.wide ? "span-all" : undefined}>
          <dt>{spec.label}</dt>
          <dd>
            <Value spec={spec} value={draft[spec.key]} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function Value({ spec, value }: { spec: FieldSpec; value: string | string[] | undefined }) {
  const empty = <span className="muted">Not set</span>;
  if (Array.isArray(value)) {
    const items = value.filter((line) => line.trim());
    if (items.length === 0) return empty;
    return (
      <ul>
        {items.map((item, index) => (
          <li key={index}>{item}</li>
        ))}
      </ul>
    );
  }
  if (!value) return empty;
  if (spec.kind === "json") return <code>{value}</code>;
  if (spec.kind === "select") return <>{spec.options?.find((option) => option.value === value)?.label ?? value}</>;
  return <>{value}</>;
}
