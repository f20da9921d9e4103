// The "Runs" tab: the organization's pipeline runs with filters (service, pipeline, status,
// since) and pages; each run links to its detail.
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextField } from "../../components/Field";
import { Pagination } from "../../components/Pagination";
import { listRuns } from "../../lib/pulse/api";
import { OUTCOME_OPTIONS, PAGE_SIZE, RUN_FILTER_KEYS, offsetOf, readFilters, runsQuery } from "../../lib/pulse/filters";
import { formatDateTime, formatDuration, formatTokens, formatUsdMicros } from "../../lib/pulse/format";
import type { PipelineRun } from "../../lib/pulse/types";
import { useLoad } from "../../lib/pulse/useLoad";
import { FilterForm } from "./FilterForm";
import { SinceFields } from "./SinceFields";
import { StatusBadge } from "./StatusBadge";
import { usePulseParams } from "./usePulseParams";

export const SERVICE_OPTIONS = [
  { value: "", label: "Any" },
  { value: "chat", label: "Chat" },
  { value: "script", label: "Script" },
  { value: "email", label: "Email" },
];

/** The name a run is shown by: its pipeline, else its configuration, else its service. */
export function runName(run: Pick<PipelineRun, "pipeline_name" | "topology" | "service">): string {
  return run.pipeline_name || run.topology || run.service;
}

export function RunsTab() {
  const { params, update } = usePulseParams();
  const key = params.toString();
  const runs = useLoad(() => listRuns(runsQuery(params, new Date())), [key]);
  const applied = readFilters(params, RUN_FILTER_KEYS);

  return (
    <section className="stack" aria-labelledby="pulse-runs-heading">
      <h2 id="pulse-runs-heading">Pipeline runs</h2>
      <FilterForm
        key={JSON.stringify(applied)}
        label="Filter runs"
        initial={applied}
        onApply={(values) => update({ ...values, offset: undefined })}
      >
        {(values, set) => (
          <>
            <SelectField label="Service" value={values["service"] ?? ""} onChange={(e) => set("service", e.target.value)} options={SERVICE_OPTIONS} />
            <TextField label="Pipeline" value={values["topology"] ?? ""} onChange={(e) => set("topology", e.target.value)} hint="Its configuration name." />
            <SelectField label="Status" value={values["outcome"] ?? ""} onChange={(e) => set("outcome", e.target.value)} options={OUTCOME_OPTIONS} />
            <SinceFields values={values} set={set} />
          </>
        )}
      </FilterForm>
      <ErrorNotice error={runs.error} />
      {runs.loading && !runs.data && <p aria-busy="true">Loading runs…</p>}
      {runs.data && (
        <>
          <p role="status" className="muted small">
            {runs.data.total === 1 ? "1 run" : `${runs.data.total} runs`}
            {runs.loading ? " (refreshing…)" : ""}
          </p>
          {runs.data.items.length > 0 ? (
            <RunsTable runs={runs.data.items} busy={runs.loading} />
          ) : (
            <p>No runs match these filters.</p>
          )}
          <Pagination
            total={runs.data.total}
            limit={PAGE_SIZE}
            offset={offsetOf(params)}
            onChange={(offset) => update({ offset: offset ? String(offset) : undefined })}
          />
        </>
      )}
    </section>
  );
}

function RunsTable({ runs, busy }: { runs: PipelineRun[]; busy: boolean }) {
  return (
    <div className="table-wrap">
      <table aria-busy={busy}>
        <caption className="visually-hidden">Pipeline runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Pipeline</th>
            <th scope="col">Status</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">TTFT</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Mode</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <th scope="row">
                <Link to={`/pulse/runs/${run.id}`}>
                  {runName(run)}
                  <span className="visually-hidden">, started {formatDateTime(run.started_at)}</span>
                </Link>
                <div className="muted small">{run.service}</div>
              </th>
              <td>
                <StatusBadge status={run.status} />
              </td>
              <td>
                <time dateTime={run.started_at}>{formatDateTime(run.started_at)}</time>
              </td>
              <td>{formatDuration(run.total_latency_ms)}</td>
              <td>{formatDuration(run.ttft_ms)}</td>
              <td>{formatTokens(run.tokens_in, run.tokens_out)}</td>
              <td>{formatUsdMicros(run.total_cost_usd_micros)}</td>
              <td>{run.quality_mode ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
