// The web client end to end, in a real browser against the real server and the fake model:
// sign in, create a product and a client, generate an email and watch it stream and save, chat
// one turn, and open that chat's run in Pulse with its stages. Runs at desktop and phone widths.
import { expect, test } from "@playwright/test";
import { mintToken, signIn, snapshot } from "./support";

test("a rep's day: content, an email, a chat turn, and its run in Pulse", async ({ page }, testInfo) => {
  const suffix = `${testInfo.project.name}-${Date.now()}`;
  const productName = `Ledgerly ${suffix}`;
  const clientName = `Dana Reyes ${suffix}`;
  const token = mintToken("org_e2e", `rep-${testInfo.project.name}@acme.test`, "admin");

  await test.step("sign in with a development token", async () => {
    await page.goto("/");
    await snapshot(page, testInfo, "sign-in");
    await signIn(page, token);
    await expect(page.getByRole("heading", { name: "Products" })).toBeVisible();
  });

  await test.step("create a product", async () => {
    await page.goto("/products/new");
    await expect(page.getByRole("heading", { name: "New product" })).toBeVisible();
    await page.getByLabel("Name", { exact: true }).fill(productName);
    await page.getByLabel("Description", { exact: true }).fill("Month-end close in three days for mid-size finance teams.");
    await page.getByRole("button", { name: "Create product" }).click();
    await expect(page).toHaveURL(/\/products\/[0-9a-f-]{36}$/);
    await page.goto("/products");
    await page.getByLabel("Search").fill(productName);
    await page.getByLabel("Search").press("Enter");
    await expect(page.getByRole("link", { name: productName })).toBeVisible();
    await snapshot(page, testInfo, "products");
  });

  await test.step("create a client", async () => {
    await page.goto("/clients/new");
    await page.getByLabel("Name", { exact: true }).fill(clientName);
    await page.getByLabel("Company", { exact: true }).fill("Globeware");
    await page.getByRole("button", { name: "Create client" }).click();
    await expect(page).toHaveURL(/\/clients\/[0-9a-f-]{36}$/);
  });

  await test.step("generate an email, watch it stream, open the saved record", async () => {
    await page.goto("/generate");
    await expect(page.getByRole("heading", { name: "Generate" })).toBeVisible();
    await page.getByLabel("Kind").selectOption("email");
    await page.getByLabel("Client").selectOption({ label: `${clientName} (Globeware)` });
    await page.getByLabel("Product").selectOption({ label: productName });
    await page.getByRole("button", { name: "Generate" }).click();
    const streamed = page.getByRole("region", { name: "Generated text" });
    // The fake model writes a few characters every 25 ms: text shows before the record is saved.
    await expect(streamed).toContainText("written by the fake model");
    const saved = page.getByRole("link", { name: "Open saved email" }).first();
    await expect(saved).toBeVisible();
    await snapshot(page, testInfo, "generate");
    await saved.click();
    await expect(page).toHaveURL(/\/emails\/[0-9a-f-]{36}$/);
    await expect(page.getByText("The subject, written by the fake model.").first()).toBeVisible();
    await expect(page.getByRole("heading", { name: "Versions" })).toBeVisible();
    await snapshot(page, testInfo, "email");
  });

  await test.step("chat one turn with the assistant", async () => {
    await page.goto("/chat");
    await expect(page.getByRole("heading", { name: "Assistant" })).toBeVisible();
    await page.getByLabel("Message").fill("How do I open a call with a CFO?");
    await page.getByRole("button", { name: "Send" }).click();
    const conversation = page.getByRole("log", { name: "Conversation" });
    await expect(conversation).toContainText("How do I open a call with a CFO?");
    const answer = conversation.locator(".message.assistant").last();
    await expect(answer).toHaveAttribute("data-state", "complete");
    await expect(answer).toContainText("propose a two-week pilot");
    await snapshot(page, testInfo, "chat");
  });

  await test.step("open the chat's run in Pulse and see its stages", async () => {
    await page.goto("/pulse?tab=runs");
    await expect(page.getByRole("heading", { name: "Pulse" })).toBeVisible();
    const chatRun = page.getByRole("row").filter({ hasText: "chat" }).first().getByRole("link").first();
    await chatRun.click();
    await expect(page).toHaveURL(/\/pulse\/runs\/[0-9a-f-]{36}$/);
    await expect(page.getByRole("heading", { name: "Stages" })).toBeVisible();
    const timeline = page.getByRole("list", { name: "Stage timeline" });
    for (const stage of ["input_guard", "llm", "output_guard", "persist"]) {
      await expect(timeline.locator(`[data-stage="${stage}"]`).first()).toBeVisible();
    }
    await expect(page.getByRole("heading", { name: "Events" })).toBeVisible();
    await snapshot(page, testInfo, "pulse-run");
  });
});

test("another organization's record answers not found", async ({ page }, testInfo) => {
  const owner = mintToken("org_e2e", `owner-${testInfo.project.name}@acme.test`, "admin");
  const outsider = mintToken("org_other", `outsider-${testInfo.project.name}@other.test`, "admin");
  const created = await page.request.post("/api/v1/products", {
    headers: { Authorization: `Bearer ${owner}`, "Idempotency-Key": crypto.randomUUID() },
    data: { name: `Private ${testInfo.project.name} ${Date.now()}` },
  });
  expect(created.status()).toBe(201);
  const { id } = (await created.json()) as { id: string };
  await signIn(page, outsider);
  await expect(page.getByRole("heading", { name: "Products" })).toBeVisible();
  await page.goto(`/products/${id}`);
  const alert = page.getByRole("alert");
  await expect(alert).toContainText("Not found");
  await expect(alert).toContainText("Request id");
  await snapshot(page, testInfo, "not-found");
});
