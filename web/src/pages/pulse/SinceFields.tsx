// The "Since" choice of a filter form, with "From" / "To" when a custom range is chosen.
import { SelectField, TextField } from "../../components/Field";
import { SINCE_OPTIONS, type FilterValues } from "../../lib/pulse/filters";

export function SinceFields({ values, set }: { values: FilterValues; set: (key: string, value: string) => void }) {
  return (
    <>
      <SelectField
        label="Since"
        value={values["since"] ?? ""}
        onChange={(e) => set("since", e.target.value)}
        options={SINCE_OPTIONS.map((option) => ({ value: option.value, label: option.label }))}
      />
      {values["since"] === "custom" && (
        <>
          <TextField label="From" type="datetime-local" value={values["from"] ?? ""} onChange={(e) => set("from", e.target.value)} />
          <TextField label="To" type="datetime-local" value={values["to"] ?? ""} onChange={(e) => set("to", e.target.value)} />
        </>
      )}
    </>
  );
}
