// Reading pipeline events: their time order, their offset from the run's start, the stage they
// belong to and their payload (the JSON object stored with them).

/** The fields of a pipeline event these helpers read. */
export interface EventLike {
  event_type: string;
  occurred_at: string;
  event_data?: unknown;
}

/** `stage.{name}.{phase}`: the engine's stage lifecycle events. */
const LIFECYCLE = /^stage\.(.+)\.(started|completed|skipped|failed|cancelled)$/;

/** The phase of a stage lifecycle event and its stage (`null` for other events). */
export function lifecycleOf(eventType: string): { stage: string; phase: string } | null {
  const match = LIFECYCLE.exec(eventType);
  if (!match || !match[1] || !match[2]) return null;
  return { stage: match[1], phase: match[2] };
}

/** An event's payload as an object (`{}` when it has none or it is not an object). */
export function payloadOf(event: EventLike): Record<string, unknown> {
  const data = event.event_data;
  return data !== null && typeof data === "object" && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** The stage an event concerns: its payload's `stage`, or the one its type names. */
export function eventStage(event: EventLike): string | null {
  const stage = payloadOf(event)["stage"];
  if (typeof stage === "string" && stage) return stage;
  return lifecycleOf(event.event_type)?.stage ?? null;
}

/** Milliseconds from `runStart` to the event (`null` when either time is unreadable). */
export function eventOffsetMs(event: EventLike, runStart: string): number | null {
  const at = Date.parse(event.occurred_at);
  const start = Date.parse(runStart);
  if (Number.isNaN(at) || Number.isNaN(start)) return null;
  return at - start;
}

/** The events oldest first (events of the same instant keep their order). */
export function sortByTime<T extends EventLike>(events: readonly T[]): T[] {
  return events
    .map((event, index) => ({ event, index, at: Date.parse(event.occurred_at) }))
    .sort((a, b) => (a.at === b.at || Number.isNaN(a.at - b.at) ? a.index - b.index : a.at - b.at))
    .map(({ event }) => event);
}
