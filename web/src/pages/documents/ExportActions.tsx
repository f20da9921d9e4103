// Copy the document's text, download it as Markdown, or (emails) as an .eml draft addressed to
// the client; says in a status message what happened.
import { useState } from "react";
import { buildEml } from "../../lib/documents/eml";
import { fileName, type SalesDocument } from "../../lib/documents/kinds";
import { documentMarkdown } from "../../lib/documents/markdown";
import { useAuth } from "../../store/auth";
import { downloadText } from "./download";
import type { Client, Product } from "./useSubjects";

/** What "Copy" puts on the clipboard: the script, or the email's subject and body. */
export function copyText(record: SalesDocument): string {
  return "subject" in record ? `Subject: ${record.subject}\n\n${record.body}` : record.content;
}

export function ExportActions({
  record,
  client,
  product,
}: {
  record: SalesDocument;
  client: Client | null;
  product: Product | null;
}) {
  const me = useAuth((s) => s.me);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error("This browser does not allow copying here.");
      await navigator.clipboard.writeText(copyText(record));
      setMessage({ ok: true, text: "Copied to the clipboard." });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setMessage({ ok: false, text: `Could not copy: ${reason}` });
    }
  };

  const save = (name: string, text: string, type: string) => {
    try {
      downloadText(name, text, type);
      setMessage({ ok: true, text: `Downloaded ${name}.` });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      setMessage({ ok: false, text: `Could not download: ${reason}` });
    }
  };

  const exportMarkdown = () =>
    save(
      fileName(record.name, record.version, "md"),
      documentMarkdown(record, { clientName: client?.name ?? null, productName: product?.name ?? null }),
      "text/markdown;charset=utf-8",
    );

  const exportEml = () => {
    if (!("subject" in record)) return;
    const eml = buildEml({
      subject: record.subject,
      body: record.body,
      to: client?.email ?? null,
      toName: client?.email ? client.name : null,
      from: me?.user?.email ?? null,
    });
    save(fileName(record.name, record.version, "eml"), eml, "message/rfc822");
  };

  return (
    <div className="stack">
      <div className="toolbar">
        <button type="button" className="secondary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="secondary" onClick={exportMarkdown}>
          Export Markdown
        </button>
        {"subject" in record && (
          <button type="button" className="secondary" onClick={exportEml}>
            Export .eml
          </button>
        )}
      </div>
      <p role="status" className={message ? (message.ok ? "notice notice-ok" : "notice notice-error") : "visually-hidden"}>
        {message?.text ?? ""}
      </p>
    </div>
  );
}
