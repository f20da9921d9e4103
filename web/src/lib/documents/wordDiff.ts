// A word diff of two texts (the `diff` package's diffWords) laid out for a side-by-side view:
// the older text with its removed words, the newer with its added words, and how many changed.
import { diffWords } from "diff";

export interface DiffPart {
  text: string;
  change: "same" | "added" | "removed";
}

export interface SideBySide {
  /** The older text: unchanged and removed parts. */
  before: DiffPart[];
  /** The newer text: unchanged and added parts. */
  after: DiffPart[];
  /** Words added. */
  added: number;
  /** Words removed. */
  removed: number;
}

/** The word diff from `before` to `after`. */
export function sideBySide(before: string, after: string): SideBySide {
  const result: SideBySide = { before: [], after: [], added: 0, removed: 0 };
  for (const change of diffWords(before, after)) {
    if (change.added) {
      result.after.push({ text: change.value, change: "added" });
      result.added += countWords(change.value);
    } else if (change.removed) {
      result.before.push({ text: change.value, change: "removed" });
      result.removed += countWords(change.value);
    } else {
      result.before.push({ text: change.value, change: "same" });
      result.after.push({ text: change.value, change: "same" });
    }
  }
  return result;
}

function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
