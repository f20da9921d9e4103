// After a 412 (someone else saved first): a Reload button that drops the local edits.
import { isStale } from "./fieldErrors";

export function StaleNotice({ error, what, onReload }: { error: unknown; what: string; onReload: () => void }) {
  if (!isStale(error)) return null;
  return (
    <div className="content-actions">
      <button type="button" className="secondary" onClick={onReload}>
        Reload
      </button>
      <span className="muted small">Someone else changed {what}. Reloading shows their version and drops your edits.</span>
    </div>
  );
}
