// How far the generation is, in words, for everyone (a polite status message).
import type { VariantProgress } from "../../lib/documents/generationState";
import type { GenerationStatus } from "./useGeneration";

export function GenerationStatusLine({ status, variants }: { status: GenerationStatus; variants: VariantProgress[] }) {
  const saved = variants.filter((variant) => variant.record).length;
  const total = variants.length;
  let text = "";
  if (status === "streaming") {
    const current = Math.min(saved + 1, total);
    text = total > 1 ? `Writing variant ${current} of ${total}…` : "Writing…";
  } else if (status === "done") {
    text = total === 1 ? "Done: saved." : `Done: ${saved} of ${total} variants saved.`;
  } else if (status === "stopped") {
    text = saved > 0 ? `Stopped. ${saved} of ${total} saved.` : "Stopped. Nothing was saved.";
  } else if (status === "failed") {
    text = saved > 0 ? `Failed after ${saved} of ${total} saved.` : "Failed: nothing was saved.";
  }
  return (
    <p role="status" className="muted">
      {text}
    </p>
  );
}
