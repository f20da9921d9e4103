// One hourly chart of the metrics tab (recharts), with a text summary for screen readers and
// the same data as a table behind a <details>.
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { HourRow } from "../../lib/pulse/metrics";

export interface Series {
  /** The value of the series in a row. */
  value: (row: HourRow) => number | null;
  name: string;
  color: string;
  /** The value in words, for the tooltip and the table. */
  format: (value: number) => string;
}

export function HourlyChart({
  id,
  title,
  rows,
  series,
  summary,
  kind,
}: {
  id: string;
  title: string;
  rows: HourRow[];
  series: Series[];
  summary: string;
  kind: "line" | "bar";
}) {
  const data = rows.map((row) => {
    const point: Record<string, string | number | null> = { label: row.label };
    series.forEach((s, i) => {
      point[`s${i}`] = s.value(row);
    });
    return point;
  });
  const tooltip = (value: unknown, _name: unknown, item: { dataKey?: unknown }) => {
    const index = Number(String(item.dataKey ?? "s0").slice(1));
    const s = series[index];
    return typeof value === "number" && s ? s.format(value) : String(value ?? "—");
  };
  const Chart = kind === "line" ? LineChart : BarChart;

  return (
    <figure className="card pulse-chart" aria-labelledby={`${id}-title`}>
      <figcaption>
        <h3 id={`${id}-title`}>{title}</h3>
        <p id={`${id}-summary`} className="muted small">
          {summary}
        </p>
      </figcaption>
      <div role="img" aria-label={`${title}. ${summary}`} className="pulse-chart-canvas">
        <Chart responsive data={data} accessibilityLayer={false} style={{ width: "100%", height: 220 }} margin={{ top: 8, right: 8, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={24} />
          <YAxis tick={{ fontSize: 11 }} width={56} tickFormatter={(v: number) => series[0]?.format(v) ?? String(v)} />
          <Tooltip formatter={tooltip} />
          {series.length > 1 && <Legend />}
          {series.map((s, i) =>
            kind === "line" ? (
              <Line key={s.name} type="monotone" dataKey={`s${i}`} name={s.name} stroke={s.color} dot={false} connectNulls isAnimationActive={false} />
            ) : (
              <Bar key={s.name} dataKey={`s${i}`} name={s.name} fill={s.color} isAnimationActive={false} />
            ),
          )}
        </Chart>
      </div>
      <details>
        <summary>Data table: {title}</summary>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}, hour by hour</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                {series.map((s) => (
                  <th key={s.name} scope="col">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.hour}>
                  <th scope="row">
                    <time dateTime={row.hour}>{row.label}</time>
                  </th>
                  {series.map((s) => {
                    const v = s.value(row);
                    return <td key={s.name}>{v == null ? "—" : s.format(v)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
