// Archive / restore a record, and for admins delete it for good, each after a confirmation in the page.
import { useEffect, useRef, useState } from "react";

interface Props {
  /** "product" or "client". */
  noun: string;
  active: boolean;
  admin: boolean;
  busy: boolean;
  onArchive: () => void;
  onRestore: () => void;
  onDelete: () => void;
}

export function RecordActions({ noun, active, admin, busy, onArchive, onRestore, onDelete }: Props) {
  const [confirming, setConfirming] = useState<"archive" | "delete" | null>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  function confirm() {
    const action = confirming;
    setConfirming(null);
    if (action === "archive") onArchive();
    if (action === "delete") onDelete();
  }

  return (
    <section className="card stack" aria-labelledby="record-actions-title">
      <h2 id="record-actions-title">Archive or delete</h2>
      {active ? (
        <p className="muted">Archiving hides this {noun} from lists and from new content. It can be restored.</p>
      ) : (
        <p>This {noun} is archived.</p>
      )}
      <div className="content-actions">
        {active ? (
          <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming("archive")}>
            Archive
          </button>
        ) : (
          <button type="button" className="secondary" disabled={busy} onClick={onRestore}>
            Restore
          </button>
        )}
        {admin && (
          <button type="button" className="danger" disabled={busy} onClick={() => setConfirming("delete")}>
            Delete permanently
          </button>
        )}
      </div>
      {confirming && (
        <div className="confirm" role="group" aria-labelledby="confirm-question">
          <p id="confirm-question">
            {confirming === "archive"
              ? `Archive this ${noun}?`
              : `Delete this ${noun} permanently? This cannot be undone.`}
          </p>
          <div className="content-actions">
            <button ref={confirmButton} type="button" className="danger" onClick={confirm}>
              {confirming === "archive" ? "Yes, archive" : "Yes, delete permanently"}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
