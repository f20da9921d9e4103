// The "Dead letters" tab: the queue of failed runs with a status filter; per entry "Retry"
// (replay now), "Resolve" and "Abandon" (after a confirmation), the result in words and a
// refresh; "Details" opens the entry and its replays.
import { Fragment, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField } from "../../components/Field";
import { Pagination } from "../../components/Pagination";
import { abandonDeadLetter, listDeadLetters, resolveDeadLetter, retryDeadLetter } from "../../lib/pulse/api";
import {
  DEAD_LETTER_STATUSES,
  canAct,
  describeOutcome,
  pipelineOf,
  type DeadLetterAction,
} from "../../lib/pulse/deadLetters";
import { PAGE_SIZE, deadLettersQuery, offsetOf } from "../../lib/pulse/filters";
import { formatDateTime } from "../../lib/pulse/format";
import { statusLabel } from "../../lib/pulse/status";
import type { DeadLetter } from "../../lib/pulse/types";
import { useLoad } from "../../lib/pulse/useLoad";
import { DeadLetterDetails } from "./DeadLetterDetails";
import { StatusBadge } from "./StatusBadge";
import { usePulseParams } from "./usePulseParams";

const STATUS_OPTIONS = [{ value: "", label: "Any" }, ...DEAD_LETTER_STATUSES.map((s) => ({ value: s, label: statusLabel(s) }))];
const COLUMNS = 7;

export function DeadLettersTab() {
  const { params, update } = usePulseParams();
  const key = params.toString();
  const entries = useLoad(() => listDeadLetters(deadLettersQuery(params)), [key]);
  const [open, setOpen] = useState<string | null>(null);
  const [notes, setNotes] = useState("");
  const [busy, setBusy] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  async function act(entry: DeadLetter, action: DeadLetterAction) {
    const label = entry.error_code ?? entry.error_type;
    if (action === "abandon" && !window.confirm(`Abandon the dead letter "${label}"? No replay will be scheduled.`)) return;
    const text = open === entry.id && notes.trim() ? notes.trim() : null;
    setBusy(entry.id);
    setResult(null);
    setFailure(null);
    try {
      const updated =
        action === "retry"
          ? await retryDeadLetter(entry.id)
          : action === "resolve"
            ? await resolveDeadLetter(entry.id, text)
            : await abandonDeadLetter(entry.id, text);
      setResult(describeOutcome(action, updated));
      if (action !== "retry") setNotes("");
    } catch (error) {
      setFailure(error);
    } finally {
      setBusy(null);
      setVersion((v) => v + 1);
      entries.reload();
    }
  }

  function toggle(id: string) {
    setOpen(open === id ? null : id);
    setNotes("");
  }

  return (
    <section className="stack" aria-labelledby="pulse-dlq-heading">
      <h2 id="pulse-dlq-heading">Dead-letter queue</h2>
      <div className="toolbar">
        <SelectField
          label="Status"
          value={params.get("status") ?? ""}
          onChange={(e) => update({ status: e.target.value, offset: undefined })}
          options={STATUS_OPTIONS}
        />
      </div>
      <div aria-live="polite">{result && <p className="notice notice-ok">{result}</p>}</div>
      <ErrorNotice error={failure} onDismiss={() => setFailure(null)} />
      <ErrorNotice error={entries.error} />
      {entries.loading && !entries.data && <p aria-busy="true">Loading the queue…</p>}
      {entries.data && (
        <>
          <p role="status" className="muted small">
            {entries.data.total === 1 ? "1 entry" : `${entries.data.total} entries`}
            {entries.loading ? " (refreshing…)" : ""}
          </p>
          {entries.data.items.length === 0 ? (
            <p>No dead letters{params.get("status") ? " in this status" : ""}.</p>
          ) : (
            <div className="table-wrap">
              <table aria-busy={entries.loading}>
                <caption className="visually-hidden">Dead-letter entries, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Status</th>
                    <th scope="col">Pipeline</th>
                    <th scope="col">Error</th>
                    <th scope="col">Attempts</th>
                    <th scope="col">Created</th>
                    <th scope="col">Actions</th>
                    <th scope="col">
                      <span className="visually-hidden">Details</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {entries.data.items.map((entry) => {
                    const isOpen = open === entry.id;
                    const errorId = `dl-error-${entry.id}`;
                    const detailsId = `dl-details-${entry.id}`;
                    const working = busy === entry.id;
                    return (
                      <Fragment key={entry.id}>
                        <tr>
                          <td>
                            <StatusBadge status={entry.status} />
                          </td>
                          <td>
                            {pipelineOf(entry)}
                            {entry.failed_stage && <div className="muted small">stage {entry.failed_stage}</div>}
                          </td>
                          <td id={errorId}>
                            {entry.error_code && <code>{entry.error_code}</code>}
                            <div className="small">{entry.error_message ?? entry.error_type}</div>
                          </td>
                          <td>
                            {entry.retry_count} / {entry.max_retries}
                          </td>
                          <td>
                            <time dateTime={entry.created_at}>{formatDateTime(entry.created_at)}</time>
                          </td>
                          <td>
                            <div className="pulse-actions" aria-busy={working}>
                              {(["retry", "resolve", "abandon"] as const).map((action) => (
                                <button
                                  key={action}
                                  type="button"
                                  className={action === "abandon" ? "danger" : action === "resolve" ? "secondary" : undefined}
                                  aria-describedby={errorId}
                                  disabled={working || !canAct(entry, action)}
                                  onClick={() => void act(entry, action)}
                                >
                                  {statusLabel(action)}
                                </button>
                              ))}
                            </div>
                          </td>
                          <td>
                            <button
                              type="button"
                              className="link"
                              aria-expanded={isOpen}
                              aria-controls={isOpen ? detailsId : undefined}
                              aria-describedby={errorId}
                              onClick={() => toggle(entry.id)}
                            >
                              Details
                            </button>
                          </td>
                        </tr>
                        {isOpen && (
                          <tr id={detailsId} className="pulse-expanded">
                            <td colSpan={COLUMNS}>
                              <DeadLetterDetails id={entry.id} version={version} notes={notes} onNotes={setNotes} />
                            </td>
                          </tr>
                        )}
                      </Fragment>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
          <Pagination
            total={entries.data.total}
            limit={PAGE_SIZE}
            offset={offsetOf(params)}
            onChange={(offset) => update({ offset: offset ? String(offset) : undefined })}
          />
        </>
      )}
    </section>
  );
}
