// One pipeline run (/pulse/runs/:id): its header, its stages as a Gantt chart, its events in
// time order and the provider calls it made.
import { Link, useParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { getRun, listProviderCalls } from "../../lib/pulse/api";
import { stageTimings } from "../../lib/pulse/stages";
import type { PipelineRunDetail, ProviderCall } from "../../lib/pulse/types";
import { useLoad } from "../../lib/pulse/useLoad";
import { EventList } from "./EventList";
import { ProviderCallsTable } from "./ProviderCallsTable";
import { RunHeader } from "./RunHeader";
import { runName } from "./RunsTab";
import { StageGantt } from "./StageGantt";
import "./pulse.css";

/** The most calls of one request read for its run. */
const CALLS_LIMIT = 200;

/** The model of a run: its LLM call's, else the first LLM call's. */
function modelOf(run: PipelineRunDetail, calls: ProviderCall[]): string | null {
  const call = calls.find((c) => c.id === run.llm_provider_call_id) ?? calls.find((c) => c.operation === "llm");
  return call ? (call.response_model ?? call.model_id ?? null) : null;
}

export default function RunDetail() {
  const { id = "" } = useParams();
  const run = useLoad(() => getRun(id), [id]);
  const requestId = run.data?.request_id ?? null;
  const calls = useLoad(
    async () =>
      requestId ? (await listProviderCalls({ request_id: requestId, limit: CALLS_LIMIT })).items.filter((c) => c.pipeline_run_id === id) : [],
    [id, requestId],
  );

  return (
    <div className="stack pulse">
      <p>
        <Link to="/pulse?tab=runs">← Back to Pulse</Link>
      </p>
      <h1>{run.data ? `Run: ${runName(run.data)}` : "Pipeline run"}</h1>
      <ErrorNotice error={run.error} />
      {run.loading && !run.data && <p aria-busy="true">Loading the run…</p>}
      {run.data && (
        <>
          <div className="row">
            <button type="button" className="secondary" onClick={run.reload} disabled={run.loading}>
              Refresh
            </button>
            <span aria-live="polite" className="muted small">
              {run.loading ? "Refreshing…" : ""}
            </span>
          </div>
          <RunHeader run={run.data} model={modelOf(run.data, calls.data ?? [])} />

          <section className="stack" aria-labelledby="run-stages-heading">
            <h2 id="run-stages-heading">Stages</h2>
            <StageGantt
              stages={stageTimings(run.data.stages, run.data.events)}
              runStart={run.data.started_at}
              totalMs={run.data.total_latency_ms}
            />
          </section>

          <section className="stack" aria-labelledby="run-events-heading">
            <h2 id="run-events-heading">Events</h2>
            <EventList events={run.data.events} runStart={run.data.started_at} />
          </section>

          <section className="stack" aria-labelledby="run-calls-heading">
            <h2 id="run-calls-heading">Provider calls</h2>
            {requestId ? (
              <>
                <ErrorNotice error={calls.error} />
                {calls.loading && !calls.data && <p aria-busy="true">Loading the provider calls…</p>}
                {calls.data &&
                  (calls.data.length > 0 ? (
                    <ProviderCallsTable calls={calls.data} caption="Provider calls of this run" busy={calls.loading} />
                  ) : (
                    <p className="muted">No provider call was recorded for this run.</p>
                  ))}
                <p className="small">
                  <Link to={`/pulse?tab=provider-calls&request_id=${encodeURIComponent(requestId)}`}>
                    All provider calls of request {requestId}
                  </Link>
                </p>
              </>
            ) : (
              <p className="muted">This run has no request id, so its provider calls cannot be listed.</p>
            )}
          </section>
        </>
      )}
    </div>
  );
}
