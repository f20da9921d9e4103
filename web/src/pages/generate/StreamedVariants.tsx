// The text of each variant as the model writes it (read out of its growing JSON), in a live
// region; each saved variant shows its record instead. The raw JSON is kept in a disclosure.
import type { VariantProgress } from "../../lib/documents/generationState";
import type { DocumentKind } from "../../lib/documents/kinds";
import { streamedField } from "../../lib/documents/streamedField";
import { SavedRecord } from "./SavedRecord";

export function StreamedVariants({
  kind,
  variants,
  streaming,
}: {
  kind: DocumentKind;
  variants: VariantProgress[];
  streaming: boolean;
}) {
  const many = variants.length > 1;
  return (
    <>
      <section aria-label="Generated text" aria-live="polite" className="stream generated-text">
        {variants.map((variant, index) => (
          <article key={index} className="card stack generated-variant">
            {many && <h3>Variant {index + 1}</h3>}
            {variant.record ? (
              <SavedRecord record={variant.record} level={many ? 4 : 3} />
            ) : (
              <Readable kind={kind} raw={variant.raw} waiting={streaming} />
            )}
          </article>
        ))}
      </section>
      {variants.some((variant) => variant.raw) && (
        <div className="stack">
          {variants.map((variant, index) =>
            variant.raw ? (
              <details key={index} className="raw-json">
                <summary>Raw JSON{many ? ` of variant ${index + 1}` : ""}</summary>
                <pre>{variant.raw}</pre>
              </details>
            ) : null,
          )}
        </div>
      )}
    </>
  );
}

/** The readable fields of a variant that is still being written. */
function Readable({ kind, raw, waiting }: { kind: DocumentKind; raw: string; waiting: boolean }) {
  if (kind === "email") {
    const subject = streamedField(raw, "subject");
    const body = streamedField(raw, "body");
    if (subject === null && body === null) return <Waiting waiting={waiting} />;
    return (
      <>
        {subject !== null && (
          <p>
            <strong>Subject:</strong> {subject}
          </p>
        )}
        {body !== null && <div className="generated-body">{body}</div>}
      </>
    );
  }
  const content = streamedField(raw, "content");
  if (content === null) return <Waiting waiting={waiting} />;
  return <div className="generated-body">{content}</div>;
}

function Waiting({ waiting }: { waiting: boolean }) {
  return <p className="muted">{waiting ? "Waiting for the first words…" : "Nothing was written."}</p>;
}
