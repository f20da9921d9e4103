// One dead-letter entry opened: what failed, its replays (attempts, schedule, the runs a
// successful replay made, the request id of each attempt), its input and snapshot, and the
// notes that Resolve and Abandon send.
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextArea } from "../../components/Field";
import { getDeadLetter } from "../../lib/pulse/api";
import { replayAttempts, replayRunIds } from "../../lib/pulse/deadLetters";
import { formatDateTime } from "../../lib/pulse/format";
import { useLoad } from "../../lib/pulse/useLoad";
import { JsonBlock } from "./JsonBlock";
import { StatusBadge } from "./StatusBadge";

export function DeadLetterDetails({
  id,
  version,
  notes,
  onNotes,
}: {
  id: string;
  /** Changes after an action, to read the entry again. */
  version: number;
  notes: string;
  onNotes: (notes: string) => void;
}) {
  const entry = useLoad(() => getDeadLetter(id), [id, version]);
  if (entry.error) return <ErrorNotice error={entry.error} />;
  if (!entry.data) return <p aria-busy="true">Loading the entry…</p>;
  const e = entry.data;
  const runs = replayRunIds(e.resolution_notes);
  const attempts = replayAttempts(e);
  return (
    <div className="stack pulse-dl-details">
      <dl className="pulse-facts">
        <div>
          <dt>Status</dt>
          <dd>
            <StatusBadge status={e.status} />
          </dd>
        </div>
        <div>
          <dt>Failure</dt>
          <dd>
            {e.error_type}
            {e.error_code && (
              <>
                {" "}
                <code>{e.error_code}</code>
              </>
            )}
          </dd>
        </div>
        <div>
          <dt>Failed stage</dt>
          <dd>{e.failed_stage ?? "—"}</dd>
        </div>
        <div>
          <dt>Failed run</dt>
          <dd>{e.pipeline_run_id ? <Link to={`/pulse/runs/${e.pipeline_run_id}`}>Open the failed run</Link> : "—"}</dd>
        </div>
        <div>
          <dt>Request id</dt>
          <dd>{e.request_id ? <code>{e.request_id}</code> : "—"}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{formatDateTime(e.created_at)}</dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>{formatDateTime(e.updated_at)}</dd>
        </div>
      </dl>
      {e.error_message && <p className="pulse-error-text">{e.error_message}</p>}

      <h3 className="pulse-subheading">Replays</h3>
      <dl className="pulse-facts">
        <div>
          <dt>Attempts</dt>
          <dd>
            {e.retry_count} of {e.max_retries}
          </dd>
        </div>
        <div>
          <dt>Last replay</dt>
          <dd>{formatDateTime(e.last_retry_at)}</dd>
        </div>
        <div>
          <dt>Next replay</dt>
          <dd>{e.next_retry_at ? formatDateTime(e.next_retry_at) : "None scheduled (manual retry only)"}</dd>
        </div>
        {e.resolved_at && (
          <div>
            <dt>Resolved</dt>
            <dd>{formatDateTime(e.resolved_at)}</dd>
          </div>
        )}
      </dl>
      {e.resolution_notes && (
        <p>
          <strong>Resolution:</strong> {e.resolution_notes}
        </p>
      )}
      {runs.length > 0 && (
        <ul>
          {runs.map((run) => (
            <li key={run}>
              <Link to={`/pulse/runs/${run}`}>Replay run {run.slice(0, 8)}</Link>
            </li>
          ))}
        </ul>
      )}
      {attempts.length === 0 ? (
        <p className="muted small">No replay has been attempted yet.</p>
      ) : (
        <ol className="pulse-attempts">
          {attempts.map((attempt) => (
            <li key={attempt.attempt}>
              Attempt {attempt.attempt}: request <code>{attempt.requestId}</code> —{" "}
              <Link to={`/pulse?tab=provider-calls&request_id=${encodeURIComponent(attempt.requestId)}`}>
                its provider calls
              </Link>
            </li>
          ))}
        </ol>
      )}

      <JsonBlock value={e.input_data} summary="Input" />
      <JsonBlock value={e.context_snapshot} summary="Context snapshot" />

      <TextArea
        label="Notes sent with Resolve or Abandon (optional)"
        rows={2}
        maxLength={2000}
        value={notes}
        onChange={(event) => onNotes(event.target.value)}
      />
    </div>
  );
}
