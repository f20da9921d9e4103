// Says which version a "next version" generation refines, with a way back to writing a new one.
import { Link } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { documentPath, type DocumentKind, type SalesDocument } from "../../lib/documents/kinds";

export function BaseNotice({
  kind,
  base,
  error,
  onDrop,
  disabled,
}: {
  kind: DocumentKind;
  base: SalesDocument | null;
  error: unknown;
  onDrop: () => void;
  disabled: boolean;
}) {
  return (
    <div className="stack">
      <ErrorNotice error={error} />
      <div className="notice base-notice">
        {base ? (
          <span>
            Writing the next version of <Link to={documentPath(kind, base.id)}>{base.name}</Link> (version{" "}
            {base.version}).
          </span>
        ) : (
          <span>Writing the next version of a {kind}…</span>
        )}
        <button type="button" className="link" onClick={onDrop} disabled={disabled}>
          Write a new {kind} instead
        </button>
      </div>
    </div>
  );
}
