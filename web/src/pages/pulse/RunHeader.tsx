// The header of a pipeline run: what ran, how it ended, its timing, tokens, cost and model.
import type { ReactNode } from "react";
import { formatDateTime, formatDuration, formatTokens, formatUsdMicros } from "../../lib/pulse/format";
import type { PipelineRun } from "../../lib/pulse/types";
import { StatusBadge } from "./StatusBadge";

export function RunHeader({ run, model }: { run: PipelineRun; model: string | null }) {
  const facts: [string, ReactNode][] = [
    ["Pipeline", run.pipeline_name ?? "—"],
    ["Configuration", run.topology ?? "—"],
    ["Service", run.service],
    ["Status", <StatusBadge key="status" status={run.status} />],
    ["Started", formatDateTime(run.started_at)],
    ["Completed", formatDateTime(run.completed_at)],
    ["Time to first token", formatDuration(run.ttft_ms)],
    ["Total duration", formatDuration(run.total_latency_ms)],
    ["Tokens", formatTokens(run.tokens_in, run.tokens_out)],
    ["Tokens per second", run.tokens_per_second != null ? run.tokens_per_second.toFixed(1) : "—"],
    ["Cost", formatUsdMicros(run.total_cost_usd_micros)],
    ["Model", model ?? "—"],
    ["Quality mode", run.quality_mode ?? "—"],
    ["Request id", run.request_id ? <code key="request">{run.request_id}</code> : "—"],
  ];
  return (
    <div className="card stack">
      <dl className="pulse-facts" aria-label="Run summary">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {run.error && (
        <div className="notice notice-error">
          <strong>Error{run.error_code ? ` ${run.error_code}` : ""}</strong>
          <p>{run.error}</p>
        </div>
      )}
    </div>
  );
}
