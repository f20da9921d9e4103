// A run's stages as a Gantt chart (HTML/CSS bars: one per stage from its start offset to its
// end, coloured by status with the status in words), and the same stages as a table.
import { ganttRows, ganttTicks } from "../../lib/pulse/gantt";
import { formatDuration, formatOffset } from "../../lib/pulse/format";
import type { StageTiming } from "../../lib/pulse/stages";
import { statusLabel } from "../../lib/pulse/status";
import { StatusBadge } from "./StatusBadge";

export function StageGantt({ stages, runStart, totalMs }: { stages: StageTiming[]; runStart: string; totalMs?: number | null }) {
  if (stages.length === 0) return <p className="muted">No stage was recorded for this run.</p>;
  const { rows, scaleMs } = ganttRows(stages, runStart, totalMs);
  const untimed = rows.some((row) => !row.timed);
  return (
    <div className="stack">
      <div className="pulse-gantt">
        <div className="pulse-gantt-axis" aria-hidden="true">
          {ganttTicks(scaleMs).map((tick) => (
            <span key={tick.percent} style={{ left: `${tick.percent}%` }}>
              {formatOffset(tick.ms)}
            </span>
          ))}
        </div>
        <ul role="list" aria-label="Stage timeline" className="pulse-gantt-rows">
          {rows.map((row) => (
            <li key={row.name} data-stage={row.name} data-status={row.status} className="pulse-gantt-row">
              <span className="pulse-gantt-name">{row.name}</span>
              <span className="pulse-gantt-track">
                <span
                  className={`pulse-gantt-bar status-${row.status}${row.timed ? "" : " untimed"}`}
                  style={{ left: `${row.leftPercent.toFixed(3)}%`, width: `${row.widthPercent.toFixed(3)}%` }}
                />
              </span>
              <span className="pulse-gantt-meta small">
                {statusLabel(row.status)} · {formatDuration(row.durationMs)}
                <span className="visually-hidden">
                  , {row.timed ? "from" : "start not recorded, placed at"} {formatOffset(row.offsetMs)} to {formatOffset(row.endMs)}
                </span>
              </span>
            </li>
          ))}
        </ul>
      </div>
      {untimed && (
        <p className="muted small">Dashed bars: the stage's start was not recorded; it is drawn after the timed stages.</p>
      )}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Stages with their start offset and duration</caption>
          <thead>
            <tr>
              <th scope="col">Stage</th>
              <th scope="col">Status</th>
              <th scope="col">Starts at</th>
              <th scope="col">Duration</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.name}>
                <th scope="row">{row.name}</th>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{row.timed ? formatOffset(row.offsetMs) : "not recorded"}</td>
                <td>{formatDuration(row.durationMs)}</td>
                <td>{row.error ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
