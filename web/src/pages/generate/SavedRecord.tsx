// A generated script or email once saved: its name or subject, version, text, and a link to it.
import { Link } from "react-router-dom";
import { documentPath, kindOf, type SalesDocument } from "../../lib/documents/kinds";

export function SavedRecord({ record, level = 3 }: { record: SalesDocument; level?: 3 | 4 }) {
  const kind = kindOf(record);
  const Heading = level === 3 ? "h3" : "h4";
  return (
    <div className="stack">
      <p className="notice notice-ok">
        Saved as <strong>{record.name}</strong>, version {record.version}.
      </p>
      {"subject" in record ? (
        <>
          <Heading className="saved-title">Subject: {record.subject}</Heading>
          <div className="generated-body">{record.body}</div>
          {record.call_to_action && (
            <p>
              <strong>Call to action:</strong> {record.call_to_action}
            </p>
          )}
        </>
      ) : (
        <>
          <Heading className="saved-title">{record.name}</Heading>
          <div className="generated-body">{record.content}</div>
        </>
      )}
      <p>
        <Link to={documentPath(kind, record.id)}>{kind === "script" ? "Open saved script" : "Open saved email"}</Link>
      </p>
    </div>
  );
}
