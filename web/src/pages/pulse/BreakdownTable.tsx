// Provider calls grouped by provider or by model: calls, errors, latency percentiles, cost.
import { formatCount, formatDuration, formatUsdMicros } from "../../lib/pulse/format";
import type { CallMetrics } from "../../lib/pulse/types";

export function BreakdownTable({ title, by, rows }: { title: string; by: string; rows: CallMetrics[] }) {
  return (
    <section className="stack">
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p className="muted">No provider calls in this window.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{by}</th>
                <th scope="col">Calls</th>
                <th scope="col">Errors</th>
                <th scope="col">Latency p50</th>
                <th scope="col">Latency p95</th>
                <th scope="col">Tokens in / out</th>
                <th scope="col">Cost</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.name}>
                  <th scope="row">{row.name}</th>
                  <td>{formatCount(row.calls)}</td>
                  <td>{formatCount(row.errors)}</td>
                  <td>{formatDuration(row.latency_p50_ms)}</td>
                  <td>{formatDuration(row.latency_p95_ms)}</td>
                  <td>
                    {formatCount(row.tokens_in)} / {formatCount(row.tokens_out)}
                  </td>
                  <td>{formatUsdMicros(row.cost_usd_micros)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
