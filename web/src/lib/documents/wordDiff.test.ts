// Unit tests of the side-by-side word diff.
import { describe, expect, it } from "vitest";
import { sideBySide } from "./wordDiff";

describe("sideBySide", () => {
  it("puts removed words on the left, added words on the right and counts them", () => {
    const diff = sideBySide("Hi Dana, this is Sam.", "Hi Dana, this is Alex from Acme.");
    expect(diff.before.filter((p) => p.change === "removed").map((p) => p.text.trim())).toEqual(["Sam"]);
    expect(diff.after.filter((p) => p.change === "added").map((p) => p.text).join("")).toContain("Alex");
    expect(diff.before.map((p) => p.text).join("")).toBe("Hi Dana, this is Sam.");
    expect(diff.after.map((p) => p.text).join("")).toBe("Hi Dana, this is Alex from Acme.");
    expect(diff.removed).toBe(1);
    expect(diff.added).toBeGreaterThanOrEqual(3);
  });

  it("finds no change in equal texts", () => {
    const diff = sideBySide("same text", "same text");
    expect([diff.added, diff.removed]).toEqual([0, 0]);
  });
});
