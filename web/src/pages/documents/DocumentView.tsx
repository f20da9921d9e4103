// Every field of a script or email version: its text, lists, links to its client, product and
// parent version, and how it was written.
import { Link } from "react-router-dom";
import { documentPath, kindOf, typeLabel, typeOf, type SalesDocument } from "../../lib/documents/kinds";
import { formatDate } from "./format";
import type { Client, Product } from "./useSubjects";

export function DocumentView({
  record,
  client,
  product,
}: {
  record: SalesDocument;
  client: Client | null;
  product: Product | null;
}) {
  const kind = kindOf(record);
  const parent = "script_type" in record ? record.parent_script_id : record.parent_email_id;
  return (
    <div className="stack">
      <dl className="document-meta">
        <dt>Type</dt>
        <dd>{typeLabel(kind, typeOf(record))}</dd>
        <dt>Version</dt>
        <dd>
          {record.version}
          {!record.is_active && <span className="badge failed">Deleted</span>}
        </dd>
        <dt>Made from</dt>
        <dd>{parent ? <Link to={documentPath(kind, parent)}>the previous version</Link> : "— (the first version)"}</dd>
        <dt>Client</dt>
        <dd>{record.client_id ? <Link to={`/clients/${record.client_id}`}>{client?.name ?? "Open the client"}</Link> : "—"}</dd>
        <dt>Product</dt>
        <dd>
          {record.product_id ? <Link to={`/products/${record.product_id}`}>{product?.name ?? "Open the product"}</Link> : "—"}
        </dd>
        <dt>Written by</dt>
        <dd>{record.model_id ? `AI (${record.model_id})` : "Hand"}</dd>
        <dt>Created</dt>
        <dd>{formatDate(record.created_at)}</dd>
        {record.updated_at !== record.created_at && (
          <>
            <dt>Updated</dt>
            <dd>{formatDate(record.updated_at)}</dd>
          </>
        )}
      </dl>
      {record.description && <p>{record.description}</p>}
      {"subject" in record ? (
        <>
          <section className="stack" aria-labelledby="document-subject">
            <h2 id="document-subject">Subject</h2>
            <p className="document-text">{record.subject}</p>
          </section>
          <section className="stack" aria-labelledby="document-body">
            <h2 id="document-body">Body</h2>
            <div className="document-text card">{record.body}</div>
          </section>
          {record.call_to_action && (
            <section aria-labelledby="document-cta">
              <h2 id="document-cta">Call to action</h2>
              <p>{record.call_to_action}</p>
            </section>
          )}
          <List title="Personalization fields" items={record.personalization_fields} />
        </>
      ) : (
        <>
          <section className="stack" aria-labelledby="document-content">
            <h2 id="document-content">Script</h2>
            <div className="document-text card">{record.content}</div>
          </section>
          <List title="Key talking points" items={record.key_talking_points} />
          <Objections handlers={record.objection_handlers} />
          <List title="Discovery questions" items={record.discovery_questions} ordered />
          <List title="Closing techniques" items={record.closing_techniques} />
        </>
      )}
      {record.generation_prompt && (
        <details>
          <summary>The prompt the model was given</summary>
          <pre>{record.generation_prompt}</pre>
        </details>
      )}
    </div>
  );
}

function List({ title, items, ordered }: { title: string; items: string[] | undefined; ordered?: boolean }) {
  if (!items || items.length === 0) return null;
  const entries = items.map((item, index) => <li key={index}>{item}</li>);
  return (
    <section>
      <h2>{title}</h2>
      {ordered ? <ol>{entries}</ol> : <ul>{entries}</ul>}
    </section>
  );
}

function Objections({ handlers }: { handlers: Record<string, string> | undefined }) {
  const entries = Object.entries(handlers ?? {});
  if (entries.length === 0) return null;
  return (
    <section>
      <h2>Objection handlers</h2>
      <dl className="objections">
        {entries.map(([objection, answer]) => (
          <div key={objection}>
            <dt>
              <strong>{objection}</strong>
            </dt>
            <dd>{answer}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
