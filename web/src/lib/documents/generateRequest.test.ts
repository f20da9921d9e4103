// Unit tests of the request the generation form makes.
import { describe, expect, it } from "vitest";
import { checkForm, emptyForm, generateRequest } from "./generateRequest";

describe("generateRequest", () => {
  it("posts a script request with only the options given", () => {
    const form = { ...emptyForm("script"), clientId: "c1", tone: "  consultative ", variants: 2, callToAction: "ignored" };
    expect(generateRequest(form)).toEqual({
      path: "/api/v1/scripts/generate",
      body: { client_id: "c1", script_type: "cold_call", tone: "consultative", length: "medium", variants: 2 },
    });
  });

  it("posts an email request with its call to action and base", () => {
    const form = { ...emptyForm("email"), productId: "p1", callToAction: "Book a call", baseId: "e1", variants: 3 };
    expect(generateRequest(form)).toEqual({
      path: "/api/v1/emails/generate",
      body: {
        product_id: "p1",
        email_type: "cold_outreach",
        length: "medium",
        call_to_action: "Book a call",
        variants: 1,
        base_email_id: "e1",
      },
    });
  });

  it("asks for a client or a product unless a base gives them", () => {
    expect(checkForm(emptyForm("script"))).toHaveProperty("client_id");
    expect(checkForm({ ...emptyForm("script"), baseId: "s1" })).toEqual({});
    expect(checkForm({ ...emptyForm("email"), clientId: "c1" })).toEqual({});
  });
});
