// Unit tests of the .eml export: headers, RFC 2047 subjects, CRLF line ends.
import { describe, expect, it } from "vitest";
import { buildEml, encodedWords, foldHeader, rfc5322Date } from "./eml";

/** Decodes `=?UTF-8?B?…?=` words back into text. */
function decodeWords(header: string): string {
  const bytes: number[] = [];
  for (const match of header.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)) {
    bytes.push(...Array.from(atob(match[1] ?? ""), (c) => c.charCodeAt(0)));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

describe("buildEml", () => {
  it("writes the MIME headers, a blank line and the body with CRLF line ends", () => {
    const eml = buildEml({ subject: "Quick question", body: "Hi Dana,\n\nThursday?\r\nSam", to: "dana@globex.test" });
    expect(eml).toBe(
      "To: dana@globex.test\r\n" +
        "Subject: Quick question\r\n" +
        "MIME-Version: 1.0\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        "Content-Transfer-Encoding: 8bit\r\n" +
        "X-Unsent: 1\r\n" +
        "\r\n" +
        "Hi Dana,\r\n\r\nThursday?\r\nSam\r\n",
    );
    expect(eml.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
  });

  it("leaves out To when the client's address is not known, and quotes a display name", () => {
    expect(buildEml({ subject: "s", body: "b" })).not.toContain("To:");
    expect(buildEml({ subject: "s", body: "b", to: "dana@globex.test", toName: 'Dana "D" Smith' })).toContain(
      'To: "Dana \\"D\\" Smith" <dana@globex.test>\r\n',
    );
  });

  it("encodes a non-ASCII subject as UTF-8 encoded-words of at most 76 columns", () => {
    const subject = "Réduire de moitié le temps de reporting de Globex — 🚀 dès jeudi, qu'en pensez-vous ?";
    const eml = buildEml({ subject, body: "Bonjour" });
    const header = eml.split("\r\n\r\n")[0]!.split(/\r\n(?! )/).find((line) => line.startsWith("Subject:"))!;
    const lines = header.split("\r\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(76);
    expect(lines.slice(1).every((line) => line.startsWith(" =?UTF-8?B?"))).toBe(true);
    expect(decodeWords(header)).toBe(subject);
  });

  it("never splits a character between two encoded-words", () => {
    const words = encodedWords("é".repeat(30) + "🚀".repeat(10));
    expect(words.map((word) => new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(word.slice(10, -2)), (c) => c.charCodeAt(0)),
    )).join("")).toBe("é".repeat(30) + "🚀".repeat(10));
  });

  it("cannot be given an extra header through the subject", () => {
    const eml = buildEml({ subject: "Hello\r\nBcc: x@evil.test", body: "b" });
    expect(eml).toContain("Subject: Hello Bcc: x@evil.test\r\n");
    expect(eml).not.toMatch(/\r\nBcc:/);
  });

  it("folds a long ASCII subject at spaces and wraps body lines over 998 octets", () => {
    const folded = foldHeader("Subject", Array(30).fill("word").join(" "));
    for (const line of folded.split("\r\n")) expect(line.length).toBeLessThanOrEqual(78);
    expect(folded.replace(/\r\n/g, "")).toBe("Subject: " + Array(30).fill("word").join(" "));
    const eml = buildEml({ subject: "s", body: Array(300).fill("long").join(" ") });
    const body = eml.split("\r\n\r\n")[1]!;
    for (const line of body.split("\r\n")) expect(line.length).toBeLessThanOrEqual(998);
  });

  it("adds From and Date when given", () => {
    const date = new Date(Date.UTC(2025, 11, 2, 7, 5, 9));
    expect(rfc5322Date(date)).toBe("Tue, 02 Dec 2025 07:05:09 +0000");
    const eml = buildEml({ subject: "s", body: "b", from: "sam@acme.test", date });
    expect(eml.startsWith("From: sam@acme.test\r\nSubject: s\r\nDate: Tue, 02 Dec 2025 07:05:09 +0000\r\n")).toBe(true);
  });
});
