// The product editor: create, 422 messages under their fields, PATCH with If-Match and only the
// changed fields, 412 with a reload, archive and hard delete.
import { failure, json, renderAt, signInAs, stubFetch } from "./shared/testing";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import ProductEditor from "./ProductEditor";

const stored = {
  id: "prd_1",
  org_id: "org_acme",
  name: "Acme CRM",
  description: "A CRM for small teams",
  category: "software",
  key_features: ["pipeline view", "email sync"],
  pricing_info: { usd_per_seat_month: 49 },
  target_audience: null,
  competitive_advantages: null,
  use_cases: [],
  is_active: true,
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T10:00:00Z",
};

const ROUTES = ["/products/new", "/products/:id"];

beforeEach(() => signInAs("member"));
afterEach(() => vi.unstubAllGlobals());

test("creates a product and opens it", async () => {
  const { sent } = stubFetch((request) =>
    request.method === "POST" ? json({ ...stored, name: "Acme Dialer" }, 201, '"v1"') : json(stored, 200, '"v1"'),
  );
  renderAt(<ProductEditor />, "/products/new", ROUTES);

  expect(screen.getByRole("heading", { name: "New product" })).toBeInTheDocument();
  await userEvent.type(screen.getByLabelText("Name"), "Acme Dialer");
  await userEvent.type(screen.getByLabelText("Description"), "Calls, faster");
  await userEvent.type(screen.getByLabelText("Key features"), "auto dial{Enter}{Enter}call notes");
  await userEvent.click(screen.getByRole("button", { name: "Create product" }));

  await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/products/prd_1"));
  const post = sent.find((entry) => entry.request.method === "POST")!;
  expect(post.url.pathname).toBe("/api/v1/products");
  expect(JSON.parse(post.body)).toEqual({
    name: "Acme Dialer",
    description: "Calls, faster",
    key_features: ["auto dial", "call notes"],
  });
  expect(await screen.findByText("The product was created.")).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "Write a script" })).toHaveAttribute("href", "/generate?product_id=prd_1&kind=script");
  expect(screen.getByRole("link", { name: "Write an email" })).toHaveAttribute("href", "/generate?product_id=prd_1&kind=email");
});

test("shows each 422 message under its field", async () => {
  stubFetch(() =>
    failure(422, "VALIDATION_ERROR", "2 fields are invalid", {
      fields: [
        { field: "name", code: "required", message: "name is required" },
        { field: "key_features[1]", code: "too_long", message: "key_features[1] has 1200 characters" },
      ],
    }),
  );
  renderAt(<ProductEditor />, "/products/new", ROUTES);
  await userEvent.type(screen.getByLabelText("Key features"), "ok{Enter}very long");
  await userEvent.click(screen.getByRole("button", { name: "Create product" }));

  const name = screen.getByLabelText("Name");
  await waitFor(() => expect(name).toHaveAccessibleDescription("name is required"));
  expect(name).toHaveAttribute("aria-invalid", "true");
  expect(screen.getByLabelText("Key features")).toHaveAccessibleDescription(/Line 2: key_features\[1\] has 1200 characters/);
  expect(screen.getByLabelText("Description")).not.toHaveAttribute("aria-invalid");
  expect(screen.getByRole("alert")).toHaveTextContent("Please check the form");
});

test("refuses pricing that is not a JSON object without sending", async () => {
  const { sent } = stubFetch(() => json(stored, 201));
  renderAt(<ProductEditor />, "/products/new", ROUTES);
  await userEvent.type(screen.getByLabelText("Name"), "Acme");
  await userEvent.type(screen.getByLabelText("Pricing"), "49 dollars");
  await userEvent.click(screen.getByRole("button", { name: "Create product" }));

  expect(screen.getByLabelText("Pricing")).toHaveAccessibleDescription(/must be a JSON object/);
  expect(sent).toHaveLength(0);
});

test("PATCH sends If-Match and only the changed fields", async () => {
  const { sent } = stubFetch((request) =>
    request.method === "PATCH"
      ? json({ ...stored, description: "For busy sales teams", use_cases: ["renewals"] }, 200, '"v2"')
      : json(stored, 200, '"v1"'),
  );
  renderAt(<ProductEditor />, "/products/prd_1", ROUTES);

  const description = await screen.findByLabelText("Description");
  expect(screen.getByRole("heading", { name: "Acme CRM" })).toBeInTheDocument();
  expect(screen.getByLabelText("Pricing")).toHaveValue(JSON.stringify({ usd_per_seat_month: 49 }, null, 2));
  await userEvent.clear(description);
  await userEvent.type(description, "For busy sales teams");
  await userEvent.type(screen.getByLabelText("Use cases"), "renewals");
  await userEvent.click(screen.getByRole("button", { name: "Save changes" }));

  expect(await screen.findByText("Changes saved.")).toBeInTheDocument();
  const patch = sent.find((entry) => entry.request.method === "PATCH")!;
  expect(patch.url.pathname).toBe("/api/v1/products/prd_1");
  expect(patch.request.headers.get("If-Match")).toBe('"v1"');
  expect(JSON.parse(patch.body)).toEqual({ description: "For busy sales teams", use_cases: ["renewals"] });

  // The next save is conditional on the new ETag, and nothing changed means nothing is sent.
  await userEvent.click(screen.getByRole("button", { name: "Save changes" }));
  expect(await screen.findByText("Nothing has changed.")).toBeInTheDocument();
  expect(sent.filter((entry) => entry.request.method === "PATCH")).toHaveLength(1);
});

test("a 412 says someone else changed it and Reload shows their version", async () => {
  let version = 1;
  const { sent } = stubFetch((request) => {
    if (request.method === "PATCH") return failure(412, "PRECONDITION_FAILED", "The product changed since you read it.");
    return json({ ...stored, name: version === 1 ? "Acme CRM" : "Acme CRM 2" }, 200, `"v${version}"`);
  });
  renderAt(<ProductEditor />, "/products/prd_1", ROUTES);
  const name = await screen.findByLabelText("Name");
  await userEvent.type(name, " Pro");
  await userEvent.click(screen.getByRole("button", { name: "Save changes" }));

  expect(await screen.findByRole("alert")).toHaveTextContent(/changed by someone else/i);
  version = 2;
  await userEvent.click(screen.getByRole("button", { name: "Reload" }));
  await waitFor(() => expect(screen.getByLabelText("Name")).toHaveValue("Acme CRM 2"));
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  expect(sent.filter((entry) => entry.request.method === "GET")).toHaveLength(2);
});

test("archives after a confirmation, with If-Match; members cannot delete for good", async () => {
  let active = true;
  const { sent } = stubFetch((request) => {
    if (request.method === "DELETE") {
      active = false;
      return new Response(null, { status: 204 });
    }
    return json({ ...stored, is_active: active }, 200, active ? '"v1"' : '"v2"');
  });
  renderAt(<ProductEditor />, "/products/prd_1", ROUTES);
  await userEvent.click(await screen.findByRole("button", { name: "Archive" }));
  expect(screen.queryByRole("button", { name: "Delete permanently" })).not.toBeInTheDocument();
  expect(sent.filter((entry) => entry.request.method === "DELETE")).toHaveLength(0);
  await userEvent.click(screen.getByRole("button", { name: "Yes, archive" }));

  expect(await screen.findByText("The product was archived.")).toBeInTheDocument();
  const remove = sent.find((entry) => entry.request.method === "DELETE")!;
  expect(remove.url.pathname).toBe("/api/v1/products/prd_1");
  expect(remove.url.searchParams.has("hard")).toBe(false);
  expect(remove.request.headers.get("If-Match")).toBe('"v1"');
  expect(screen.getByRole("button", { name: "Restore" })).toBeInTheDocument();
});

test("admins delete permanently with ?hard=true and go back to the list", async () => {
  signInAs("admin");
  const { sent } = stubFetch((request) =>
    request.method === "DELETE" ? new Response(null, { status: 204 }) : json(stored, 200, '"v1"'),
  );
  renderAt(<ProductEditor />, "/products/prd_1", ROUTES);
  await userEvent.click(await screen.findByRole("button", { name: "Delete permanently" }));
  await userEvent.click(screen.getByRole("button", { name: "Yes, delete permanently" }));

  await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/products$/));
  const remove = sent.find((entry) => entry.request.method === "DELETE")!;
  expect(remove.url.searchParams.get("hard")).toBe("true");
});
