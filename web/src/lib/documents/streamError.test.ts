// Unit tests of reading a stream's `error` event.
import { describe, expect, it } from "vitest";
import { statusOfCode, streamFailure } from "./streamError";

describe("streamFailure", () => {
  it("keeps the envelope's message, code and request id", () => {
    const failure = streamFailure({
      code: "GENERATION_INVALID_OUTPUT",
      message: "The model's answer could not be read.",
      details: {},
      retryable: true,
      request_id: "req-1",
    });
    expect(failure.status).toBe(502);
    expect(failure.code).toBe("GENERATION_INVALID_OUTPUT");
    expect(failure.message).toBe("The model's answer could not be read.");
    expect(failure.requestId).toBe("req-1");
    expect(failure.retryable).toBe(true);
  });

  it("maps codes to the status they would have had", () => {
    expect(statusOfCode("GUARD_BLOCKED")).toBe(422);
    expect(statusOfCode("CLIENT_NOT_FOUND")).toBe(404);
    expect(statusOfCode("PROVIDER_BUSY")).toBe(503);
    expect(statusOfCode("PROVIDER_SERVER_ERROR")).toBe(502);
    expect(statusOfCode(undefined)).toBe(500);
  });

  it("still describes a stream error that is not an envelope", () => {
    expect(streamFailure("boom").code).toBe("HTTP_500");
  });
});
