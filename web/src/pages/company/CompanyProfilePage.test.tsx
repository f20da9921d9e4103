// The company profile: read-only for members, an empty form when there is none, PUT with If-Match.
import { failure, json, renderAt, signInAs, stubFetch } from "../products/shared/testing";
import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import CompanyProfilePage from "./CompanyProfilePage";

const profile = {
  org_id: "org_acme",
  industry: "software",
  company_size: "10-50",
  headquarters_city: "Berlin",
  headquarters_country: null,
  website: "https://acme.test",
  sales_team_size: 8,
  average_deal_size_usd: null,
  sales_cycle_days: null,
  target_market: null,
  market_segments: ["SMB"],
  primary_products: [],
  sales_regions: [],
  deal_types: [],
  sales_methodology: null,
  sales_stage: null,
  typical_buying_cycle: {},
  main_competitors: ["Initech"],
  competitive_advantages: [],
  unique_selling_points: [],
  company_description: "Acme sells CRM software.",
  notes: null,
  created_at: "2025-01-01T10:00:00Z",
  updated_at: "2025-01-02T10:00:00Z",
};

afterEach(() => vi.unstubAllGlobals());

test("members read the profile but cannot edit it", async () => {
  signInAs("member");
  stubFetch(() => json(profile, 200, '"p1"'));
  renderAt(<CompanyProfilePage />, "/company");

  expect(screen.getByRole("heading", { name: "Company profile" })).toBeInTheDocument();
  expect(await screen.findByText("Only admins can edit the company profile.")).toBeInTheDocument();
  expect(screen.getByText("Acme sells CRM software.")).toBeInTheDocument();
  expect(screen.getByText("10–50 people")).toBeInTheDocument();
  expect(screen.getByText("Initech")).toBeInTheDocument();
  expect(screen.queryByRole("button", { name: "Save profile" })).not.toBeInTheDocument();
  expect(screen.queryByRole("textbox")).not.toBeInTheDocument();
});

test("admins get an empty form when there is no profile yet, and PUT it without If-Match", async () => {
  signInAs("admin");
  const { sent } = stubFetch((request) =>
    request.method === "PUT"
      ? json({ ...profile, company_description: "We sell rockets." }, 201, '"p1"')
      : failure(404, "COMPANY_PROFILE_NOT_FOUND", "There is no company profile yet."),
  );
  renderAt(<CompanyProfilePage />, "/company");

  const description = await screen.findByLabelText("Company description");
  expect(description).toHaveValue("");
  expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  await userEvent.type(description, "We sell rockets.");
  await userEvent.selectOptions(screen.getByLabelText("Company size"), "1000+");
  await userEvent.type(screen.getByLabelText("Sales team size"), "12");
  await userEvent.click(screen.getByRole("button", { name: "Save profile" }));

  expect(await screen.findByText("Profile saved.")).toBeInTheDocument();
  const put = sent.find((entry) => entry.request.method === "PUT")!;
  expect(put.url.pathname).toBe("/api/v1/company-profile");
  expect(put.request.headers.has("If-Match")).toBe(false);
  const body = JSON.parse(put.body) as Record<string, unknown>;
  expect(body).toMatchObject({ company_description: "We sell rockets.", company_size: "1000+", sales_team_size: 12, industry: null });
  expect(body["market_segments"]).toEqual([]);
});

test("admins replace an existing profile with If-Match and see 422 messages under the fields", async () => {
  signInAs("admin");
  const { sent } = stubFetch((request) =>
    request.method === "PUT"
      ? failure(422, "VALIDATION_ERROR", "1 field is invalid", {
          fields: [{ field: "website", code: "invalid_url", message: "website must be an absolute http or https URL" }],
        })
      : json(profile, 200, '"p1"'),
  );
  renderAt(<CompanyProfilePage />, "/company");
  const website = await screen.findByLabelText("Website");
  await userEvent.clear(website);
  await userEvent.type(website, "acme.test");
  await userEvent.click(screen.getByRole("button", { name: "Save profile" }));

  expect(await screen.findByRole("alert")).toHaveTextContent("Please check the form");
  expect(website).toHaveAccessibleDescription(/website must be an absolute http or https URL/);
  const put = sent.find((entry) => entry.request.method === "PUT")!;
  expect(put.request.headers.get("If-Match")).toBe('"p1"');
  expect(JSON.parse(put.body)).toMatchObject({ website: "acme.test", industry: "software", main_competitors: ["Initech"] });
});
