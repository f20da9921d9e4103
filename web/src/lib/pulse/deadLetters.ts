// Reading dead-letter entries: which pipeline they came from, their replays (each replay runs
// with the request id `dlq-{entry}-{attempt}`; a successful one notes the runs it made), which
// actions apply, and the result of an action in words.
import { formatDateTime } from "./format";
import type { DeadLetter } from "./types";

export type DeadLetterAction = "retry" | "resolve" | "abandon";

export const DEAD_LETTER_STATUSES = ["pending", "investigating", "resolved", "abandoned"] as const;

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

function field(value: unknown, key: string): string | null {
  if (value === null || typeof value !== "object") return null;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "string" && found ? found : null;
}

/** The service and pipeline configuration of the failed run: "chat · chat_default". */
export function pipelineOf(entry: Pick<DeadLetter, "input_data" | "context_snapshot">): string {
  const service = field(entry.input_data, "service") ?? field(entry.context_snapshot, "service");
  const topology = field(entry.context_snapshot, "topology");
  return [service, topology].filter(Boolean).join(" · ") || "—";
}

/** The pipeline runs a successful replay made ("replayed by pipeline run <id>, <id>"). */
export function replayRunIds(notes: string | null | undefined): string[] {
  if (!notes || !/replayed by pipeline run/i.test(notes)) return [];
  return [...new Set(notes.match(UUID) ?? [])];
}

/** The replays attempted so far, each with the request id its provider calls carry. */
export function replayAttempts(entry: Pick<DeadLetter, "id" | "retry_count">): { attempt: number; requestId: string }[] {
  return Array.from({ length: Math.max(0, entry.retry_count) }, (_, i) => ({
    attempt: i + 1,
    requestId: `dlq-${entry.id}-${i + 1}`,
  }));
}

/** Whether `action` can apply to an entry in its status (the server refuses the others with 409). */
export function canAct(entry: Pick<DeadLetter, "status">, action: DeadLetterAction): boolean {
  if (entry.status === "resolved") return false;
  if (action === "abandon") return entry.status !== "abandoned";
  return true;
}

/** The result of an action, in words, from the entry the server answered. */
export function describeOutcome(action: DeadLetterAction, entry: DeadLetter): string {
  switch (action) {
    case "resolve":
      return "Resolved: the entry is closed.";
    case "abandon":
      return "Abandoned: no replay will be scheduled.";
    case "retry": {
      if (entry.status === "resolved") return "Retried: the replay succeeded and the entry is resolved.";
      const error = [entry.error_code, entry.error_message].filter(Boolean).join(": ");
      const why = error ? ` (${error})` : "";
      if (entry.status === "abandoned") return `Retried: the replay failed${why} and the entry is abandoned.`;
      const next = entry.next_retry_at
        ? `The next replay is due ${formatDateTime(entry.next_retry_at)}.`
        : "No replay is scheduled: retry by hand.";
      return `Retried: the replay failed${why}. ${next}`;
    }
  }
}
