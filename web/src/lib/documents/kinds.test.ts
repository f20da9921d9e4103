// Unit tests of the document kind helpers.
import { describe, expect, it } from "vitest";
import { baseParam, documentPath, fileName, kindOf, typeLabel } from "./kinds";
import { sampleEmail, sampleScript } from "./fixtures";

describe("document kinds", () => {
  it("names paths, base parameters and types", () => {
    expect(documentPath("email", "e1")).toBe("/emails/e1");
    expect(baseParam("script")).toBe("base_script_id");
    expect(typeLabel("script", "cold_call")).toBe("Cold call");
    expect(kindOf(sampleScript())).toBe("script");
    expect(kindOf(sampleEmail())).toBe("email");
  });

  it("makes safe file names", () => {
    expect(fileName("Globex: Café intro!", 2, "md")).toBe("globex-cafe-intro-v2.md");
    expect(fileName("???", 1, "eml")).toBe("document-v1.eml");
  });
});
