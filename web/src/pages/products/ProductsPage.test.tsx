// The product list: rows from the API, search, filters and the empty state.
import { json, renderAt, signInAs, stubFetch } from "./shared/testing";
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import ProductsPage from "./ProductsPage";

const product = (id: string, name: string, extra: Record<string, unknown> = {}) => ({
  id,
  org_id: "org_acme",
  name,
  description: null,
  category: "software",
  key_features: [],
  pricing_info: {},
  target_audience: null,
  competitive_advantages: null,
  use_cases: [],
  is_active: true,
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T10:00:00Z",
  ...extra,
});

const page = (items: unknown[], total = items.length) => json({ items, total, limit: 20, offset: 0 });

beforeEach(() => signInAs("member"));
afterEach(() => vi.unstubAllGlobals());

test("renders a row per product, each linking to its editor", async () => {
  const { sent } = stubFetch(() => page([product("prd_1", "Acme CRM"), product("prd_2", "Acme Dialer", { is_active: false })]));
  renderAt(<ProductsPage />, "/products");

  expect(screen.getByRole("heading", { name: "Products" })).toBeInTheDocument();
  expect(screen.getByRole("link", { name: "New product" })).toHaveAttribute("href", "/products/new");
  expect(await screen.findByRole("link", { name: "Acme CRM" })).toHaveAttribute("href", "/products/prd_1");
  expect(screen.getByRole("link", { name: "Acme Dialer" })).toHaveAttribute("href", "/products/prd_2");
  expect(screen.getByText("Archived")).toBeInTheDocument();
  expect(screen.getByRole("columnheader", { name: "Category" })).toBeInTheDocument();

  const first = sent[0]!.url;
  expect(first.pathname).toBe("/api/v1/products");
  expect(first.searchParams.get("limit")).toBe("20");
  expect(first.searchParams.get("offset")).toBe("0");
  expect(first.searchParams.get("is_active")).toBe("true");
  expect(first.searchParams.get("sort")).toBe("-created_at");
  expect(first.searchParams.has("q")).toBe(false);
});

test("sends the search text as q", async () => {
  const { sent } = stubFetch((request) =>
    new URL(request.url).searchParams.get("q") === "crm" ? page([product("prd_1", "Acme CRM")]) : page([]),
  );
  renderAt(<ProductsPage />, "/products");
  await screen.findByText(/There are no active products/);

  await userEvent.type(screen.getByLabelText("Search"), "crm");
  expect(await screen.findByRole("link", { name: "Acme CRM" })).toBeInTheDocument();
  const searched = sent.filter((entry) => entry.url.searchParams.has("q"));
  expect(searched.map((entry) => entry.url.searchParams.get("q"))).toEqual(["crm"]);
  expect(screen.getByTestId("location")).toHaveTextContent("/products?q=crm");
});

test("filters by category, shows archived, sorts by name and says when nothing matches", async () => {
  const { sent } = stubFetch(() => page([]));
  renderAt(<ProductsPage />, "/products");
  await screen.findByText(/There are no active products/);

  await userEvent.click(screen.getByLabelText("Show archived"));
  await waitFor(() => expect(sent.at(-1)!.url.searchParams.has("is_active")).toBe(false));

  await userEvent.selectOptions(screen.getByLabelText("Sort by"), "name");
  await waitFor(() => expect(sent.at(-1)!.url.searchParams.get("sort")).toBe("name"));

  await userEvent.type(screen.getByLabelText("Category"), "hardware{Enter}");
  await waitFor(() => expect(sent.at(-1)!.url.searchParams.get("category")).toBe("hardware"));
  expect(await screen.findByText(/No products match this search/)).toBeInTheDocument();
});

test("pages through the list 20 at a time", async () => {
  const items = Array.from({ length: 20 }, (_, index) => product(`prd_${index}`, `Product ${index}`));
  const { sent } = stubFetch(() => page(items, 45));
  renderAt(<ProductsPage />, "/products");
  await screen.findByRole("link", { name: "Product 0" });

  await userEvent.click(screen.getByRole("button", { name: "Next" }));
  await waitFor(() => expect(sent.at(-1)!.url.searchParams.get("offset")).toBe("20"));
});

test("shows a failed load in words", async () => {
  stubFetch(() => json({ code: "INTERNAL", message: "The database is down.", request_id: "req_9" }, 500));
  renderAt(<ProductsPage />, "/products");
  expect(await screen.findByRole("alert")).toHaveTextContent("The database is down.");
  expect(screen.getByRole("alert")).toHaveTextContent("req_9");
});
