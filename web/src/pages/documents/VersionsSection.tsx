// The versions of a document, oldest first, with a choice of any two to compare.
import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { SelectField } from "../../components/Field";
import { documentPath, kindOf, type SalesDocument } from "../../lib/documents/kinds";
import { formatDate } from "./format";
import { VersionCompare } from "./VersionCompare";

export function VersionsSection({ versions, current }: { versions: SalesDocument[]; current: SalesDocument }) {
  const index = Math.max(0, versions.findIndex((v) => v.id === current.id));
  const defaultAfter = versions[index]?.id ?? current.id;
  const defaultBefore = versions[index > 0 ? index - 1 : Math.min(1, versions.length - 1)]?.id ?? current.id;
  const [beforeId, setBeforeId] = useState(defaultBefore);
  const [afterId, setAfterId] = useState(defaultAfter);
  const [shown, setShown] = useState<{ before: SalesDocument; after: SalesDocument } | null>(null);

  useEffect(() => {
    setBeforeId(defaultBefore);
    setAfterId(defaultAfter);
    setShown(null);
  }, [defaultBefore, defaultAfter]);

  const options = versions.map((v) => ({ value: v.id, label: `Version ${v.version}` }));
  const compare = (event: FormEvent) => {
    event.preventDefault();
    const a = versions.find((v) => v.id === beforeId);
    const b = versions.find((v) => v.id === afterId);
    if (!a || !b) return;
    // Older on the left, whichever way round they were chosen.
    setShown(a.version <= b.version ? { before: a, after: b } : { before: b, after: a });
  };

  return (
    <section className="card stack" aria-labelledby="versions-heading">
      <h2 id="versions-heading">Versions</h2>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Versions, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Name</th>
              <th scope="col">Written by</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {versions.map((version) => (
              <tr key={version.id} aria-current={version.id === current.id ? "page" : undefined}>
                <td>
                  {version.id === current.id ? (
                    <strong>Version {version.version} (this one)</strong>
                  ) : (
                    <Link to={documentPath(kindOf(version), version.id)}>Version {version.version}</Link>
                  )}
                  {!version.is_active && <span className="badge failed">Deleted</span>}
                </td>
                <td>{version.name}</td>
                <td>{version.model_id ? "AI" : "Hand"}</td>
                <td>{formatDate(version.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {versions.length < 2 ? (
        <p className="muted">There is only one version so far: edit it or generate its next version to compare.</p>
      ) : (
        <form className="row" onSubmit={compare} aria-label="Compare two versions">
          <div className="grow">
            <SelectField label="Older version" options={options} value={beforeId} onChange={(e) => setBeforeId(e.target.value)} />
          </div>
          <div className="grow">
            <SelectField label="Newer version" options={options} value={afterId} onChange={(e) => setAfterId(e.target.value)} />
          </div>
          <button type="submit">Compare</button>
        </form>
      )}
      {shown && <VersionCompare before={shown.before} after={shown.after} />}
    </section>
  );
}
