// The AI sales assistant (/chat and /chat/:sessionId): the sessions on the left, the open
// conversation on the right, talking to the server over the chat WebSocket.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import type { ChatSocket, ConnectionStatus, WebSocketConstructor } from "../../lib/chat/chatSocket";
import { conversationReducer, emptyConversation, runningMessageId } from "../../lib/chat/conversation";
import { failureFromFrame, type ServerFrame } from "../../lib/chat/frames";
import { HISTORY_LIMIT, loadSessionHistory } from "../../lib/chat/history";
import { useChatSocket } from "../../lib/chat/useChatSocket";
import { Composer } from "./Composer";
import { MessageLog } from "./MessageLog";
import { SessionList } from "./SessionList";
import "./chat.css";

const STATUS_WORDS: Record<ConnectionStatus, string> = {
  idle: "Connecting…",
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Disconnected",
};

/** The open session: its id and whether it still takes messages. */
interface OpenSession {
  id: string;
  state: "active" | "ended";
}

export default function ChatPage({ WebSocketImpl }: { WebSocketImpl?: WebSocketConstructor } = {}) {
  const { sessionId: routeSession } = useParams();
  const navigate = useNavigate();
  const [conversation, dispatch] = useReducer(conversationReducer, emptyConversation);
  const [session, setSession] = useState<OpenSession | null>(null);
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [hiddenCount, setHiddenCount] = useState(0);
  const [error, setError] = useState<unknown>(null);
  const [ending, setEnding] = useState(false);
  const [listVersion, setListVersion] = useState(0);
  // The session the conversation on screen belongs to (set before the URL catches up).
  const shown = useRef<string | null>(null);
  // A `session.start` was sent for the first message of a new conversation.
  const starting = useRef(false);
  const messages = useRef(conversation.messages);
  useEffect(() => {
    messages.current = conversation.messages;
  }, [conversation.messages]);

  const onFrame = useCallback(
    (frame: ServerFrame) => {
      switch (frame.type) {
        case "session.started":
          if (starting.current) {
            starting.current = false;
            shown.current = frame.payload.sessionId;
            setSession({ id: frame.payload.sessionId, state: "active" });
            setListVersion((n) => n + 1);
            navigate(`/chat/${frame.payload.sessionId}`, { replace: true });
          }
          break;
        case "session.resumed":
          if (frame.payload.sessionId === shown.current) {
            dispatch({ type: "merge", interactions: frame.payload.interactions ?? [] });
          }
          break;
        case "session.ended":
          if (frame.payload.sessionId === shown.current) setSession({ id: frame.payload.sessionId, state: "ended" });
          setListVersion((n) => n + 1);
          break;
        case "chat.complete":
          dispatch({ type: "frame", frame });
          setListVersion((n) => n + 1);
          break;
        case "chat.ack":
        case "chat.token":
        case "chat.blocked":
        case "chat.cancelled":
          dispatch({ type: "frame", frame });
          break;
        case "error": {
          const messageId = frame.payload.message_id;
          if (messageId && messages.current.some((m) => m.messageId === messageId)) {
            dispatch({ type: "frame", frame });
          } else if (!messageId) {
            setError(failureFromFrame(frame.payload));
          }
          break;
        }
        default:
          break;
      }
    },
    [navigate],
  );

  const onStatus = useCallback((next: ConnectionStatus, previous: ConnectionStatus) => {
    if (next === "reconnecting" && previous === "connected") dispatch({ type: "connection.lost" });
  }, []);

  const { socket, status, error: connectionError } = useChatSocket({ onFrame, onStatus, WebSocketImpl });

  const clear = useCallback(() => {
    shown.current = null;
    starting.current = false;
    dispatch({ type: "history", interactions: [] });
    setSession(null);
    setLoading(false);
    setLoadError(null);
    setHiddenCount(0);
    setError(null);
  }, []);

  // Opens the session of the URL (unless it is the one just started here).
  useEffect(() => {
    if (!routeSession) {
      if (shown.current !== null) clear();
      return undefined;
    }
    if (routeSession === shown.current) return undefined;
    clear();
    shown.current = routeSession;
    setLoading(true);
    let cancelled = false;
    loadSessionHistory(routeSession)
      .then((history) => {
        if (cancelled) return;
        dispatch({ type: "history", interactions: history.interactions });
        setHiddenCount(Math.max(0, history.total - history.interactions.length));
        setSession({ id: history.session.id, state: history.session.state });
      })
      .catch((failure: unknown) => {
        if (!cancelled) setLoadError(failure);
      })
      .finally(() => {
        if (!cancelled) setLoading(false);
      });
    return () => {
      cancelled = true;
    };
  }, [routeSession, clear]);

  // Resumes the open session over the socket (and after every reconnect).
  useEffect(() => {
    if (!socket) return;
    if (session?.state === "active") {
      if (socket.sessionId !== session.id) socket.resume(session.id);
    } else {
      socket.forgetSession();
    }
  }, [socket, session]);

  const running = runningMessageId(conversation);

  function send(content: string, chat: ChatSocket) {
    const messageId = crypto.randomUUID();
    setError(null);
    dispatch({ type: "send", messageId, content });
    try {
      if (session) {
        chat.send({ type: "chat", payload: { content, message_id: messageId, session_id: session.id } });
      } else {
        // A new conversation: the server takes the chat into the session it just started.
        starting.current = true;
        chat.send({ type: "session.start", payload: { session_type: "chat" } });
        chat.send({ type: "chat", payload: { content, message_id: messageId } });
      }
    } catch (failure) {
      setError(failure);
    }
  }

  function stop() {
    if (!socket || !running) return;
    try {
      socket.send({ type: "chat.cancel", payload: { message_id: running } });
    } catch (failure) {
      setError(failure);
    }
  }

  async function end() {
    if (!session) return;
    setEnding(true);
    setError(null);
    try {
      const ended = await unwrap(api.POST("/api/v1/sessions/{id}/end", { params: { path: { id: session.id } } }));
      if (shown.current === ended.id) setSession({ id: ended.id, state: ended.state });
      setListVersion((n) => n + 1);
    } catch (failure) {
      setError(failure);
    } finally {
      setEnding(false);
    }
  }

  function startNew() {
    clear();
    socket?.forgetSession();
    navigate("/chat");
  }

  const waitingForSession = Boolean(routeSession) && (loading || loadError != null || session === null);
  let disabledReason: string | null = null;
  if (status === "closed") disabledReason = "The assistant is not connected.";
  else if (session?.state === "ended") disabledReason = "This conversation has ended. Start a new conversation to go on.";
  else if (waitingForSession) disabledReason = loading ? "Loading the conversation…" : "This conversation cannot be opened.";
  const canSend = socket !== null && disabledReason === null;

  return (
    <div className="chat-page">
      <div className="chat-title">
        <h1>Assistant</h1>
        <p role="status" aria-live="polite" className={`connection-status ${status}`}>
          {STATUS_WORDS[status]}
        </p>
      </div>
      <ErrorNotice error={connectionError} />
      <div className="chat-layout">
        <SessionList currentId={session?.id ?? routeSession ?? null} version={listVersion} onNew={startNew} />
        <div className="card conversation stack">
          <div className="conversation-head">
            <h2>Messages</h2>
            {session?.state === "ended" && <span className="badge">Ended</span>}
            <button
              type="button"
              className="secondary"
              onClick={end}
              disabled={!session || session.state === "ended" || ending}
            >
              End conversation
            </button>
          </div>
          <ErrorNotice error={loadError} />
          {hiddenCount > 0 && (
            <p className="muted small">
              Showing the last {HISTORY_LIMIT} messages; {hiddenCount} earlier ones are not shown.
            </p>
          )}
          <MessageLog messages={conversation.messages} loading={loading} />
          <ErrorNotice error={error} onDismiss={() => setError(null)} />
          <Composer
            canSend={canSend}
            running={running !== null}
            disabledReason={disabledReason}
            onSend={(content) => {
              if (socket) send(content, socket);
            }}
            onStop={stop}
          />
        </div>
      </div>
    </div>
  );
}
