// The fields of the company profile form, in the order shown
// (see crates/domain/src/content/company_profile.rs).
import type { FieldSpec } from "../products/shared/fieldSpec";
import type { components } from "../../api/schema";

type ProfileKey = keyof components["schemas"]["CompanyProfileInput"] & string;

export const COMPANY_SIZES = [
  { value: "startup", label: "Startup" },
  { value: "1-10", label: "1–10 people" },
  { value: "10-50", label: "10–50 people" },
  { value: "50-200", label: "50–200 people" },
  { value: "200-1000", label: "200–1,000 people" },
  { value: "1000+", label: "More than 1,000 people" },
];

export const PROFILE_FIELDS: readonly FieldSpec<ProfileKey>[] = [
  { key: "company_description", label: "Company description", kind: "textarea", wide: true, hint: "Who you are and what you sell." },
  { key: "industry", label: "Industry", kind: "text" },
  { key: "company_size", label: "Company size", kind: "select", options: COMPANY_SIZES },
  { key: "headquarters_city", label: "Headquarters city", kind: "text" },
  { key: "headquarters_country", label: "Headquarters country", kind: "text" },
  { key: "website", label: "Website", kind: "url", hint: "A full address, like https://example.com." },
  { key: "target_market", label: "Target market", kind: "textarea" },
  { key: "sales_team_size", label: "Sales team size", kind: "number", hint: "Number of sales people." },
  { key: "average_deal_size_usd", label: "Average deal size (USD)", kind: "number" },
  { key: "sales_cycle_days", label: "Sales cycle (days)", kind: "number" },
  { key: "sales_methodology", label: "Sales methodology", kind: "text", hint: "For example: consultative, MEDDIC, SPIN." },
  { key: "sales_stage", label: "Sales maturity", kind: "text", hint: "early, growing, mature or enterprise." },
  { key: "market_segments", label: "Market segments", kind: "lines" },
  { key: "primary_products", label: "Primary products", kind: "lines" },
  { key: "sales_regions", label: "Sales regions", kind: "lines" },
  { key: "deal_types", label: "Deal types", kind: "lines" },
  { key: "main_competitors", label: "Main competitors", kind: "lines" },
  { key: "competitive_advantages", label: "Competitive advantages", kind: "lines" },
  { key: "unique_selling_points", label: "Unique selling points", kind: "lines" },
  {
    key: "typical_buying_cycle",
    label: "Typical buying cycle",
    kind: "json",
    wide: true,
    hint: 'A JSON object, for example {"stages": ["discovery", "demo", "proposal"]}. Leave empty for none.',
  },
  { key: "notes", label: "Notes", kind: "textarea", wide: true },
];
