// One page of scripts or emails as a table; each name links to its version's screen.
import { Link } from "react-router-dom";
import { documentPath, typeLabel, typeOf, type DocumentKind, type SalesDocument } from "../../lib/documents/kinds";
import { formatDate } from "./format";

export function DocumentsTable({
  kind,
  items,
  clientName,
  productName,
}: {
  kind: DocumentKind;
  items: SalesDocument[];
  clientName: (id: string | null | undefined) => string;
  productName: (id: string | null | undefined) => string;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{kind === "script" ? "Scripts" : "Emails"}</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {kind === "email" && <th scope="col">Subject</th>}
            <th scope="col">Type</th>
            <th scope="col">Version</th>
            <th scope="col">Client</th>
            <th scope="col">Product</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <td>
                <Link to={documentPath(kind, item.id)}>{item.name}</Link>
                {!item.is_active && <span className="badge failed">Deleted</span>}
              </td>
              {"subject" in item && <td>{item.subject}</td>}
              <td>{typeLabel(kind, typeOf(item))}</td>
              <td>{item.version}</td>
              <td>{clientName(item.client_id)}</td>
              <td>{productName(item.product_id)}</td>
              <td>{formatDate(item.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
