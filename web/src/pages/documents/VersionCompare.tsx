// Two versions side by side with a word diff: removed words marked in the older one, added words
// in the newer, a count of each, and a legend that does not rely on colour alone.
import { documentMarkdown } from "../../lib/documents/markdown";
import type { SalesDocument } from "../../lib/documents/kinds";
import { sideBySide, type DiffPart } from "../../lib/documents/wordDiff";

export function VersionCompare({ before, after }: { before: SalesDocument; after: SalesDocument }) {
  const diff = sideBySide(
    documentMarkdown(before, { includeMeta: false }),
    documentMarkdown(after, { includeMeta: false }),
  );
  const label = `Comparison of version ${before.version} and version ${after.version}`;
  return (
    <section className="stack" aria-label={label}>
      <h3>
        Version {before.version} → version {after.version}
      </h3>
      <p role="status">
        {diff.added === 0 && diff.removed === 0
          ? "The two versions have the same text."
          : `${words(diff.added)} added, ${words(diff.removed)} removed.`}
      </p>
      <p className="diff diff-legend small">
        Legend: <del>struck-through text on a red background</del> was removed from version {before.version};{" "}
        <ins>underlined text on a green background</ins> was added in version {after.version}. Screen readers announce
        them as “removed” and “added”.
      </p>
      <div className="compare-columns">
        <div className="card stack">
          <h4>Version {before.version} (older)</h4>
          <div className="diff">
            <Parts parts={diff.before} />
          </div>
        </div>
        <div className="card stack">
          <h4>Version {after.version} (newer)</h4>
          <div className="diff">
            <Parts parts={diff.after} />
          </div>
        </div>
      </div>
    </section>
  );
}

function words(count: number): string {
  return count === 1 ? "1 word" : `${count} words`;
}

function Parts({ parts }: { parts: DiffPart[] }) {
  return (
    <>
      {parts.map((part, index) => {
        if (part.change === "added") {
          return (
            <ins key={index}>
              <span className="visually-hidden">[added: </span>
              {part.text}
              <span className="visually-hidden">]</span>
            </ins>
          );
        }
        if (part.change === "removed") {
          return (
            <del key={index}>
              <span className="visually-hidden">[removed: </span>
              {part.text}
              <span className="visually-hidden">]</span>
            </del>
          );
        }
        return <span key={index}>{part.text}</span>;
      })}
    </>
  );
}
