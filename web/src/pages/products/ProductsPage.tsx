// /products: the organization's products, searchable and filterable by category.
import { RecordList, shortDate, type Column } from "./shared/RecordList";
import { listProducts, type Product } from "./productApi";

const COLUMNS: Column<Product>[] = [
  { header: "Category", cell: (product) => product.category ?? <span className="muted">—</span> },
  { header: "Updated", cell: (product) => shortDate(product.updated_at) },
];

const SORTS = [
  { value: "-created_at", label: "Newest first" },
  { value: "name", label: "Name (A–Z)" },
  { value: "-updated_at", label: "Recently changed" },
];

export default function ProductsPage() {
  return (
    <RecordList
      title="Products"
      noun="product"
      plural="products"
      basePath="/products"
      newLabel="New product"
      filter={{ key: "category", label: "Category", hint: "Exact category name." }}
      searchHint="Looks in the name, description, category and target audience."
      sorts={SORTS}
      columns={COLUMNS}
      fetchPage={listProducts}
    />
  );
}
