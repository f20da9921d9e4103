// The client list (industry filter, rows) and editor (create body, PATCH with If-Match, links).
import { json, renderAt, signInAs, stubFetch } from "../products/shared/testing";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import ClientsPage from "./ClientsPage";
import ClientEditor from "./ClientEditor";

const dana = {
  id: "cli_1",
  org_id: "org_acme",
  name: "Dana Smith",
  company: "Globex",
  title: "VP Sales",
  industry: "logistics",
  email: "dana@globex.test",
  pain_points: ["manual reporting"],
  goals: [],
  objection_patterns: [],
  communication_style: null,
  decision_criteria: [],
  is_active: true,
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T10:00:00Z",
};

const ROUTES = ["/clients/new", "/clients/:id"];

beforeEach(() => signInAs("member"));
afterEach(() => vi.unstubAllGlobals());

test("lists clients with their company and filters by industry", async () => {
  const { sent } = stubFetch(() => json({ items: [dana], total: 1, limit: 20, offset: 0 }));
  renderAt(<ClientsPage />, "/clients");
  expect(screen.getByRole("heading", { name: "Clients" })).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "New client" })).toHaveAttribute("href", "/clients/new");
  expect(await screen.findByRole("link", { name: "Dana Smith" })).toHaveAttribute("href", "/clients/cli_1");
  expect(screen.getByRole("cell", { name: "Globex" })).toBeInTheDocument();

  await userEvent.type(screen.getByLabelText("Industry"), "logistics");
  await waitFor(() => expect(sent.at(-1)!.url.searchParams.get("industry")).toBe("logistics"));
  expect(sent.at(-1)!.url.pathname).toBe("/api/v1/clients");
});

test("creates a client with the fields filled in", async () => {
  const { sent } = stubFetch((request) => json(dana, request.method === "POST" ? 201 : 200, '"v1"'));
  renderAt(<ClientEditor />, "/clients/new", ROUTES);
  expect(screen.getByRole("heading", { name: "New client" })).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Name"), "Dana Smith");
  await userEvent.type(screen.getByLabelText("Company"), "Globex");
  await userEvent.type(screen.getByLabelText("Pain points"), "manual reporting");
  await userEvent.click(screen.getByRole("button", { name: "Create client" }));

  await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/clients/cli_1"));
  const post = sent.find((entry) => entry.request.method === "POST")!;
  expect(post.url.pathname).toBe("/api/v1/clients");
  expect(JSON.parse(post.body)).toEqual({ name: "Dana Smith", company: "Globex", pain_points: ["manual reporting"] });
  expect(await screen.findByRole("link", { name: "Write an email" })).toHaveAttribute("href", "/generate?client_id=cli_1&kind=email");
});

test("clearing a field sends null for it alone, with If-Match", async () => {
  const { sent } = stubFetch((request) =>
    request.method === "PATCH" ? json({ ...dana, title: null }, 200, '"v2"') : json(dana, 200, '"v1"'),
  );
  renderAt(<ClientEditor />, "/clients/cli_1", ROUTES);
  await userEvent.clear(await screen.findByLabelText("Job title"));
  await userEvent.click(screen.getByRole("button", { name: "Save changes" }));

  expect(await screen.findByText("Changes saved.")).toBeInTheDocument();
  const patch = sent.find((entry) => entry.request.method === "PATCH")!;
  expect(patch.request.headers.get("If-Match")).toBe('"v1"');
  expect(JSON.parse(patch.body)).toEqual({ title: null });
});
