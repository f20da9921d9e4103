// A filter form over draft values: "Apply filters" writes them to the URL, "Clear filters"
// empties them. Give it a `key` of the applied values so that the draft follows the URL.
import { useState, type FormEvent, type ReactNode } from "react";
import type { FilterValues } from "../../lib/pulse/filters";

export function FilterForm({
  label,
  initial,
  onApply,
  children,
}: {
  label: string;
  initial: FilterValues;
  onApply: (values: FilterValues) => void;
  children: (values: FilterValues, set: (key: string, value: string) => void) => ReactNode;
}) {
  const [values, setValues] = useState<FilterValues>(initial);
  const set = (key: string, value: string) => setValues((previous) => ({ ...previous, [key]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(values);
  }

  function clear() {
    const empty = Object.fromEntries(Object.keys(values).map((key) => [key, ""]));
    setValues(empty);
    onApply(empty);
  }

  return (
    <form className="toolbar pulse-filters" aria-label={label} onSubmit={submit}>
      {children(values, set)}
      <div className="row">
        <button type="submit">Apply filters</button>
        <button type="button" className="secondary" onClick={clear}>
          Clear filters
        </button>
      </div>
    </form>
  );
}
