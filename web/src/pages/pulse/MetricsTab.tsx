// The "Metrics" tab: the window's figures (runs, failures, cost, …), hourly charts of cost,
// latency p95 and runs / failures, and the provider calls by provider and by model.
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField } from "../../components/Field";
import { getMetrics, getStats } from "../../lib/pulse/api";
import { WINDOW_OPTIONS, metricsQueries, windowHours } from "../../lib/pulse/filters";
import { formatCount, formatDuration, formatUsdMicros } from "../../lib/pulse/format";
import { hourRows, seriesSummary } from "../../lib/pulse/metrics";
import { useLoad } from "../../lib/pulse/useLoad";
import { BreakdownTable } from "./BreakdownTable";
import { HourlyChart } from "./HourlyChart";
import { SERVICE_OPTIONS } from "./RunsTab";
import { PercentileFigures, StatFigures } from "./StatFigures";
import { usePulseParams } from "./usePulseParams";

export function MetricsTab() {
  const { params, update } = usePulseParams();
  const hours = windowHours(params);
  const service = params.get("service") ?? "";
  const key = `${hours}|${service}`;
  const queries = () => metricsQueries(params, new Date());
  const metrics = useLoad(() => getMetrics(queries().metrics), [key]);
  const stats = useLoad(() => getStats(queries().stats), [hours]);
  const rows = metrics.data ? hourRows(metrics.data.hourly) : [];

  return (
    <section className="stack" aria-labelledby="pulse-metrics-heading">
      <h2 id="pulse-metrics-heading">Metrics</h2>
      <div className="toolbar">
        <SelectField label="Window" value={String(hours)} onChange={(e) => update({ hours: e.target.value })} options={WINDOW_OPTIONS} />
        <SelectField
          label="Service (charts)"
          value={service}
          onChange={(e) => update({ service: e.target.value })}
          options={SERVICE_OPTIONS}
        />
      </div>

      <ErrorNotice error={stats.error} />
      {stats.loading && !stats.data && <p aria-busy="true">Loading the figures…</p>}
      {stats.data && <StatFigures stats={stats.data} />}

      <ErrorNotice error={metrics.error} />
      {metrics.loading && !metrics.data && <p aria-busy="true">Loading the charts…</p>}
      {metrics.data && (
        <>
          <PercentileFigures metrics={metrics.data} />
          <div className="grid-2">
            <HourlyChart
              id="chart-cost"
              title="Cost per hour"
              kind="bar"
              rows={rows}
              series={[{ name: "Cost", color: "#0b57d0", value: (row) => row.costMicros, format: formatUsdMicros }]}
              summary={seriesSummary(rows, (row) => row.costMicros, formatUsdMicros, { total: true })}
            />
            <HourlyChart
              id="chart-latency"
              title="Latency p95 per hour"
              kind="line"
              rows={rows}
              series={[{ name: "Latency p95", color: "#8a5a00", value: (row) => row.latencyP95, format: formatDuration }]}
              summary={seriesSummary(rows, (row) => row.latencyP95, formatDuration)}
            />
            <HourlyChart
              id="chart-runs"
              title="Runs and failures per hour"
              kind="bar"
              rows={rows}
              series={[
                { name: "Runs", color: "#146c2e", value: (row) => row.runs, format: formatCount },
                { name: "Failures", color: "#b3261e", value: (row) => row.failures, format: formatCount },
              ]}
              summary={`Runs: ${seriesSummary(rows, (row) => row.runs, formatCount, { total: true })} Failures: ${seriesSummary(rows, (row) => row.failures, formatCount, { total: true })}`}
            />
          </div>
          <BreakdownTable title="Calls by provider" by="Provider" rows={metrics.data.by_provider} />
          <BreakdownTable title="Calls by model" by="Model" rows={metrics.data.by_model} />
        </>
      )}
    </section>
  );
}
