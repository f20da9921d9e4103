// The fields of a product form, in the order shown (see crates/domain/src/content/product.rs).
import type { FieldSpec } from "./shared/fieldSpec";
import type { components } from "../../api/schema";

type ProductKey = keyof components["schemas"]["ProductInput"] & string;

export const PRODUCT_FIELDS: readonly FieldSpec<ProductKey>[] = [
  { key: "name", label: "Name", kind: "text", required: true },
  { key: "category", label: "Category", kind: "text", hint: "For example: software, hardware, services." },
  { key: "description", label: "Description", kind: "textarea", wide: true },
  { key: "key_features", label: "Key features", kind: "lines" },
  { key: "use_cases", label: "Use cases", kind: "lines" },
  { key: "target_audience", label: "Target audience", kind: "textarea" },
  { key: "competitive_advantages", label: "Competitive advantages", kind: "textarea" },
  {
    key: "pricing_info",
    label: "Pricing",
    kind: "json",
    wide: true,
    hint: 'A JSON object, for example {"plan": "pro", "usd_per_seat_month": 49}. Leave empty for none.',
  },
];
