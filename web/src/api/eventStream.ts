// Server-Sent Events over a POST (EventSource can only GET): reads `event:` / `data:` frames
// from a streamed response and hands each parsed event to the caller as it arrives.
import { ApiFailure } from "./errors";
import { authHeaders } from "./client";

export interface StreamEvent {
  event: string;
  data: unknown;
}

/** Splits SSE text into events; returns the events and the unfinished rest. */
export function parseEvents(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const normalized = buffer.replace(/\r\n/g, "\n");
  const blocks = normalized.split("\n\n");
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length === 0) continue;
    const text = data.join("\n");
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // A non-JSON data line is passed on as text.
    }
    events.push({ event, data: parsed });
  }
  return { events, rest };
}

/** POSTs `body` to `path` and calls `onEvent` for every event until the stream ends. */
export async function postEventStream(
  path: string,
  body: unknown,
  onEvent: (event: StreamEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetch(path, {
    method: "POST",
    headers: authHeaders({
      "Content-Type": "application/json",
      Accept: "text/event-stream",
      "Idempotency-Key": crypto.randomUUID(),
    }),
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok || !response.body) {
    let errorBody: unknown = null;
    try {
      errorBody = await response.json();
    } catch {
      // Not JSON: the status says enough.
    }
    throw ApiFailure.from(response.status, errorBody, response.headers.get("X-Request-Id"));
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const { events, rest } = parseEvents(buffer);
    buffer = rest;
    for (const event of events) onEvent(event);
  }
  const { events } = parseEvents(buffer + "\n\n");
  for (const event of events) onEvent(event);
}
