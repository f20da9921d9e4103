// Objection handlers edited as pairs: an objection and the answer to it, added and removed.
import { TextField } from "../../components/Field";

export interface Pair {
  objection: string;
  answer: string;
}

export function pairsFrom(handlers: Record<string, string> | undefined): Pair[] {
  return Object.entries(handlers ?? {}).map(([objection, answer]) => ({ objection, answer }));
}

/** The pairs as sent: blank objections dropped, text trimmed. */
export function handlersFrom(pairs: Pair[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const objection = pair.objection.trim();
    if (objection) out[objection] = pair.answer.trim();
  }
  return out;
}

export function ObjectionsField({
  pairs,
  onChange,
  error,
}: {
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  error?: string | undefined;
}) {
  const set = (index: number, patch: Partial<Pair>) =>
    onChange(pairs.map((pair, i) => (i === index ? { ...pair, ...patch } : pair)));
  return (
    <fieldset className="stack">
      <legend>Objection handlers</legend>
      {pairs.length === 0 && <p className="muted small">None yet.</p>}
      {pairs.map((pair, index) => (
        <div key={index} className="pair-row">
          <TextField label={`Objection ${index + 1}`} value={pair.objection} onChange={(e) => set(index, { objection: e.target.value })} />
          <TextField label={`Answer ${index + 1}`} value={pair.answer} onChange={(e) => set(index, { answer: e.target.value })} />
          <button type="button" className="secondary" onClick={() => onChange(pairs.filter((_, i) => i !== index))}>
            Remove objection {index + 1}
          </button>
        </div>
      ))}
      {error && <p className="field-error">{error}</p>}
      <div>
        <button type="button" className="secondary" onClick={() => onChange([...pairs, { objection: "", answer: "" }])}>
          Add objection
        </button>
      </div>
    </fieldset>
  );
}
