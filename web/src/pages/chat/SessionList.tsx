// The caller's chat sessions, newest first, with a "New conversation" button; the open one is
// marked as the current page.
import { useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Pagination } from "../../components/Pagination";
import type { Session } from "../../lib/chat/history";

const LIMIT = 20;

const TYPE_LABELS: Record<string, string> = {
  script_generation: "Script generation",
  email_generation: "Email generation",
};

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function SessionList({
  currentId,
  version,
  onNew,
}: {
  currentId: string | null;
  /** Changes when the list should be read again (a session started, answered or ended). */
  version: number;
  onNew: () => void;
}) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<{ items: Session[]; total: number } | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [retry, setRetry] = useState(0);

  useEffect(() => {
    let cancelled = false;
    setLoading(true);
    unwrap(api.GET("/api/v1/sessions", { params: { query: { limit: LIMIT, offset } } }))
      .then((data) => {
        if (cancelled) return;
        setPage({ items: data.items, total: data.total });
        setError(null);
      })
      .catch((failure: unknown) => {
        if (!cancelled) setError(failure);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [offset, version, retry]);

  return (
    <section className="card session-list" aria-labelledby="chat-sessions-heading">
      <div className="session-list-head">
        <h2 id="chat-sessions-heading">Sessions</h2>
        <button type="button" onClick={onNew}>
          New conversation
        </button>
      </div>
      {error != null && (
        <div className="stack">
          <ErrorNotice error={error} />
          <button type="button" className="secondary" onClick={() => setRetry((n) => n + 1)}>
            Try again
          </button>
        </div>
      )}
      {loading && !page && <p aria-busy="true">Loading sessions…</p>}
      {page && page.items.length === 0 && <p className="muted">No conversations yet.</p>}
      {page && page.items.length > 0 && (
        <ul aria-busy={loading || undefined}>
          {page.items.map((session) => {
            const count = session.interaction_count;
            const details = [
              TYPE_LABELS[session.session_type],
              `${count} ${count === 1 ? "message" : "messages"}`,
              session.state === "ended" ? "ended" : null,
            ].filter(Boolean);
            return (
              <li key={session.id}>
                <Link
                  to={`/chat/${session.id}`}
                  className="session-link"
                  aria-current={session.id === currentId ? "page" : undefined}
                >
                  <span className="session-when">{when(session.started_at)}</span>
                  <span className="muted small">{details.join(" · ")}</span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
      {page && <Pagination total={page.total} limit={LIMIT} offset={offset} onChange={setOffset} />}
    </section>
  );
}
