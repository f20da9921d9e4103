// A JSON value as pretty-printed text, collapsed behind a summary until opened.
export function JsonBlock({ value, summary }: { value: unknown; summary: string }) {
  if (value === undefined || value === null) return <p className="muted small">{summary}: none stored.</p>;
  return (
    <details className="pulse-json">
      <summary>{summary}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}
