// The frames of the chat WebSocket (`/ws`): what the client sends, what the server answers, and
// how an `error` / `auth.error` frame becomes an `ApiFailure` (so that <ErrorNotice> shows its
// title and request id like any failed API call).
import { ApiFailure, type ErrorBody } from "../../api/errors";
import type { components } from "../../api/schema";

export type Interaction = components["schemas"]["Interaction"];

/** The error envelope of an `error` / `auth.error` frame, with the chat it concerns. */
export interface ErrorFrame extends ErrorBody {
  message_id?: string;
  retry_after?: number;
}

export interface AuthSuccess {
  userId: string;
  sessionId: string | null;
  orgId: string;
}

export interface ChatAck {
  message_id: string;
  interaction_id: string;
  session_id: string;
}

export interface ChatToken {
  message_id: string;
  delta: string;
  index: number;
}

export interface ChatUsage {
  tokens_in: number | null;
  tokens_out: number | null;
  tokens_estimated: boolean;
  cost_usd_micros: number | null;
}

export interface ChatComplete {
  message_id: string;
  interaction_id: string;
  session_id: string;
  content: string;
  pipeline_run_id: string | null;
  usage: ChatUsage;
  filtered: boolean;
  replayed: boolean;
}

export interface ChatBlocked {
  message_id: string;
  reason: string;
  category: string | null;
  pipeline_run_id: string;
}

export interface ChatCancelled {
  message_id: string;
  pipeline_run_id: string;
}

/** A frame from the server (the types this client understands; others are ignored). */
export type ServerFrame =
  | { type: "auth.success"; payload: AuthSuccess }
  | { type: "auth.error"; payload: ErrorFrame }
  | { type: "session.started"; payload: { sessionId: string } }
  | { type: "session.resumed"; payload: { sessionId: string; interactions: Interaction[] } }
  | { type: "session.ended"; payload: { sessionId: string } }
  | { type: "chat.ack"; payload: ChatAck }
  | { type: "chat.token"; payload: ChatToken }
  | { type: "chat.complete"; payload: ChatComplete }
  | { type: "chat.blocked"; payload: ChatBlocked }
  | { type: "chat.cancelled"; payload: ChatCancelled }
  | { type: "pong"; payload: unknown }
  | { type: "error"; payload: ErrorFrame };

/** A frame for the server. */
export type ClientFrame =
  | { type: "auth"; payload: { token: string; platform: "web" } }
  | { type: "session.start"; payload: { session_type?: "chat" } }
  | { type: "session.resume"; payload: { sessionId: string } }
  | { type: "session.end"; payload: { sessionId?: string } }
  | { type: "chat"; payload: { content: string; message_id: string; session_id?: string } }
  | { type: "chat.cancel"; payload: { message_id: string } }
  | { type: "ping"; payload?: Record<string, never> };

const SERVER_TYPES = new Set<string>([
  "auth.success",
  "auth.error",
  "session.started",
  "session.resumed",
  "session.ended",
  "chat.ack",
  "chat.token",
  "chat.complete",
  "chat.blocked",
  "chat.cancelled",
  "pong",
  "error",
]);

/** Reads a text frame; `null` for text that is not a frame of a known type. */
export function parseServerFrame(text: unknown): ServerFrame | null {
  if (typeof text !== "string") return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== "object" || raw === null) return null;
  const { type, payload } = raw as { type?: unknown; payload?: unknown };
  if (typeof type !== "string" || !SERVER_TYPES.has(type)) return null;
  return { type, payload: payload ?? {} } as ServerFrame;
}

/** The HTTP status the server gives an error code (as `status_of` does), for the notice's title. */
export function statusForCode(code: string): number {
  if (code.endsWith("_NOT_FOUND")) return 404;
  switch (code) {
    case "VALIDATION_ERROR":
    case "GUARD_BLOCKED":
    case "IDEMPOTENCY_KEY_REUSED":
      return 422;
    case "PRECONDITION_FAILED":
      return 412;
    case "BAD_REQUEST":
      return 400;
    case "INVALID_STATE":
    case "CONFLICT":
    case "PIPELINE_CANCELLED":
      return 409;
    case "UNAUTHORIZED":
    case "TOKEN_EXPIRED":
      return 401;
    case "INSUFFICIENT_PERMISSIONS":
      return 403;
    case "PAYLOAD_TOO_LARGE":
      return 413;
    case "RATE_LIMITED":
      return 429;
    case "PROVIDER_TIMEOUT":
      return 504;
    case "PROVIDER_CIRCUIT_OPEN":
    case "PROVIDER_BUSY":
    case "PROVIDER_NOT_CONFIGURED":
    case "PROVIDER_RATE_LIMITED":
    case "SERVICE_UNAVAILABLE":
    case "EMBEDDINGS_NOT_CONFIGURED":
      return 503;
    case "GENERATION_INVALID_OUTPUT":
      return 502;
    default:
      return code.startsWith("PROVIDER_") ? 502 : 500;
  }
}

/** An `ApiFailure` built from an error frame's envelope (its request id included). */
export function failureFromFrame(envelope: ErrorFrame): ApiFailure {
  const code = typeof envelope.code === "string" ? envelope.code : "INTERNAL_ERROR";
  const message =
    typeof envelope.message === "string" ? envelope.message : "The server reported an error without a message.";
  return new ApiFailure(statusForCode(code), { ...envelope, code, message }, envelope.request_id ?? null);
}
