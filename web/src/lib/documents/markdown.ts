// A script or email as a Markdown document (for "Export Markdown" and for comparing versions).
import { kindOf, typeLabel, typeOf, type SalesDocument, type SalesEmail, type SalesScript } from "./kinds";

export interface MarkdownOptions {
  /** The client's name, when known (shown in the metadata line). */
  clientName?: string | null;
  /** The product's name, when known. */
  productName?: string | null;
  /** The "Sales script · Demo · version 2" line (default true; left out when comparing). */
  includeMeta?: boolean;
}

/** The document as Markdown, every field in its own section; empty sections are left out. */
export function documentMarkdown(record: SalesDocument, options: MarkdownOptions = {}): string {
  const kind = kindOf(record);
  const blocks: string[] = [`# ${oneLine(record.name)}`];
  if (options.includeMeta ?? true) {
    const meta = [
      kind === "script" ? "Sales script" : "Sales email",
      typeLabel(kind, typeOf(record)),
      `version ${record.version}`,
      options.clientName ? `for ${oneLine(options.clientName)}` : "",
      options.productName ? `about ${oneLine(options.productName)}` : "",
    ].filter(Boolean);
    blocks.push(`_${meta.join(" · ")}_`);
  }
  if (record.description) blocks.push(record.description.trim());
  blocks.push(...("script_type" in record ? scriptBlocks(record) : emailBlocks(record)));
  return blocks.join("\n\n") + "\n";
}

function scriptBlocks(script: SalesScript): string[] {
  const blocks = [`## Script\n\n${script.content.trim()}`];
  blocks.push(...list("Key talking points", script.key_talking_points, "-"));
  const handlers = Object.entries(script.objection_handlers ?? {});
  if (handlers.length > 0) {
    blocks.push(
      "## Objection handlers\n\n" +
        handlers.map(([objection, answer]) => `- **${oneLine(objection)}**: ${oneLine(answer)}`).join("\n"),
    );
  }
  blocks.push(...list("Discovery questions", script.discovery_questions, "1."));
  blocks.push(...list("Closing techniques", script.closing_techniques, "-"));
  return blocks;
}

function emailBlocks(email: SalesEmail): string[] {
  const blocks = [`**Subject:** ${oneLine(email.subject)}`, `## Body\n\n${email.body.trim()}`];
  if (email.call_to_action) blocks.push(`**Call to action:** ${oneLine(email.call_to_action)}`);
  blocks.push(...list("Personalization fields", email.personalization_fields, "-"));
  return blocks;
}

/** A "## Title" section listing `items` (none when the list is empty). */
function list(title: string, items: string[] | undefined, marker: "-" | "1."): string[] {
  if (!items || items.length === 0) return [];
  const lines = items.map((item, index) => `${marker === "-" ? "-" : `${index + 1}.`} ${oneLine(item)}`);
  return [`## ${title}\n\n${lines.join("\n")}`];
}

/** Text that must stay on one Markdown line (a heading, a list item). */
function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}
