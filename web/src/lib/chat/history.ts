// A session and its stored messages, for opening a conversation: the last 100 interactions
// (the newest page when there are more), oldest first.
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import type { Interaction } from "./frames";

export type Session = components["schemas"]["Session"];

/** The most interactions shown when a conversation is opened. */
export const HISTORY_LIMIT = 100;

export interface SessionHistory {
  session: Session;
  interactions: Interaction[];
  /** How many interactions the session holds (more than shown when over `HISTORY_LIMIT`). */
  total: number;
}

export async function loadSessionHistory(id: string): Promise<SessionHistory> {
  const page = (offset: number) =>
    unwrap(
      api.GET("/api/v1/sessions/{id}/interactions", {
        params: { path: { id }, query: { limit: HISTORY_LIMIT, offset } },
      }),
    );
  const [session, first] = await Promise.all([
    unwrap(api.GET("/api/v1/sessions/{id}", { params: { path: { id } } })),
    page(0),
  ]);
  const last = first.total > HISTORY_LIMIT ? await page(first.total - HISTORY_LIMIT) : first;
  return { session, interactions: last.items, total: first.total };
}
