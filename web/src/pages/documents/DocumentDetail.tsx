// /scripts/:id and /emails/:id: one version with every field, Copy and exports, an edit form
// (saved as the next version), the document's versions with a word diff of any two, and a
// way to have the next version generated.
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { ErrorNotice } from "../../components/ErrorNotice";
import { baseParam, documentPath, type DocumentKind } from "../../lib/documents/kinds";
import { DocumentView } from "./DocumentView";
import { EditDocumentForm } from "./EditDocumentForm";
import { ExportActions } from "./ExportActions";
import { useDocumentDetail } from "./useDocumentDetail";
import { VersionsSection } from "./VersionsSection";
import "./documents.css";

export default function DocumentDetail({ kind }: { kind: DocumentKind }) {
  const { id = "" } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const detail = useDocumentDetail(kind, id);
  const [editing, setEditing] = useState(false);
  const savedVersion = (location.state as { savedVersion?: number } | null)?.savedVersion;
  const list = kind === "script" ? "/scripts" : "/emails";
  const { record } = detail;

  if (!record) {
    return (
      <div className="stack">
        <p>
          <Link to={list}>Back to {kind === "script" ? "scripts" : "emails"}</Link>
        </p>
        {detail.loading ? <p aria-busy="true">Loading…</p> : <ErrorNotice error={detail.error} />}
      </div>
    );
  }

  const latest = detail.versions[detail.versions.length - 1] ?? record;
  const isLatest = latest.id === record.id;
  const nextParams = new URLSearchParams({ kind, [baseParam(kind)]: record.id });

  return (
    <div className="stack">
      <p>
        <Link to={list}>Back to {kind === "script" ? "scripts" : "emails"}</Link>
      </p>
      <h1>{record.name}</h1>
      {savedVersion === record.version && <p className="notice notice-ok">Saved as version {record.version}.</p>}
      <ErrorNotice error={detail.sideError} />
      {!isLatest && (
        <p className="notice">
          This is version {record.version}; the latest is{" "}
          <Link to={documentPath(kind, latest.id)}>version {latest.version}</Link>. Only the latest version can be
          edited or refined.
        </p>
      )}
      <div className="toolbar">
        {isLatest && !editing && (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        {isLatest && (
          <Link className="button secondary" to={`/generate?${nextParams.toString()}`}>
            Generate next version
          </Link>
        )}
      </div>
      <ExportActions record={record} client={detail.client} product={detail.product} />
      {editing ? (
        <EditDocumentForm
          key={`${record.id}:${detail.etag ?? ""}`}
          record={record}
          etag={detail.etag}
          onCancel={() => setEditing(false)}
          onReload={detail.reload}
          onSaved={(saved) => {
            setEditing(false);
            navigate(documentPath(kind, saved.id), { state: { savedVersion: saved.version } });
          }}
        />
      ) : (
        <DocumentView record={record} client={detail.client} product={detail.product} />
      )}
      <VersionsSection versions={detail.versions} current={record} />
    </div>
  );
}
