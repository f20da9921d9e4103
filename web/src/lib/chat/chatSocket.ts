// The chat connection: one browser WebSocket to `/ws` that authenticates with the signed-in
// token, hands every server frame to its listeners, keeps itself alive with a `ping` every 25 s,
// and when it drops reconnects with backoff, authenticates again and resumes the current session.
import { failureFromFrame, parseServerFrame, type AuthSuccess, type ClientFrame, type ServerFrame } from "./frames";

/** What the class needs of a WebSocket (the browser's, or a fake in tests). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * `connecting`: the first connection is being made; `connected`: authenticated;
 * `reconnecting`: it dropped and is coming back; `closed`: closed by `close()` or refused.
 */
export type ConnectionStatus = "idle" | "connecting" | "connected" | "reconnecting" | "closed";

export interface ChatSocketOptions {
  /** The bearer token to authenticate with (read on every connection). */
  getToken: () => string | null;
  /** Default: `ws(s)://<this host>/ws`. */
  url?: string;
  /** Default: the browser's `WebSocket`. */
  WebSocketImpl?: WebSocketConstructor;
  /** Default 25 000. */
  pingIntervalMs?: number;
  /** The wait before reconnect attempt `attempt` (0, 1, 2, …). */
  backoffMs?: (attempt: number) => number;
}

const OPEN = 1;

/** The chat endpoint of the server this page came from. */
export function defaultSocketUrl(): string {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
}

/** 0.5 s, 1 s, 2 s, … up to 15 s, with ±20 % jitter so that clients do not return all at once. */
export function defaultBackoff(attempt: number): number {
  return Math.min(15_000, 500 * 2 ** attempt) * (0.8 + Math.random() * 0.4);
}

type FrameListener = (frame: ServerFrame) => void;
type StatusListener = (status: ConnectionStatus) => void;

interface Pending {
  promise: Promise<AuthSuccess>;
  resolve: (value: AuthSuccess) => void;
  reject: (error: unknown) => void;
}

export class ChatSocket {
  private readonly options: Required<Omit<ChatSocketOptions, "url" | "WebSocketImpl">> & {
    url: string | undefined;
    WebSocketImpl: WebSocketConstructor | undefined;
  };
  private socket: WebSocketLike | null = null;
  private currentStatus: ConnectionStatus = "idle";
  private authenticated = false;
  private stopped = false;
  private attempt = 0;
  private pending: Pending | null = null;
  private lastAuth: AuthSuccess | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private queue: string[] = [];
  private session: string | null = null;
  private readonly frameListeners = new Set<FrameListener>();
  private readonly statusListeners = new Set<StatusListener>();

  constructor(options: ChatSocketOptions) {
    this.options = {
      getToken: options.getToken,
      url: options.url,
      WebSocketImpl: options.WebSocketImpl,
      pingIntervalMs: options.pingIntervalMs ?? 25_000,
      backoffMs: options.backoffMs ?? defaultBackoff,
    };
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The session resumed after a reconnect (the last one started or resumed). */
  get sessionId(): string | null {
    return this.session;
  }

  /** Connects and authenticates; resolves with `auth.success`, rejects on `auth.error` or a close. */
  connect(): Promise<AuthSuccess> {
    if (this.currentStatus === "connected" && this.lastAuth) return Promise.resolve(this.lastAuth);
    if (this.pending) return this.pending.promise;
    let resolve!: (value: AuthSuccess) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<AuthSuccess>((yes, no) => {
      resolve = yes;
      reject = no;
    });
    this.pending = { promise, resolve, reject };
    this.stopped = false;
    if (!this.socket) {
      this.clearRetry();
      this.open(this.currentStatus === "reconnecting" ? "reconnecting" : "connecting");
    }
    return promise;
  }

  /**
   * Sends a frame. While the connection is being (re)made, frames wait and go out once it is
   * authenticated (after the session's resume); once closed, sending throws.
   */
  send(frame: ClientFrame): void {
    if (this.stopped || this.currentStatus === "idle" || this.currentStatus === "closed") {
      throw new Error("The chat connection is closed.");
    }
    if (frame.type === "session.resume") this.session = frame.payload.sessionId;
    const text = JSON.stringify({ type: frame.type, payload: frame.payload ?? {} });
    if (this.authenticated && this.socket?.readyState === OPEN) {
      this.socket.send(text);
    } else {
      this.queue.push(text);
    }
  }

  /** Resumes `sessionId` now (when connected) and after every reconnect. */
  resume(sessionId: string): void {
    this.session = sessionId;
    if (this.authenticated && this.socket?.readyState === OPEN) {
      this.socket.send(JSON.stringify({ type: "session.resume", payload: { sessionId } }));
    }
  }

  /** Stops resuming a session after reconnects. */
  forgetSession(): void {
    this.session = null;
  }

  /** Calls `listener` with every server frame; returns the unsubscribe function. */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Calls `listener` on every status change; returns the unsubscribe function. */
  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Closes the connection for good (code 1000) and stops reconnecting. */
  close(): void {
    this.stopped = true;
    this.clearRetry();
    this.stopPing();
    this.queue = [];
    const socket = this.socket;
    this.detach();
    if (socket && socket.readyState <= OPEN) socket.close(1000, "closed by the client");
    this.fail(new Error("The chat connection was closed."));
    this.setStatus("closed");
  }

  private open(status: "connecting" | "reconnecting"): void {
    this.setStatus(status);
    const Impl = this.options.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketConstructor);
    let socket: WebSocketLike;
    try {
      socket = new Impl(this.options.url ?? defaultSocketUrl());
    } catch (error) {
      this.fail(error);
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.authenticated = false;
    socket.onopen = () => {
      const token = this.options.getToken();
      if (!token) {
        this.stopped = true;
        this.detach();
        socket.close(1000, "not signed in");
        this.fail(new Error("Sign in to use the assistant."));
        this.setStatus("closed");
        return;
      }
      socket.send(JSON.stringify({ type: "auth", payload: { token, platform: "web" } }));
    };
    socket.onmessage = (event) => this.receive(event.data);
    socket.onerror = () => {
      // A close event follows every error; it is handled there.
    };
    socket.onclose = (event) => {
      this.detach();
      this.stopPing();
      this.authenticated = false;
      if (this.stopped) {
        this.fail(new Error("The chat connection was closed."));
        this.setStatus("closed");
        return;
      }
      this.fail(
        new Error(
          `The chat connection closed (code ${event.code}${event.reason ? `: ${event.reason}` : ""}) ` +
            "before it was ready. Trying again…",
        ),
      );
      this.scheduleReconnect();
    };
  }

  private receive(data: unknown): void {
    const frame = parseServerFrame(data);
    if (!frame) return;
    switch (frame.type) {
      case "auth.success":
        this.onAuthenticated(frame.payload);
        break;
      case "auth.error": {
        // The server closes the socket (1008) next; a refused token is not retried.
        this.stopped = true;
        this.stopPing();
        const socket = this.socket;
        this.detach();
        socket?.close(1000, "authentication refused");
        this.fail(failureFromFrame(frame.payload));
        break;
      }
      case "session.started":
      case "session.resumed":
        this.session = frame.payload.sessionId;
        break;
      case "session.ended":
        if (this.session === frame.payload.sessionId) this.session = null;
        break;
      default:
        break;
    }
    for (const listener of [...this.frameListeners]) listener(frame);
    if (frame.type === "auth.error") this.setStatus("closed");
  }

  private onAuthenticated(success: AuthSuccess): void {
    const socket = this.socket;
    if (!socket) return;
    this.authenticated = true;
    this.attempt = 0;
    this.lastAuth = success;
    if (this.session) {
      socket.send(JSON.stringify({ type: "session.resume", payload: { sessionId: this.session } }));
    }
    const queued = this.queue;
    this.queue = [];
    for (const text of queued) socket.send(text);
    this.startPing();
    const pending = this.pending;
    this.pending = null;
    this.setStatus("connected");
    pending?.resolve(success);
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus("reconnecting");
    const wait = this.options.backoffMs(this.attempt);
    this.attempt += 1;
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open("reconnecting");
    }, wait);
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (this.authenticated && this.socket?.readyState === OPEN) {
        this.socket.send(JSON.stringify({ type: "ping", payload: {} }));
      }
    }, this.options.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Forgets the socket's handlers, so that a late event of an old socket changes nothing. */
  private detach(): void {
    const socket = this.socket;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
    }
    this.socket = null;
    this.authenticated = false;
  }

  private fail(error: unknown): void {
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    for (const listener of [...this.statusListeners]) listener(status);
  }
}
