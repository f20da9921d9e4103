// An API error in words, with the request id to quote to an operator.
import { describeError } from "../api/errors";

export function ErrorNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  if (error == null) return null;
  const { title, message, requestId } = describeError(error);
  return (
    <div role="alert" className="notice notice-error">
      <strong>{title}</strong>
      <p>{message}</p>
      {requestId && (
        <p className="muted small">
          Request id: <code>{requestId}</code>
        </p>
      )}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}
