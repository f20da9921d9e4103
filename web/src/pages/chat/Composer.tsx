// The message box: Enter sends, Shift+Enter starts a new line; "Stop" cancels the running answer.
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { TextArea } from "../../components/Field";

export function Composer({
  canSend,
  running,
  disabledReason,
  onSend,
  onStop,
}: {
  /** Whether a message may be sent now (connected or reconnecting, a session that takes messages). */
  canSend: boolean;
  /** Whether an answer is streaming (Send waits, Stop is offered). */
  running: boolean;
  /** Why nothing can be sent, shown under the box. */
  disabledReason: string | null;
  onSend: (content: string) => void;
  onStop: () => void;
}) {
  const [text, setText] = useState("");
  const ready = canSend && !running && text.trim() !== "";

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (!ready) return;
    onSend(text.trim());
    setText("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  return (
    <form className="composer stack" onSubmit={submit}>
      <TextArea
        label="Message"
        rows={3}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        disabled={!canSend}
        hint={disabledReason ?? "Enter sends; Shift+Enter starts a new line."}
      />
      <div className="composer-actions">
        <button type="button" className="secondary" onClick={onStop} disabled={!running}>
          Stop
        </button>
        <button type="submit" disabled={!ready}>
          Send
        </button>
      </div>
    </form>
  );
}
