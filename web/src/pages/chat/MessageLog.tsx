// The messages of the open conversation, as a live log: the user's on the right, the
// assistant's on the left, streaming in; blocked, stopped and failed turns say so.
import { useEffect, useRef } from "react";
import { ErrorNotice } from "../../components/ErrorNotice";
import { failureFromFrame } from "../../lib/chat/frames";
import type { ChatMessage } from "../../lib/chat/conversation";

function AssistantBody({ message }: { message: ChatMessage }) {
  switch (message.state) {
    case "blocked":
      return (
        <p className="message-status">
          <strong>Not answered.</strong> {message.reason ?? "The message was blocked by the content rules."}
        </p>
      );
    case "error":
      return (
        <>
          {message.content && <p>{message.content}</p>}
          {message.error && <ErrorNotice error={failureFromFrame(message.error)} />}
        </>
      );
    case "cancelled":
      return (
        <>
          {message.content && <p>{message.content}</p>}
          <p className="message-status muted small">Stopped before the answer was complete.</p>
        </>
      );
    case "interrupted":
      return (
        <>
          {message.content && <p>{message.content}</p>}
          <p className="message-status muted small">The connection dropped before the answer was complete.</p>
        </>
      );
    case "streaming":
      return message.content ? <>{message.content}</> : <span className="muted">Thinking…</span>;
    default:
      return <>{message.content}</>;
  }
}

export function MessageLog({ messages, loading }: { messages: ChatMessage[]; loading: boolean }) {
  const log = useRef<HTMLDivElement>(null);
  const last = messages.at(-1);

  // Keeps the newest message in view as it grows.
  useEffect(() => {
    const element = log.current;
    if (element) element.scrollTop = element.scrollHeight;
  }, [messages.length, last?.content, last?.state]);

  return (
    <div ref={log} role="log" aria-label="Conversation" aria-live="polite" className="messages" tabIndex={0}>
      {loading && <p aria-busy="true">Loading messages…</p>}
      {!loading && messages.length === 0 && (
        <p className="muted">Ask about your products, your clients or how to handle an objection.</p>
      )}
      {messages.map((message) =>
        message.role === "assistant" ? (
          <div key={message.key} className="turn assistant">
            <article
              className="message assistant"
              data-state={message.state}
              aria-label="Assistant"
              aria-busy={message.state === "streaming" || undefined}
            >
              <AssistantBody message={message} />
            </article>
            {message.state === "complete" && message.filtered && (
              <p className="message-note muted small">Part of this answer was removed by the content rules.</p>
            )}
          </div>
        ) : (
          <div key={message.key} className={`turn ${message.role}`}>
            <article className={`message ${message.role}`} data-state={message.state} aria-label={message.role === "user" ? "You" : "System"}>
              {message.content}
            </article>
            {message.state === "error" && <p className="message-note field-error">Not sent.</p>}
          </div>
        ),
      )}
    </div>
  );
}
