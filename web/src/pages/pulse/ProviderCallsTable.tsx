// A table of provider calls; each row has a "Details" button that opens the call's details
// (prompt and output when stored) in a row below it.
import { Fragment, useState } from "react";
import { formatCallCost, formatDateTime, formatDuration, formatTokens } from "../../lib/pulse/format";
import type { ProviderCall } from "../../lib/pulse/types";
import { ProviderCallDetails } from "./ProviderCallDetails";
import { StatusBadge } from "./StatusBadge";

const COLUMNS = 9;

export function ProviderCallsTable({ calls, caption, busy = false }: { calls: ProviderCall[]; caption: string; busy?: boolean }) {
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="table-wrap">
      <table aria-busy={busy}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col">Operation</th>
            <th scope="col">Status</th>
            <th scope="col">Latency</th>
            <th scope="col">Tokens</th>
            <th scope="col">Cost</th>
            <th scope="col">Time</th>
            <th scope="col">
              <span className="visually-hidden">Details</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {calls.map((call) => {
            const isOpen = open === call.id;
            const detailsId = `call-details-${call.id}`;
            return (
              <Fragment key={call.id}>
                <tr>
                  <th scope="row">{call.provider}</th>
                  <td>{call.model_id ?? "—"}</td>
                  <td>{call.operation}</td>
                  <td>
                    <StatusBadge status={call.success ? "ok" : "failed"} />
                  </td>
                  <td>{formatDuration(call.latency_ms)}</td>
                  <td>
                    {formatTokens(call.tokens_in, call.tokens_out)}
                    {call.tokens_estimated && <span className="muted small"> (estimated)</span>}
                  </td>
                  <td>{formatCallCost(call)}</td>
                  <td>
                    <time dateTime={call.started_at}>{formatDateTime(call.started_at)}</time>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={isOpen}
                      aria-controls={isOpen ? detailsId : undefined}
                      onClick={() => setOpen(isOpen ? null : call.id)}
                    >
                      Details
                      <span className="visually-hidden">
                        {" "}
                        of the {call.provider} {call.operation} call at {formatDateTime(call.started_at)}
                      </span>
                    </button>
                  </td>
                </tr>
                {isOpen && (
                  <tr id={detailsId} className="pulse-expanded">
                    <td colSpan={COLUMNS}>
                      <ProviderCallDetails call={call} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
