// Component tests of the scripts and emails lists: rows linking to each version, the query sent
// (latest versions by default), filters, search and pages.
import { CLIENT, PRODUCT, failure, json, page, renderAt, signIn, stubFetch } from "./testSupport";
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { sampleEmail, sampleScript } from "../../lib/documents/fixtures";
import DocumentsPage from "./DocumentsPage";

function stubLists(answer: (url: URL) => Response) {
  return stubFetch((sent) => {
    if (sent.url.pathname === "/api/v1/clients") return page([CLIENT]);
    if (sent.url.pathname === "/api/v1/products") return page([PRODUCT]);
    return answer(sent.url);
  });
}

beforeEach(() => signIn());
afterEach(() => vi.unstubAllGlobals());

test("lists the latest emails, each linking to its screen", async () => {
  const { sent } = stubLists(() =>
    json({ items: [sampleEmail({ id: "e1", client_id: "c1", version: 2 })], total: 1, limit: 20, offset: 0 }),
  );
  renderAt(<DocumentsPage kind="email" />, "/emails", "/emails");
  expect(screen.getByRole("heading", { name: "Emails" })).toBeInTheDocument();
  expect(await screen.findByRole("link", { name: "Globex intro" })).toHaveAttribute("href", "/emails/e1");
  const row = screen.getByRole("link", { name: "Globex intro" }).closest("tr")!;
  expect(within(row).getByText("Cutting Globex's reporting time in half")).toBeInTheDocument();
  expect(within(row).getByText("Cold outreach")).toBeInTheDocument();
  await waitFor(() => expect(within(row).getByText("Dana Smith (Globex)")).toBeInTheDocument());
  const list = sent.find((s) => s.url.pathname === "/api/v1/emails")!;
  expect(Object.fromEntries(list.url.searchParams)).toEqual({ latest_only: "true", sort: "-created_at", limit: "20", offset: "0" });
  expect(screen.getByRole("link", { name: "Generate an email" })).toHaveAttribute("href", "/generate?kind=email");
});

test("sends the search, filters and sort, and pages", async () => {
  const { sent } = stubLists((url) => {
    const offset = Number(url.searchParams.get("offset"));
    return json({ items: [sampleScript({ id: `s${offset}`, name: `Script at ${offset}` })], total: 25, limit: 20, offset });
  });
  const user = userEvent.setup();
  renderAt(<DocumentsPage kind="script" />, "/scripts", "/scripts");
  expect(screen.getByRole("heading", { name: "Scripts" })).toBeInTheDocument();
  await screen.findByRole("link", { name: "Script at 0" });
  await screen.findByRole("option", { name: "Acme Reports" });

  await user.type(screen.getByLabelText("Search"), "globex");
  await user.click(screen.getByRole("button", { name: "Search" }));
  await user.selectOptions(screen.getByLabelText("Type"), "Demo");
  await user.selectOptions(screen.getByLabelText("Client"), "c1");
  await user.selectOptions(screen.getByLabelText("Product"), "p1");
  await user.selectOptions(screen.getByLabelText("Sort"), "Name A–Z");
  await user.click(screen.getByLabelText("Latest versions only"));
  await waitFor(() => {
    const last = sent.filter((s) => s.url.pathname === "/api/v1/scripts").at(-1)!;
    expect(Object.fromEntries(last.url.searchParams)).toEqual({
      q: "globex",
      script_type: "demo",
      client_id: "c1",
      product_id: "p1",
      latest_only: "false",
      sort: "name",
      limit: "20",
      offset: "0",
    });
  });
  expect(screen.getByTestId("location")).toHaveTextContent("latest_only=false");

  await user.click(screen.getByRole("button", { name: "Next" }));
  expect(await screen.findByRole("link", { name: "Script at 20" })).toBeInTheDocument();
  expect(sent.filter((s) => s.url.pathname === "/api/v1/scripts").at(-1)!.url.searchParams.get("q")).toBe("globex");
});

test("says when nothing matches, and shows a failed list", async () => {
  stubLists((url) =>
    url.searchParams.get("q") ? failure(422, "VALIDATION_ERROR", "q is too long") : json({ items: [], total: 0, limit: 20, offset: 0 }),
  );
  const user = userEvent.setup();
  renderAt(<DocumentsPage kind="email" />, "/emails", "/emails");
  expect(await screen.findByText("No emails yet.")).toBeInTheDocument();
  await user.type(screen.getByLabelText("Search"), "x");
  await user.click(screen.getByRole("button", { name: "Search" }));
  expect(await screen.findByRole("alert")).toHaveTextContent("q is too long");
});
