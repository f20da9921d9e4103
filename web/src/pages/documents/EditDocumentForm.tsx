// Edits a script or email: the server keeps this version and saves the edit as the next one
// (PATCH with If-Match, so a version changed meanwhile is refused rather than overwritten).
import { useState, type FormEvent } from "react";
import { ApiFailure } from "../../api/errors";
import { ErrorNotice } from "../../components/ErrorNotice";
import { cleanLines, LinesField, SelectField, TextArea, TextField } from "../../components/Field";
import { kindOf, typesOf, type SalesDocument, type SalesEmail, type SalesScript } from "../../lib/documents/kinds";
import { editEmail, editScript } from "./documentsApi";
import { handlersFrom, ObjectionsField, pairsFrom, type Pair } from "./ObjectionsField";

interface Draft {
  name: string;
  description: string;
  type: string;
  content: string;
  keyTalkingPoints: string[];
  objections: Pair[];
  discoveryQuestions: string[];
  closingTechniques: string[];
  subject: string;
  body: string;
  callToAction: string;
  personalizationFields: string[];
}

function draftOf(record: SalesDocument): Draft {
  const script = "script_type" in record ? record : null;
  const email = "email_type" in record ? record : null;
  return {
    name: record.name,
    description: record.description ?? "",
    type: script?.script_type ?? email?.email_type ?? "general",
    content: script?.content ?? "",
    keyTalkingPoints: script?.key_talking_points ?? [],
    objections: pairsFrom(script?.objection_handlers),
    discoveryQuestions: script?.discovery_questions ?? [],
    closingTechniques: script?.closing_techniques ?? [],
    subject: email?.subject ?? "",
    body: email?.body ?? "",
    callToAction: email?.call_to_action ?? "",
    personalizationFields: email?.personalization_fields ?? [],
  };
}

export function EditDocumentForm({
  record,
  etag,
  onSaved,
  onCancel,
  onReload,
}: {
  record: SalesDocument;
  etag: string | null;
  onSaved: (saved: SalesScript | SalesEmail) => void;
  onCancel: () => void;
  /** Reads the version again (after a 412: it changed since it was loaded). */
  onReload: () => void;
}) {
  const kind = kindOf(record);
  const [draft, setDraft] = useState<Draft>(() => draftOf(record));
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const fields = error instanceof ApiFailure ? error.fieldErrors() : {};
  const change = (patch: Partial<Draft>) => setDraft((current) => ({ ...current, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(null);
    const description = draft.description.trim() || null;
    try {
      const saved =
        kind === "script"
          ? await editScript(
              record.id,
              {
                name: draft.name,
                description,
                script_type: draft.type,
                content: draft.content,
                key_talking_points: cleanLines(draft.keyTalkingPoints),
                objection_handlers: handlersFrom(draft.objections),
                discovery_questions: cleanLines(draft.discoveryQuestions),
                closing_techniques: cleanLines(draft.closingTechniques),
              },
              etag,
            )
          : await editEmail(
              record.id,
              {
                name: draft.name,
                description,
                email_type: draft.type,
                subject: draft.subject,
                body: draft.body,
                call_to_action: draft.callToAction.trim() || null,
                personalization_fields: cleanLines(draft.personalizationFields),
              },
              etag,
            );
      onSaved(saved);
    } catch (caught) {
      setError(caught);
      setSaving(false);
    }
  };

  return (
    <form className="card stack" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="edit-heading">
      <h2 id="edit-heading">Edit</h2>
      <p className="muted small">Saving keeps version {record.version} as it is and adds version {record.version + 1}.</p>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {error instanceof ApiFailure && (error.status === 412 || error.status === 409) && (
        <p>
          <button type="button" className="secondary" onClick={onReload}>
            Reload this document
          </button>{" "}
          <span className="muted small">(the changes typed here are lost)</span>
        </p>
      )}
      <div className="grid-2">
        <TextField label="Name" required maxLength={255} value={draft.name} error={fields["name"]} onChange={(e) => change({ name: e.target.value })} />
        <SelectField
          label={kind === "script" ? "Script type" : "Email type"}
          options={typesOf(kind)}
          value={draft.type}
          error={fields[kind === "script" ? "script_type" : "email_type"]}
          onChange={(e) => change({ type: e.target.value })}
        />
      </div>
      <TextArea label="Description" rows={2} value={draft.description} error={fields["description"]} onChange={(e) => change({ description: e.target.value })} />
      {kind === "script" ? (
        <>
          <TextArea label="Script" rows={12} required value={draft.content} error={fields["content"]} onChange={(e) => change({ content: e.target.value })} />
          <LinesField label="Key talking points" value={draft.keyTalkingPoints} error={fields["key_talking_points"]} onChange={(v) => change({ keyTalkingPoints: v })} />
          <ObjectionsField pairs={draft.objections} error={fields["objection_handlers"]} onChange={(v) => change({ objections: v })} />
          <LinesField label="Discovery questions" value={draft.discoveryQuestions} error={fields["discovery_questions"]} onChange={(v) => change({ discoveryQuestions: v })} />
          <LinesField label="Closing techniques" value={draft.closingTechniques} error={fields["closing_techniques"]} onChange={(v) => change({ closingTechniques: v })} />
        </>
      ) : (
        <>
          <TextField label="Subject" required maxLength={998} value={draft.subject} error={fields["subject"]} onChange={(e) => change({ subject: e.target.value })} />
          <TextArea label="Body" rows={12} required value={draft.body} error={fields["body"]} onChange={(e) => change({ body: e.target.value })} />
          <TextField label="Call to action" maxLength={1000} value={draft.callToAction} error={fields["call_to_action"]} onChange={(e) => change({ callToAction: e.target.value })} />
          <LinesField
            label="Personalization fields"
            value={draft.personalizationFields}
            error={fields["personalization_fields"]}
            onChange={(v) => change({ personalizationFields: v })}
          />
        </>
      )}
      <div className="toolbar">
        <button type="submit" disabled={saving}>
          {saving ? "Saving…" : "Save as new version"}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
      </div>
    </form>
  );
}
