// Status words of runs, stages, provider calls and dead letters: the badge class (colours in
// styles.css / pulse.css) and the label shown beside the colour.

const TONES: Record<string, string> = {
  completed: "completed",
  ok: "ok",
  resolved: "resolved",
  success: "ok",
  failed: "failed",
  failure: "failed",
  abandoned: "abandoned",
  running: "running",
  pending: "pending",
  retry: "retrying",
  cancelled: "cancelled",
  skipped: "skipped",
  investigating: "investigating",
};

/** The class list of a status badge: `badge failed`, `badge running`, … */
export function badgeClass(status: string): string {
  const tone = TONES[status.toLowerCase()];
  return tone ? `badge ${tone}` : "badge";
}

/** A status as a word with a capital: "Completed", "In progress" (from "in_progress"). */
export function statusLabel(status: string): string {
  const words = status.replace(/[_-]+/g, " ").trim();
  if (!words) return "Unknown";
  return words.charAt(0).toUpperCase() + words.slice(1);
}
