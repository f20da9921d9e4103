// What the end-to-end tests share: the server binary, the run's data directory, development
// tokens minted with `hellosales token`, signing in, and screenshots at the project's width.
import { execFileSync } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page, TestInfo } from "@playwright/test";

const here = fileURLToPath(new URL(".", import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(here, "../../target");
export const hellosalesBin = process.env.HELLOSALES_BIN ?? join(targetDir, "debug/hellosales");

/** A development token for a user of `org`, minted in the run's data directory. */
export function mintToken(org: string, email: string, role: "admin" | "member"): string {
  const dataDir = process.env.E2E_DATA_DIR;
  if (!dataDir) throw new Error("E2E_DATA_DIR is not set: run the tests through playwright.config.ts");
  return execFileSync(hellosalesBin, ["token", "--org", org, "--email", email, "--role", role], {
    env: { ...process.env, ENVIRONMENT: "development", HELLOSALES_DATA_DIR: dataDir, LOG_LEVEL: "error" },
    encoding: "utf8",
  }).trim();
}

/** Signs in through the sign-in screen with a development token. */
export async function signIn(page: Page, token: string): Promise<void> {
  await page.goto("/");
  await page.getByLabel("Development token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A full-page screenshot named after the screen and the project (desktop / phone). */
export async function snapshot(page: Page, testInfo: TestInfo, screen: string): Promise<void> {
  const path = resolve(here, "../e2e-artifacts", `${testInfo.project.name}-${screen}.png`);
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach(screen, { path, contentType: "image/png" });
}
