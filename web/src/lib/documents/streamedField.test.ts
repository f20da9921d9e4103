// Unit tests of `streamedField`: the readable text of JSON that is still being written.
import { describe, expect, it } from "vitest";
import { streamedField } from "./streamedField";

describe("streamedField", () => {
  it("is null until the value's opening quote arrives", () => {
    expect(streamedField("", "content")).toBeNull();
    expect(streamedField("{", "content")).toBeNull();
    expect(streamedField('{"cont', "content")).toBeNull();
    expect(streamedField('{"content"', "content")).toBeNull();
    expect(streamedField('{"content": ', "content")).toBeNull();
    expect(streamedField('{"content": "', "content")).toBe("");
  });

  it("grows with the value and stops at its closing quote", () => {
    expect(streamedField('{"content": "Hi Da', "content")).toBe("Hi Da");
    expect(streamedField('{"content": "Hi Dana", "key_talking_points": ["a"', "content")).toBe("Hi Dana");
  });

  it("decodes escapes, and waits for an escape cut off at the end", () => {
    expect(streamedField('{"body": "Line 1\\nLine \\"2\\" \\\\ \\t\\u00e9', "body")).toBe('Line 1\nLine "2" \\ \té');
    expect(streamedField('{"body": "Hello\\', "body")).toBe("Hello");
    expect(streamedField('{"body": "Hello\\u00', "body")).toBe("Hello");
    expect(streamedField('{"body": "Smile \\ud83d', "body")).toBe("Smile ");
    expect(streamedField('{"body": "Smile \\ud83d\\ude00"', "body")).toBe("Smile 😀");
  });

  it("reads the top-level key only, not the same word inside values or nested objects", () => {
    const json = '{"objection_handlers": {"body": "nested"}, "note": "the \\"body\\": is here", "body": "real';
    expect(streamedField(json, "body")).toBe("real");
  });

  it("finds later keys after arrays, objects and numbers", () => {
    const json = '{"personalization_fields": ["first_name", "company"], "n": 3, "ok": true, "subject": "Quick question", "body": "Hi';
    expect(streamedField(json, "subject")).toBe("Quick question");
    expect(streamedField(json, "body")).toBe("Hi");
  });

  it("skips text before the object (a code fence) and gives null for a non-string value", () => {
    expect(streamedField('```json\n{"subject": "Hello"}', "subject")).toBe("Hello");
    expect(streamedField('{"call_to_action": null', "call_to_action")).toBeNull();
  });
});
