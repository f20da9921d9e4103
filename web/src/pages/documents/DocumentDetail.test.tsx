// Component tests of a document's screen: its fields, versions and word diff, Copy and the
// exports, an edit saved as the next version with If-Match, and a stale edit.
import { CLIENT, PRODUCT, failure, json, renderAt, signIn, stubFetch } from "./testSupport";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { sampleEmail, sampleScript } from "../../lib/documents/fixtures";
import DocumentDetail from "./DocumentDetail";

const v1 = sampleEmail({ id: "e1", version: 1, body: "Hi Dana,\n\nCould we talk on Thursday?", client_id: "c1" });
const v2 = sampleEmail({ id: "e2", version: 2, parent_email_id: "e1", body: "Hi Dana,\n\nCould we talk on Friday?", client_id: "c1" });
const v3 = sampleEmail({
  id: "e3",
  version: 3,
  parent_email_id: "e2",
  subject: "Réduire le reporting",
  body: "Hi Dana,\n\nCould we meet on Friday morning?",
  client_id: "c1",
  product_id: "p1",
  model_id: "smollm2",
});
const versions = [v1, v2, v3];

function stubEmails(edit?: (body: string, ifMatch: string | null) => Response) {
  return stubFetch((sent) => {
    const path = sent.url.pathname;
    const found = versions.find((v) => path === `/api/v1/emails/${v.id}`);
    if (found && sent.method === "GET") return json(found, 200, `"etag-${found.id}"`);
    if (found && sent.method === "PATCH" && edit) return edit(sent.body, sent.headers.get("If-Match"));
    if (path.endsWith("/versions")) return json({ items: versions });
    if (path === "/api/v1/clients/c1") return json(CLIENT, 200, '"c"');
    if (path === "/api/v1/products/p1") return json(PRODUCT, 200, '"p"');
    if (path === "/api/v1/emails/e4") return json(sampleEmail({ id: "e4", version: 4, subject: "New subject" }), 200, '"e4"');
    return failure(404, "EMAIL_NOT_FOUND", "Email not found");
  });
}

function renderEmail(id: string) {
  return renderAt(<DocumentDetail kind="email" />, `/emails/${id}`, "/emails/:id");
}

beforeEach(() => signIn());
afterEach(() => vi.unstubAllGlobals());

test("shows every field, the versions oldest first, and a word diff of two versions", async () => {
  stubEmails();
  const user = userEvent.setup();
  const { container } = renderEmail("e3");
  expect(await screen.findByRole("heading", { level: 1, name: "Globex intro" })).toBeInTheDocument();
  expect(screen.getByText("Réduire le reporting")).toBeInTheDocument();
  expect(screen.getByText("15 minutes on Thursday?")).toBeInTheDocument();
  expect(screen.getByText("first_name")).toBeInTheDocument();
  expect(await screen.findByRole("link", { name: "Dana Smith" })).toHaveAttribute("href", "/clients/c1");
  expect(screen.getByRole("link", { name: "Acme Reports" })).toHaveAttribute("href", "/products/p1");

  const section = screen.getByRole("region", { name: "Versions" });
  const rows = within(section).getAllByRole("row").slice(1);
  expect(rows.map((row) => within(row).getAllByRole("cell")[0]!.textContent)).toEqual([
    "Version 1",
    "Version 2",
    "Version 3 (this one)",
  ]);
  expect(within(rows[0]!).getByRole("link", { name: "Version 1" })).toHaveAttribute("href", "/emails/e1");

  expect(screen.getByLabelText("Older version")).toHaveValue("e2");
  expect(screen.getByLabelText("Newer version")).toHaveValue("e3");
  await user.selectOptions(screen.getByLabelText("Older version"), "Version 1");
  await user.click(screen.getByRole("button", { name: "Compare" }));

  const comparison = screen.getByRole("region", { name: "Comparison of version 1 and version 3" });
  const removed = Array.from(container.querySelectorAll(".compare-columns .diff del")).map((el) => el.textContent);
  const added = Array.from(container.querySelectorAll(".compare-columns .diff ins")).map((el) => el.textContent);
  expect(removed.join(" ")).toContain("Thursday");
  expect(removed.join(" ")).toContain("Cutting");
  expect(added.join(" ")).toContain("Friday morning");
  expect(added.join(" ")).toContain("Réduire");
  expect(within(comparison).getByText(/words added/)).toBeInTheDocument();
  expect(within(comparison).getByText(/Legend:/)).toHaveTextContent("struck-through");
  expect(within(comparison).getByRole("heading", { name: "Version 1 (older)" })).toBeInTheDocument();
});

test("copies the text and exports Markdown and an .eml addressed to the client", async () => {
  const blobs: Blob[] = [];
  const createObjectURL = vi.fn((blob: Blob) => {
    blobs.push(blob);
    return "blob:test";
  });
  Object.assign(URL, { createObjectURL, revokeObjectURL: vi.fn() });
  stubEmails();
  const user = userEvent.setup();
  // After setup(), which puts its own clipboard on the navigator.
  const writeText = vi.fn(async () => undefined);
  Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  renderEmail("e3");
  await screen.findByRole("link", { name: "Dana Smith" });

  await user.click(screen.getByRole("button", { name: "Copy" }));
  expect(writeText).toHaveBeenCalledWith("Subject: Réduire le reporting\n\nHi Dana,\n\nCould we meet on Friday morning?");
  expect(await screen.findByText("Copied to the clipboard.")).toBeInTheDocument();

  await user.click(screen.getByRole("button", { name: "Export Markdown" }));
  expect(screen.getByText("Downloaded globex-intro-v3.md.")).toBeInTheDocument();
  const markdown = await blobs[0]!.text();
  expect(markdown).toContain("# Globex intro");
  expect(markdown).toContain("for Dana Smith");
  expect(blobs[0]!.type).toContain("text/markdown");

  await user.click(screen.getByRole("button", { name: "Export .eml" }));
  expect(screen.getByText("Downloaded globex-intro-v3.eml.")).toBeInTheDocument();
  const eml = await blobs[1]!.text();
  expect(eml).toContain('To: "Dana Smith" <dana@globex.test>\r\n');
  expect(eml).toContain("From: sam@acme.test\r\n");
  expect(eml).toMatch(/Subject: =\?UTF-8\?B\?[A-Za-z0-9+/=]+\?=\r\n/);
  expect(eml).toContain("Content-Type: text/plain; charset=utf-8\r\n");
  expect(eml).toContain("\r\n\r\nHi Dana,\r\n\r\nCould we meet on Friday morning?\r\n");
});

test("an edit is sent with If-Match and opens the new version", async () => {
  let sentBody: unknown = null;
  let sentIfMatch: string | null = null;
  stubEmails((body, ifMatch) => {
    sentBody = JSON.parse(body);
    sentIfMatch = ifMatch;
    return json(sampleEmail({ id: "e4", version: 4, subject: "New subject" }), 201, '"e4"');
  });
  const user = userEvent.setup();
  renderEmail("e3");
  await user.click(await screen.findByRole("button", { name: "Edit" }));
  const subject = screen.getByLabelText("Subject");
  await user.clear(subject);
  await user.type(subject, "New subject");
  await user.click(screen.getByRole("button", { name: "Save as new version" }));

  await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/emails/e4"));
  expect(sentIfMatch).toBe('"etag-e3"');
  expect(sentBody).toMatchObject({
    name: "Globex intro",
    subject: "New subject",
    body: "Hi Dana,\n\nCould we meet on Friday morning?",
    call_to_action: "15 minutes on Thursday?",
    personalization_fields: ["first_name"],
    email_type: "cold_outreach",
  });
  expect(await screen.findByText("Saved as version 4.")).toBeInTheDocument();
});

test("a stale edit says the version changed, with the request id", async () => {
  stubEmails(() => failure(412, "PRECONDITION_FAILED", "The version changed since you loaded it."));
  const user = userEvent.setup();
  renderEmail("e3");
  await user.click(await screen.findByRole("button", { name: "Edit" }));
  await user.click(screen.getByRole("button", { name: "Save as new version" }));
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("Changed by someone else");
  expect(alert).toHaveTextContent("req_test");
  expect(screen.getByRole("button", { name: "Reload this document" })).toBeInTheDocument();
});

test("an older version links to the latest and cannot be edited; the latest offers its next version", async () => {
  stubEmails();
  renderEmail("e1");
  expect(await screen.findByText(/the latest is/)).toBeInTheDocument();
  await screen.findByRole("heading", { name: "Versions" });
  expect(screen.queryByRole("button", { name: "Edit" })).not.toBeInTheDocument();
  expect(screen.queryByRole("link", { name: "Generate next version" })).not.toBeInTheDocument();
  expect(screen.getByRole("link", { name: "version 3" })).toHaveAttribute("href", "/emails/e3");
});

test("a script shows its lists and objection handlers, and offers its next version", async () => {
  const script = sampleScript({ id: "s1", version: 1 });
  stubFetch((sent) => {
    if (sent.url.pathname === "/api/v1/scripts/s1") return json(script, 200, '"s1"');
    if (sent.url.pathname === "/api/v1/scripts/s1/versions") return json({ items: [script] });
    return failure(404, "NOT_FOUND", "Not found");
  });
  renderAt(<DocumentDetail kind="script" />, "/scripts/s1", "/scripts/:id");
  expect(await screen.findByText("Hi Dana, this is Sam from Acme.")).toBeInTheDocument();
  expect(screen.getByText("too expensive")).toBeInTheDocument();
  expect(screen.getByText("How do you report today?")).toBeInTheDocument();
  expect(screen.getByRole("heading", { name: "Closing techniques" })).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Export .eml" })).not.toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Generate next version" })).toHaveAttribute(
    "href",
    "/generate?kind=script&base_script_id=s1",
  );
  await screen.findByText(/only one version so far/);
});

test("a missing document shows the error", async () => {
  stubFetch(() => failure(404, "EMAIL_NOT_FOUND", "Email not found"));
  renderEmail("nope");
  const alert = await screen.findByRole("alert");
  expect(alert).toHaveTextContent("Email not found");
});
