// The API's error envelope, as thrown by every call of the typed client, and how it is put into
// words for the people using the app.

/** The server's error envelope: `{ code, message, details, retryable, request_id, timestamp }`. */
export interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  request_id?: string | null;
}

/** A failed API call: the envelope's fields, the HTTP status, and the request id to quote. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly retryable: boolean;
  readonly requestId: string | null;

  constructor(status: number, body: ErrorBody, requestId: string | null) {
    super(body.message);
    this.name = "ApiFailure";
    this.status = status;
    this.code = body.code;
    this.details = body.details ?? {};
    this.retryable = body.retryable ?? false;
    this.requestId = body.request_id ?? requestId;
  }

  /** A failure built from any response body: the envelope when it is one, else the status. */
  static from(status: number, body: unknown, requestId: string | null): ApiFailure {
    const envelope = body as Partial<ErrorBody> | null;
    if (envelope && typeof envelope.code === "string" && typeof envelope.message === "string") {
      return new ApiFailure(status, envelope as ErrorBody, requestId);
    }
    return new ApiFailure(
      status,
      { code: "HTTP_" + status, message: `The server answered ${status} without an error body.` },
      requestId,
    );
  }

  /** The per-field messages of a `VALIDATION_ERROR` (`details.fields: [{field, code, message}]`). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    const fields = this.details["fields"];
    if (Array.isArray(fields)) {
      for (const entry of fields as { field?: unknown; message?: unknown }[]) {
        if (typeof entry?.field === "string" && typeof entry.message === "string") {
          out[entry.field] = entry.message;
        }
      }
    }
    return out;
  }
}

/** Words for an error of any kind, for a person. */
export function describeError(error: unknown): { title: string; message: string; requestId: string | null } {
  if (error instanceof ApiFailure) {
    return { title: titleFor(error), message: error.message, requestId: error.requestId };
  }
  if (error instanceof DOMException && error.name === "AbortError") {
    return { title: "Stopped", message: "The request was cancelled.", requestId: null };
  }
  if (error instanceof TypeError) {
    return {
      title: "The server cannot be reached",
      message: "Check your connection and that the HelloSales server is running.",
      requestId: null,
    };
  }
  return {
    title: "Something went wrong",
    message: error instanceof Error ? error.message : String(error),
    requestId: null,
  };
}

function titleFor(error: ApiFailure): string {
  switch (error.status) {
    case 401:
      return "Please sign in again";
    case 403:
      return "Not allowed";
    case 404:
      return "Not found";
    case 409:
      return "Conflict";
    case 412:
      return "Changed by someone else";
    case 422:
      return "Please check the form";
    case 429:
      return "Too many requests";
    default:
      return error.status >= 500 ? "The server had a problem" : "The request was refused";
  }
}
