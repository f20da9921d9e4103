// A WebSocket stand-in for tests (no network): records what the client sends and lets the test
// open, answer and drop the connection. Only tests import it.
import type { WebSocketLike } from "./chatSocket";

export interface SentFrame {
  type: string;
  payload: Record<string, unknown>;
}

export class FakeWebSocket implements WebSocketLike {
  /** Every socket made since the last `reset()`, oldest first. */
  static instances: FakeWebSocket[] = [];

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  /** The newest socket. */
  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error("no WebSocket was opened");
    return socket;
  }

  readonly url: string;
  readyState = 0;
  readonly sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send() on a WebSocket that is not open");
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.closedWith = { code, reason };
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code: code ?? 1000, reason: reason ?? "", wasClean: true }));
  }

  /** The frames sent so far, parsed. */
  frames(): SentFrame[] {
    return this.sent.map((text) => JSON.parse(text) as SentFrame);
  }

  /** The frames of `type` sent so far. */
  framesOf(type: string): SentFrame[] {
    return this.frames().filter((frame) => frame.type === type);
  }

  // The server's side.

  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  receive(type: string, payload: unknown = {}): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify({ type, payload }) }));
  }

  receiveText(data: string): void {
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  /** Opens and answers the `auth` frame with `auth.success`. */
  accept(): void {
    this.open();
    this.receive("auth.success", { userId: "user-1", sessionId: null, orgId: "org-1" });
  }

  /** The connection drops (no close handshake). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code, reason: "", wasClean: false }));
  }
}
