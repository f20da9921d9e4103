// /products/new and /products/:id: create or edit a product, archive or delete it, and start
// writing a script or an email about it.
import { RecordEditor } from "./shared/RecordEditor";
import { PRODUCT_FIELDS } from "./productFields";
import { productCalls } from "./productApi";

export default function ProductEditor() {
  return (
    <RecordEditor
      noun="product"
      basePath="/products"
      newHeading="New product"
      createLabel="Create product"
      specs={PRODUCT_FIELDS}
      generateParam="product_id"
      calls={productCalls}
    />
  );
}
