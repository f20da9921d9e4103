// Unit tests of the Markdown export of scripts and emails.
import { describe, expect, it } from "vitest";
import { documentMarkdown } from "./markdown";
import { sampleEmail, sampleScript } from "./fixtures";

describe("documentMarkdown", () => {
  it("writes every section of a script", () => {
    const text = documentMarkdown(sampleScript({ description: "For the first call." }), { clientName: "Dana Smith" });
    expect(text).toBe(
      [
        "# Globex cold call",
        "_Sales script · Cold call · version 1 · for Dana Smith_",
        "For the first call.",
        "## Script\n\nHi Dana, this is Sam from Acme.",
        "## Key talking points\n\n- saves 5 h a week",
        "## Objection handlers\n\n- **too expensive**: Most teams recover the cost in a quarter.",
        "## Discovery questions\n\n1. How do you report today?",
        "## Closing techniques\n\n- Suggest a pilot",
      ].join("\n\n") + "\n",
    );
  });

  it("writes an email's subject, body and call to action, and leaves out empty sections", () => {
    const text = documentMarkdown(sampleEmail({ personalization_fields: [], call_to_action: null }));
    expect(text).toContain("**Subject:** Cutting Globex's reporting time in half");
    expect(text).toContain("## Body\n\nHi Dana,\n\nCould we talk on Thursday?");
    expect(text).not.toContain("Call to action");
    expect(text).not.toContain("Personalization");
  });

  it("can leave out the metadata line (for comparing versions)", () => {
    const text = documentMarkdown(sampleEmail({ version: 3 }), { includeMeta: false });
    expect(text).not.toContain("version 3");
    expect(text.startsWith("# Globex intro\n\n**Subject:**")).toBe(true);
  });

  it("keeps headings and list items on one line", () => {
    const text = documentMarkdown(sampleScript({ name: "Two\nlines", key_talking_points: ["a\nb"] }));
    expect(text).toContain("# Two lines\n");
    expect(text).toContain("- a b\n");
  });
});
