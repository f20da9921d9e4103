// Reads one string field out of JSON that is still being written (the model's answer as it
// streams): `streamedField('{"subject": "Hi', "subject")` is "Hi". Only the keys of the top-level
// object count, escapes are decoded, and an escape cut off at the end is left out until it is whole.

/** The text of the top-level string field `key` so far, or null until its opening quote arrives. */
export function streamedField(partialJson: string, key: string): string | null {
  const start = partialJson.indexOf("{");
  if (start === -1) return null;
  let depth = 0;
  let i = start;
  while (i < partialJson.length) {
    const char = partialJson[i];
    if (char === '"') {
      const read = readString(partialJson, i);
      if (!read.closed) return null;
      i = read.end;
      if (depth !== 1) continue;
      const colon = skipSpace(partialJson, i);
      if (partialJson[colon] !== ":") continue;
      if (read.text !== key) {
        i = colon + 1;
        continue;
      }
      const value = skipSpace(partialJson, colon + 1);
      if (partialJson[value] !== '"') return null;
      return readString(partialJson, value).text;
    }
    if (char === "{" || char === "[") depth += 1;
    else if (char === "}" || char === "]") depth -= 1;
    i += 1;
  }
  return null;
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length && /\s/.test(text[i] ?? "")) i += 1;
  return i;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Reads the JSON string opening at `quote`: its decoded text, whether it closed, and where it ended. */
function readString(text: string, quote: number): { text: string; closed: boolean; end: number } {
  let out = "";
  let i = quote + 1;
  while (i < text.length) {
    const char = text[i] ?? "";
    if (char === '"') return { text: out, closed: true, end: i + 1 };
    if (char !== "\\") {
      out += char;
      i += 1;
      continue;
    }
    const code = text[i + 1];
    if (code === undefined) break; // "\" cut off at the end
    if (code === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (hex.length < 4) break; // "\u00" cut off at the end
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        i += 2;
        continue; // not JSON: skip the bad escape
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
      continue;
    }
    out += SIMPLE_ESCAPES[code] ?? code;
    i += 2;
  }
  return { text: withoutLoneHighSurrogate(out), closed: false, end: text.length };
}

/** Drops a trailing high surrogate whose low half has not arrived yet. */
function withoutLoneHighSurrogate(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}
