// /clients: the people the organization sells to, searchable and filterable by industry.
import { RecordList, type Column } from "../products/shared/RecordList";
import { listClients, type Client } from "./clientApi";

const none = <span className="muted">—</span>;

const COLUMNS: Column<Client>[] = [
  { header: "Company", cell: (client) => client.company ?? none },
  { header: "Job title", cell: (client) => client.title ?? none },
  { header: "Industry", cell: (client) => client.industry ?? none },
];

const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "name", label: "Name (A–Z)" },
  { value: "company", label: "Company (A–Z)" },
  { value: "-updated_at", label: "Recently changed" },
];

export default function ClientsPage() {
  return (
    <RecordList
      title="Clients"
      noun="client"
      plural="clients"
      basePath="/clients"
      newLabel="New client"
      filter={{ key: "industry", label: "Industry", hint: "Exact industry name." }}
      searchHint="Looks in the name, company, title, industry, email and communication style."
      sorts={SORTS}
      columns={COLUMNS}
      fetchPage={listClients}
    />
  );
}
