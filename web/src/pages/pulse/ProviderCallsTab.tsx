// The "Provider calls" tab: the organization's calls to LLM / STT / TTS / embedding providers,
// with filters (provider, model, operation, outcome, since, request id) and pages.
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextField } from "../../components/Field";
import { Pagination } from "../../components/Pagination";
import { listProviderCalls } from "../../lib/pulse/api";
import { CALL_FILTER_KEYS, OUTCOME_OPTIONS, PAGE_SIZE, callsQuery, offsetOf, readFilters } from "../../lib/pulse/filters";
import { useLoad } from "../../lib/pulse/useLoad";
import { FilterForm } from "./FilterForm";
import { ProviderCallsTable } from "./ProviderCallsTable";
import { SinceFields } from "./SinceFields";
import { usePulseParams } from "./usePulseParams";

const OPERATION_OPTIONS = [
  { value: "", label: "Any" },
  { value: "llm", label: "LLM" },
  { value: "embedding", label: "Embedding" },
  { value: "stt", label: "Speech to text" },
  { value: "tts", label: "Text to speech" },
];

export function ProviderCallsTab() {
  const { params, update } = usePulseParams();
  const key = params.toString();
  const calls = useLoad(() => listProviderCalls(callsQuery(params, new Date())), [key]);
  const applied = readFilters(params, CALL_FILTER_KEYS);

  return (
    <section className="stack" aria-labelledby="pulse-calls-heading">
      <h2 id="pulse-calls-heading">Provider calls</h2>
      <FilterForm
        key={JSON.stringify(applied)}
        label="Filter provider calls"
        initial={applied}
        onApply={(values) => update({ ...values, offset: undefined })}
      >
        {(values, set) => (
          <>
            <TextField label="Provider" value={values["provider"] ?? ""} onChange={(e) => set("provider", e.target.value)} />
            <TextField label="Model" value={values["model"] ?? ""} onChange={(e) => set("model", e.target.value)} />
            <SelectField label="Operation" value={values["operation"] ?? ""} onChange={(e) => set("operation", e.target.value)} options={OPERATION_OPTIONS} />
            <SelectField label="Outcome" value={values["outcome"] ?? ""} onChange={(e) => set("outcome", e.target.value)} options={OUTCOME_OPTIONS} />
            <SinceFields values={values} set={set} />
            <TextField label="Request id" value={values["request_id"] ?? ""} onChange={(e) => set("request_id", e.target.value)} />
          </>
        )}
      </FilterForm>
      <ErrorNotice error={calls.error} />
      {calls.loading && !calls.data && <p aria-busy="true">Loading provider calls…</p>}
      {calls.data && (
        <>
          <p role="status" className="muted small">
            {calls.data.total === 1 ? "1 call" : `${calls.data.total} calls`}
            {calls.loading ? " (refreshing…)" : ""}
          </p>
          {calls.data.items.length > 0 ? (
            <ProviderCallsTable calls={calls.data.items} caption="Provider calls, newest first" busy={calls.loading} />
          ) : (
            <p>No provider calls match these filters.</p>
          )}
          <Pagination
            total={calls.data.total}
            limit={PAGE_SIZE}
            offset={offsetOf(params)}
            onChange={(offset) => update({ offset: offset ? String(offset) : undefined })}
          />
        </>
      )}
    </section>
  );
}
