// The conversation on screen, as a pure reducer: the stored history, the user's messages as
// they are sent, and each answer as it streams in (`chat.token` by index), is replaced by
// `chat.complete`'s content, or ends blocked, cancelled, failed or cut off by a dropped connection.
import type { ErrorFrame, Interaction, ServerFrame } from "./frames";

/**
 * User messages: `sending` until `chat.ack`, then `sent`; `error` when refused before being
 * stored. Assistant messages: `streaming`, then `complete`, `blocked`, `cancelled`, `error`, or
 * `interrupted` (the connection dropped before the end).
 */
export type MessageState = "sending" | "sent" | "streaming" | "complete" | "blocked" | "cancelled" | "error" | "interrupted";

export interface ChatMessage {
  /** Stable React key. */
  key: string;
  role: "user" | "assistant" | "system";
  /** The client's id of the turn (the assistant's answer carries the id of the message it answers). */
  messageId: string | null;
  interactionId: string | null;
  content: string;
  state: MessageState;
  /** The streamed pieces, by `chat.token` index. */
  parts: string[];
  /** Why the input guard refused the message (`blocked`). */
  reason: string | null;
  category: string | null;
  /** The error frame's envelope (`error`). */
  error: ErrorFrame | null;
  /** The output guard replaced or redacted the streamed answer. */
  filtered: boolean;
}

export interface ConversationState {
  messages: ChatMessage[];
}

export type ConversationAction =
  /** A session's stored history replaces everything (a session was opened; `[]` to clear). */
  | { type: "history"; interactions: Interaction[] }
  /** Interactions the server sent again (`session.resumed`): adds the ones not shown yet. */
  | { type: "merge"; interactions: Interaction[] }
  /** The user sent `content` as `messageId`. */
  | { type: "send"; messageId: string; content: string }
  /** A server frame. */
  | { type: "frame"; frame: ServerFrame }
  /** The connection dropped: running answers will not finish. */
  | { type: "connection.lost" };

export const emptyConversation: ConversationState = { messages: [] };

function message(fields: Partial<ChatMessage> & Pick<ChatMessage, "key" | "role" | "state">): ChatMessage {
  return {
    messageId: null,
    interactionId: null,
    content: "",
    parts: [],
    reason: null,
    category: null,
    error: null,
    filtered: false,
    ...fields,
  };
}

/** A stored interaction as a message. */
export function fromInteraction(interaction: Interaction): ChatMessage {
  const metadata = (interaction.metadata ?? {}) as Record<string, unknown>;
  return message({
    key: interaction.id,
    role: interaction.role,
    messageId: interaction.message_id ?? null,
    interactionId: interaction.id,
    content: interaction.content,
    state: interaction.role === "user" ? "sent" : "complete",
    filtered: metadata["filtered"] === true,
  });
}

/** The message id of the answer still streaming, if any. */
export function runningMessageId(state: ConversationState): string | null {
  return state.messages.find((m) => m.role === "assistant" && m.state === "streaming")?.messageId ?? null;
}

/** Updates the message of `role` answering `messageId`; unknown ids change nothing. */
function update(
  state: ConversationState,
  role: "user" | "assistant",
  messageId: string,
  change: (message: ChatMessage) => ChatMessage,
): ConversationState {
  let changed = false;
  const messages = state.messages.map((m) => {
    if (m.role !== role || m.messageId !== messageId) return m;
    const next = change(m);
    if (next !== m) changed = true;
    return next;
  });
  return changed ? { messages } : state;
}

function onFrame(state: ConversationState, frame: ServerFrame): ConversationState {
  switch (frame.type) {
    case "chat.ack": {
      const { message_id, interaction_id } = frame.payload;
      return update(state, "user", message_id, (m) => ({ ...m, state: "sent", interactionId: interaction_id }));
    }
    case "chat.token": {
      const { message_id, delta, index } = frame.payload;
      return update(state, "assistant", message_id, (m) => {
        // An answer marked cut off goes on when its turn was only queued during the drop.
        if ((m.state !== "streaming" && m.state !== "interrupted") || !Number.isInteger(index) || index < 0) return m;
        const parts = [...m.parts];
        parts[index] = delta;
        return { ...m, state: "streaming", parts, content: parts.join("") };
      });
    }
    case "chat.complete": {
      const { message_id, interaction_id, content, filtered } = frame.payload;
      const next = update(state, "assistant", message_id, (m) => ({
        ...m,
        state: "complete",
        content,
        interactionId: interaction_id,
        filtered,
        error: null,
      }));
      // A replayed answer has no ack of its own here; the user's message is stored.
      return update(next, "user", message_id, (m) => (m.state === "sending" ? { ...m, state: "sent" } : m));
    }
    case "chat.blocked": {
      const { message_id, reason, category } = frame.payload;
      return update(state, "assistant", message_id, (m) => ({ ...m, state: "blocked", reason, category: category ?? null }));
    }
    case "chat.cancelled":
      return update(state, "assistant", frame.payload.message_id, (m) =>
        m.state === "streaming" ? { ...m, state: "cancelled" } : m,
      );
    case "error": {
      const messageId = frame.payload.message_id;
      if (!messageId) return state;
      const failed = update(state, "assistant", messageId, (m) =>
        m.state === "complete" ? m : { ...m, state: "error", error: frame.payload },
      );
      // Refused before it was stored (a rate limit, a bad message id): the message was not sent.
      return update(failed, "user", messageId, (m) => (m.state === "sending" ? { ...m, state: "error" } : m));
    }
    default:
      return state;
  }
}

function merge(state: ConversationState, interactions: Interaction[]): ConversationState {
  let messages = state.messages;
  for (const interaction of interactions) {
    const known = messages.findIndex(
      (m) =>
        m.interactionId === interaction.id ||
        (interaction.message_id != null && m.messageId === interaction.message_id && m.role === interaction.role),
    );
    if (known === -1) {
      messages = [...messages, fromInteraction(interaction)];
      continue;
    }
    const current = messages[known];
    // An answer cut off by a dropped connection may have been stored meanwhile.
    if (current && (current.state === "interrupted" || current.state === "streaming" || current.state === "sending")) {
      const stored = fromInteraction(interaction);
      messages = messages.map((m, i) => (i === known ? { ...stored, key: current.key } : m));
    }
  }
  return messages === state.messages ? state : { messages };
}

export function conversationReducer(state: ConversationState, action: ConversationAction): ConversationState {
  switch (action.type) {
    case "history":
      return { messages: action.interactions.map(fromInteraction) };
    case "merge":
      return merge(state, action.interactions);
    case "send":
      return {
        messages: [
          ...state.messages,
          message({ key: `${action.messageId}:user`, role: "user", messageId: action.messageId, content: action.content, state: "sending" }),
          message({ key: `${action.messageId}:assistant`, role: "assistant", messageId: action.messageId, state: "streaming" }),
        ],
      };
    case "frame":
      return onFrame(state, action.frame);
    case "connection.lost": {
      if (!state.messages.some((m) => m.state === "streaming")) return state;
      return {
        messages: state.messages.map((m) => (m.state === "streaming" ? { ...m, state: "interrupted" } : m)),
      };
    }
  }
}
