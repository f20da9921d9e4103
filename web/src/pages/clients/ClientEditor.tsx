// /clients/new and /clients/:id: create or edit a client, archive or delete them, and start
// writing a script or an email for them.
import { RecordEditor } from "../products/shared/RecordEditor";
import { CLIENT_FIELDS } from "./clientFields";
import { clientCalls } from "./clientApi";

export default function ClientEditor() {
  return (
    <RecordEditor
      noun="client"
      basePath="/clients"
      newHeading="New client"
      createLabel="Create client"
      specs={CLIENT_FIELDS}
      generateParam="client_id"
      calls={clientCalls}
    />
  );
}
