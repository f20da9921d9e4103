// The `error` event of a generation stream as an `ApiFailure`: the stream itself was answered
// 200, so the HTTP status the same error would have had is read from its code.
import { ApiFailure } from "../../api/errors";

/** The status the server gives an error of this code when it answers before a stream. */
export function statusOfCode(code: unknown): number {
  if (typeof code !== "string") return 500;
  if (code === "VALIDATION_ERROR" || code === "GUARD_BLOCKED") return 422;
  if (code === "RATE_LIMITED") return 429;
  if (code.endsWith("NOT_FOUND")) return 404;
  if (code === "CONFLICT" || code === "INVALID_STATE" || code === "PIPELINE_CANCELLED") return 409;
  if (code === "PROVIDER_TIMEOUT") return 504;
  if (code === "PROVIDER_RATE_LIMITED" || code === "PROVIDER_BUSY" || code === "PROVIDER_CIRCUIT_OPEN") return 503;
  if (code.startsWith("PROVIDER_") || code === "GENERATION_INVALID_OUTPUT") return 502;
  return 500;
}

/** The failure an `error` event's data (the error envelope) describes. */
export function streamFailure(data: unknown): ApiFailure {
  const code = (data as { code?: unknown } | null)?.code;
  const requestId = (data as { request_id?: unknown } | null)?.request_id;
  return ApiFailure.from(statusOfCode(code), data, typeof requestId === "string" ? requestId : null);
}
