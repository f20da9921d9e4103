// The chat connection of a screen: opened on mount with the signed-in token, closed on unmount;
// its status and its connection error (an `ApiFailure` for a refused token) as React state.
import { useEffect, useRef, useState } from "react";
import { useAuth } from "../../store/auth";
import { ChatSocket, type ConnectionStatus, type WebSocketConstructor } from "./chatSocket";
import type { ServerFrame } from "./frames";

export interface UseChatSocket {
  socket: ChatSocket | null;
  status: ConnectionStatus;
  /** Why the connection could not be made (cleared once connected). */
  error: unknown;
}

export function useChatSocket(options: {
  onFrame: (frame: ServerFrame, socket: ChatSocket) => void;
  onStatus?: (status: ConnectionStatus, previous: ConnectionStatus) => void;
  WebSocketImpl?: WebSocketConstructor | undefined;
}): UseChatSocket {
  const token = useAuth((s) => s.token);
  const [socket, setSocket] = useState<ChatSocket | null>(null);
  const [status, setStatus] = useState<ConnectionStatus>("idle");
  const [error, setError] = useState<unknown>(null);
  // The latest callbacks, without reconnecting when they change.
  const callbacks = useRef(options);
  useEffect(() => {
    callbacks.current = options;
  });
  const { WebSocketImpl } = options;

  useEffect(() => {
    if (!token) return undefined;
    const chat = new ChatSocket({ getToken: () => useAuth.getState().token, WebSocketImpl });
    let disposed = false;
    let previous: ConnectionStatus = chat.status;
    const offStatus = chat.onStatus((next) => {
      const before = previous;
      previous = next;
      setStatus(next);
      if (next === "connected") setError(null);
      callbacks.current.onStatus?.(next, before);
    });
    const offFrame = chat.onFrame((frame) => callbacks.current.onFrame(frame, chat));
    setSocket(chat);
    setError(null);
    chat.connect().catch((failure: unknown) => {
      if (!disposed && chat.status !== "connected") setError(failure);
    });
    return () => {
      disposed = true;
      offStatus();
      offFrame();
      chat.close();
      setSocket(null);
    };
  }, [token, WebSocketImpl]);

  return { socket, status, error };
}
