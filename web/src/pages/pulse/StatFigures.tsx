// Labelled headline figures (a <dl>): the stats of the window and the latency percentiles.
import { formatCount, formatDuration, formatPercent, formatUsdMicros } from "../../lib/pulse/format";
import type { PulseMetrics, PulseStats } from "../../lib/pulse/types";

function Figure({ label, value, note }: { label: string; value: string; note?: string }) {
  return (
    <div className="pulse-figure">
      <dt>{label}</dt>
      <dd>
        <span className="pulse-figure-value">{value}</span>
        {note && <span className="muted small"> {note}</span>}
      </dd>
    </div>
  );
}

export function StatFigures({ stats }: { stats: PulseStats }) {
  return (
    <dl className="pulse-figures" aria-label={`Summary of the last ${stats.hours} hours`}>
      <Figure label="Runs" value={formatCount(stats.total_runs)} />
      <Figure label="Failures" value={formatCount(stats.failed)} />
      <Figure label="Success rate" value={formatPercent(stats.success_rate)} />
      <Figure label="Cost" value={formatUsdMicros(stats.cost_usd_micros)} />
      <Figure label="Average latency" value={formatDuration(stats.avg_latency_ms)} />
      <Figure label="Tokens" value={`${formatCount(stats.tokens_in)} in`} note={`/ ${formatCount(stats.tokens_out)} out`} />
      <Figure label="Dead letters pending" value={formatCount(stats.dlq_pending)} />
    </dl>
  );
}

export function PercentileFigures({ metrics }: { metrics: PulseMetrics }) {
  return (
    <dl className="pulse-figures" aria-label="Latency percentiles of the window">
      <Figure label="Latency p50" value={formatDuration(metrics.latency_ms.p50)} />
      <Figure label="Latency p95" value={formatDuration(metrics.latency_ms.p95)} />
      <Figure label="Latency p99" value={formatDuration(metrics.latency_ms.p99)} />
      <Figure label="TTFT p50" value={formatDuration(metrics.ttft_ms.p50)} />
      <Figure label="TTFT p95" value={formatDuration(metrics.ttft_ms.p95)} />
      <Figure label="Cancelled runs" value={formatCount(metrics.totals.cancelled)} />
    </dl>
  );
}
