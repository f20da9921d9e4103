// A run's events in time order: offset from the run's start, type, stage, and the payload as
// pretty JSON (collapsed).
import { eventOffsetMs, eventStage, sortByTime } from "../../lib/pulse/events";
import { formatDateTime, formatOffset } from "../../lib/pulse/format";
import type { PipelineEvent } from "../../lib/pulse/types";
import { JsonBlock } from "./JsonBlock";

export function EventList({ events, runStart }: { events: PipelineEvent[]; runStart: string }) {
  if (events.length === 0) return <p className="muted">No event was recorded for this run.</p>;
  return (
    <div className="table-wrap">
      <table className="pulse-events">
        <caption className="visually-hidden">Events of the run, oldest first</caption>
        <thead>
          <tr>
            <th scope="col">Offset</th>
            <th scope="col">Type</th>
            <th scope="col">Stage</th>
            <th scope="col">Payload</th>
          </tr>
        </thead>
        <tbody>
          {sortByTime(events).map((event) => (
            <tr key={event.id} data-event-type={event.event_type}>
              <td>
                <time dateTime={event.occurred_at} title={formatDateTime(event.occurred_at)}>
                  {formatOffset(eventOffsetMs(event, runStart))}
                </time>
              </td>
              <th scope="row">
                <code>{event.event_type}</code>
              </th>
              <td>{eventStage(event) ?? "—"}</td>
              <td>
                <JsonBlock value={event.event_data} summary="Payload" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
