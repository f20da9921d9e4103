// An email as an RFC 5322 message (.eml) that mail programs open as a draft: UTF-8 plain text
// sent 8bit, CRLF line ends, the subject as RFC 2047 encoded-words when it is not plain ASCII.

export interface EmlInput {
  subject: string;
  body: string;
  /** The recipient's address (the client's e-mail), when known. */
  to?: string | null;
  /** The recipient's name, shown before the address. */
  toName?: string | null;
  /** The sender's address (the signed-in user), when known. */
  from?: string | null;
  /** The Date header (default: none, the mail program sets it when sending). */
  date?: Date | null;
}

const CRLF = "\r\n";
/** The most octets of a line (RFC 5322 section 2.1.1). */
const MAX_LINE_OCTETS = 998;
/** Octets of text per encoded-word: 52 base64 characters, so "Subject: " + word fits 76. */
const WORD_OCTETS = 39;

/** The message text, with CRLF line ends. */
export function buildEml(input: EmlInput): string {
  const headers: string[] = [];
  if (input.from) headers.push(`From: ${oneLine(input.from)}`);
  if (input.to) headers.push(`To: ${mailbox(oneLine(input.to), input.toName)}`);
  headers.push(foldHeader("Subject", oneLine(input.subject)));
  if (input.date) headers.push(`Date: ${rfc5322Date(input.date)}`);
  headers.push("MIME-Version: 1.0");
  headers.push("Content-Type: text/plain; charset=utf-8");
  headers.push("Content-Transfer-Encoding: 8bit");
  headers.push("X-Unsent: 1");
  return headers.join(CRLF) + CRLF + CRLF + bodyLines(input.body).join(CRLF) + CRLF;
}

/** Whether `text` can go into a header as it is (printable ASCII, no encoded-word look-alike). */
function isPlainAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text) && !text.includes("=?");
}

/** `Name: value`, as encoded-words when needed, else folded at spaces to stay within 78 columns. */
export function foldHeader(name: string, value: string): string {
  if (!isPlainAscii(value)) {
    return `${name}: ${encodedWords(value).join(CRLF + " ")}`;
  }
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of value.split(" ")) {
    if (line.length + 1 + word.length > 78 && line.trim() !== `${name}:` && line.trim() !== "") {
      lines.push(line);
      line = "";
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines.join(CRLF);
}

/** RFC 2047 `=?UTF-8?B?…?=` words, each whole characters of at most 39 UTF-8 octets. */
export function encodedWords(text: string): string[] {
  const encoder = new TextEncoder();
  const words: string[] = [];
  let chunk: number[] = [];
  for (const char of text) {
    const bytes = Array.from(encoder.encode(char));
    if (chunk.length + bytes.length > WORD_OCTETS && chunk.length > 0) {
      words.push(encodeWord(chunk));
      chunk = [];
    }
    chunk.push(...bytes);
  }
  if (chunk.length > 0 || words.length === 0) words.push(encodeWord(chunk));
  return words;
}

function encodeWord(bytes: number[]): string {
  return `=?UTF-8?B?${btoa(String.fromCharCode(...bytes))}?=`;
}

/** `"Name" <address>`, or the bare address when there is no name. */
function mailbox(address: string, name: string | null | undefined): string {
  const display = name ? oneLine(name) : "";
  if (!display) return address;
  if (!isPlainAscii(display)) return `${encodedWords(display).join(" ")} <${address}>`;
  return `"${display.replace(/(["\\])/g, "\\$1")}" <${address}>`;
}

/** The body as lines: any line end becomes CRLF, and a line over 998 octets wraps at a space. */
function bodyLines(body: string): string[] {
  return body.split(/\r\n|\r|\n/).flatMap(wrapLine);
}

function wrapLine(line: string): string[] {
  const encoder = new TextEncoder();
  if (encoder.encode(line).length <= MAX_LINE_OCTETS) return [line];
  const out: string[] = [];
  let current = "";
  let octets = 0;
  let lastSpace = -1;
  for (const char of line) {
    const size = encoder.encode(char).length;
    if (octets + size > MAX_LINE_OCTETS) {
      if (lastSpace > 0) {
        out.push(current.slice(0, lastSpace));
        current = current.slice(lastSpace + 1);
      } else {
        out.push(current);
        current = "";
      }
      octets = encoder.encode(current).length;
      lastSpace = current.lastIndexOf(" ");
    }
    if (char === " ") lastSpace = current.length;
    current += char;
    octets += size;
  }
  out.push(current);
  return out;
}

/** Header text on one line (no CR or LF can start a new header). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").trim();
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "Tue, 02 Dec 2025 07:59:00 +0000" (in UTC). */
export function rfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return (
    `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}
