// Unit tests of the chat connection, over a fake WebSocket: authentication, frames, pings,
// reconnects with resume, and closing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiFailure } from "../../api/errors";
import { ChatSocket, defaultSocketUrl, type ConnectionStatus } from "./chatSocket";
import { FakeWebSocket } from "./fakeWebSocket";
import type { ServerFrame } from "./frames";

function makeSocket(token: string | null = "tok-1") {
  const statuses: ConnectionStatus[] = [];
  const socket = new ChatSocket({
    getToken: () => token,
    url: "ws://test/ws",
    WebSocketImpl: FakeWebSocket,
    backoffMs: (attempt) => 1000 * (attempt + 1),
  });
  socket.onStatus((status) => statuses.push(status));
  return { socket, statuses };
}

beforeEach(() => {
  FakeWebSocket.reset();
});

afterEach(() => {
  vi.useRealTimers();
});

describe("ChatSocket", () => {
  it("points at /ws on this page's host", () => {
    expect(defaultSocketUrl()).toBe(`ws://${location.host}/ws`);
  });

  it("authenticates with the token and resolves on auth.success", async () => {
    const { socket, statuses } = makeSocket();
    const connected = socket.connect();
    const fake = FakeWebSocket.latest();
    expect(fake.url).toBe("ws://test/ws");
    expect(socket.status).toBe("connecting");
    fake.open();
    expect(fake.frames()).toEqual([{ type: "auth", payload: { token: "tok-1", platform: "web" } }]);
    fake.receive("auth.success", { userId: "u", sessionId: null, orgId: "o" });
    await expect(connected).resolves.toEqual({ userId: "u", sessionId: null, orgId: "o" });
    expect(socket.status).toBe("connected");
    expect(statuses).toEqual(["connecting", "connected"]);
  });

  it("rejects with the envelope on auth.error and does not retry", async () => {
    vi.useFakeTimers();
    const { socket } = makeSocket();
    const connected = socket.connect();
    const fake = FakeWebSocket.latest();
    fake.open();
    fake.receive("auth.error", {
      code: "TOKEN_EXPIRED",
      message: "the token has expired",
      details: {},
      retryable: true,
      request_id: "req-auth",
    });
    const error = await connected.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiFailure);
    expect((error as ApiFailure).message).toBe("the token has expired");
    expect((error as ApiFailure).requestId).toBe("req-auth");
    expect((error as ApiFailure).status).toBe(401);
    expect(socket.status).toBe("closed");
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it("rejects with a readable error when the socket closes before auth", async () => {
    vi.useFakeTimers();
    const { socket } = makeSocket();
    const connected = socket.connect();
    FakeWebSocket.latest().drop(1006);
    await expect(connected).rejects.toThrow(/closed \(code 1006\)/);
    expect(socket.status).toBe("reconnecting");
    socket.close();
  });

  it("refuses to connect without a token", async () => {
    const { socket } = makeSocket(null);
    const connected = socket.connect();
    FakeWebSocket.latest().open();
    await expect(connected).rejects.toThrow(/Sign in/);
    expect(socket.status).toBe("closed");
  });

  it("dispatches the frames it understands to every listener", async () => {
    const { socket } = makeSocket();
    const seen: ServerFrame[] = [];
    const other: string[] = [];
    socket.onFrame((frame) => seen.push(frame));
    const unsubscribe = socket.onFrame((frame) => other.push(frame.type));
    const connected = socket.connect();
    FakeWebSocket.latest().accept();
    await connected;
    const fake = FakeWebSocket.latest();
    fake.receive("chat.token", { message_id: "m1", delta: "Hi", index: 0 });
    fake.receiveText("not json");
    fake.receive("something.new", {});
    unsubscribe();
    fake.receive("pong", {});
    expect(seen.map((f) => f.type)).toEqual(["auth.success", "chat.token", "pong"]);
    expect(seen[1]).toEqual({ type: "chat.token", payload: { message_id: "m1", delta: "Hi", index: 0 } });
    expect(other).toEqual(["auth.success", "chat.token"]);
  });

  it("sends frames once authenticated, and holds the ones sent before", async () => {
    const { socket } = makeSocket();
    const connected = socket.connect();
    const fake = FakeWebSocket.latest();
    socket.send({ type: "session.start", payload: { session_type: "chat" } });
    fake.open();
    expect(fake.framesOf("session.start")).toHaveLength(0);
    fake.receive("auth.success", { userId: "u", sessionId: null, orgId: "o" });
    await connected;
    socket.send({ type: "chat", payload: { content: "Hello", message_id: "m1" } });
    expect(fake.frames().map((f) => f.type)).toEqual(["auth", "session.start", "chat"]);
    expect(fake.framesOf("chat")[0]?.payload).toEqual({ content: "Hello", message_id: "m1" });
  });

  it("pings every 25 seconds while connected", async () => {
    vi.useFakeTimers();
    const { socket } = makeSocket();
    const connected = socket.connect();
    FakeWebSocket.latest().accept();
    await connected;
    const fake = FakeWebSocket.latest();
    vi.advanceTimersByTime(24_999);
    expect(fake.framesOf("ping")).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(fake.framesOf("ping")).toHaveLength(1);
    vi.advanceTimersByTime(50_000);
    expect(fake.framesOf("ping")).toHaveLength(3);
    socket.close();
    vi.advanceTimersByTime(50_000);
    expect(fake.framesOf("ping")).toHaveLength(3);
  });

  it("reconnects with backoff, authenticates again and resumes the session", async () => {
    vi.useFakeTimers();
    const { socket, statuses } = makeSocket();
    const connected = socket.connect();
    FakeWebSocket.latest().accept();
    await connected;
    const first = FakeWebSocket.latest();
    first.receive("session.started", { sessionId: "s-1" });
    expect(socket.sessionId).toBe("s-1");

    first.drop();
    expect(socket.status).toBe("reconnecting");
    // Frames sent while reconnecting wait for the new connection.
    socket.send({ type: "chat", payload: { content: "Still there?", message_id: "m2", session_id: "s-1" } });
    vi.advanceTimersByTime(999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(2);

    // The second attempt fails too: the next wait is longer.
    FakeWebSocket.latest().drop();
    vi.advanceTimersByTime(1999);
    expect(FakeWebSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeWebSocket.instances).toHaveLength(3);

    const third = FakeWebSocket.latest();
    third.accept();
    expect(socket.status).toBe("connected");
    expect(third.frames()).toEqual([
      { type: "auth", payload: { token: "tok-1", platform: "web" } },
      { type: "session.resume", payload: { sessionId: "s-1" } },
      { type: "chat", payload: { content: "Still there?", message_id: "m2", session_id: "s-1" } },
    ]);
    expect(statuses).toEqual(["connecting", "connected", "reconnecting", "connected"]);

    // A later drop starts over from the shortest wait.
    third.drop();
    vi.advanceTimersByTime(1000);
    expect(FakeWebSocket.instances).toHaveLength(4);
    socket.close();
  });

  it("resumes the session it was asked to, now and after reconnects", async () => {
    vi.useFakeTimers();
    const { socket } = makeSocket();
    socket.resume("s-9");
    const connected = socket.connect();
    FakeWebSocket.latest().accept();
    await connected;
    expect(FakeWebSocket.latest().framesOf("session.resume")).toEqual([
      { type: "session.resume", payload: { sessionId: "s-9" } },
    ]);
    socket.resume("s-10");
    expect(FakeWebSocket.latest().framesOf("session.resume")).toHaveLength(2);
    FakeWebSocket.latest().receive("session.ended", { sessionId: "s-10" });
    expect(socket.sessionId).toBeNull();
    socket.close();
  });

  it("closes cleanly and stops reconnecting", async () => {
    vi.useFakeTimers();
    const { socket } = makeSocket();
    const connected = socket.connect();
    FakeWebSocket.latest().accept();
    await connected;
    const fake = FakeWebSocket.latest();
    socket.close();
    expect(fake.closedWith).toEqual({ code: 1000, reason: "closed by the client" });
    expect(socket.status).toBe("closed");
    vi.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(() => socket.send({ type: "ping" })).toThrow(/closed/);
  });
});
