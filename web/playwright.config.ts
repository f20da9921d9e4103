// End-to-end tests in Debian's Chromium (no browser download) against the real server, with the
// fake model (`fake-llm`) standing in for an OpenAI-compatible provider. Both binaries are built
// by cargo beforehand (`.ci/run`, or `../scripts/e2e.sh`); screenshots go to e2e-artifacts/.
import { defineConfig, devices } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { hellosalesBin } from "./e2e/support";

const here = fileURLToPath(new URL(".", import.meta.url));
const targetDir = process.env.CARGO_TARGET_DIR ?? resolve(here, "../target");
const fakeLlmBin = process.env.FAKE_LLM_BIN ?? join(targetDir, "debug/fake-llm");
const port = Number(process.env.E2E_PORT ?? 18000);
const fakePort = Number(process.env.E2E_FAKE_LLM_PORT ?? 18090);
// One data directory per run, shared with the tests (they mint their token in it).
const dataDir = process.env.E2E_DATA_DIR ?? mkdtempSync(join(tmpdir(), "hellosales-e2e-"));
process.env.E2E_DATA_DIR = dataDir;

const serverEnv: Record<string, string> = {
  ENVIRONMENT: "development",
  HELLOSALES_BIND: `127.0.0.1:${port}`,
  HELLOSALES_METRICS_BIND: "127.0.0.1:0",
  HELLOSALES_DATA_DIR: dataDir,
  HELLOSALES_WEB_DIR: resolve(here, "dist"),
  LLM_PROVIDER: "openai",
  LLM_MODEL: "gpt-4o-mini",
  OPENAI_BASE_URL: `http://127.0.0.1:${fakePort}/v1`,
  OPENAI_API_KEY: "e2e-not-a-secret",
  EMBEDDING_PROVIDER: "none",
  LOCAL_MODEL_PRELOAD: "false",
  LOG_FORMAT: "pretty",
  LOG_LEVEL: "warn",
};

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { outputFolder: "playwright-report", open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "desktop", use: { ...devices["Desktop Chrome"], viewport: { width: 1280, height: 800 } } },
    { name: "phone", use: { ...devices["Pixel 7"], browserName: "chromium" } },
  ],
  webServer: [
    {
      command: `${fakeLlmBin} 127.0.0.1:${fakePort}`,
      port: fakePort,
      reuseExistingServer: false,
      stdout: "pipe",
    },
    {
      command: `${hellosalesBin} serve`,
      url: `http://127.0.0.1:${port}/health/ready`,
      env: serverEnv,
      reuseExistingServer: false,
      timeout: 120_000,
      stdout: "pipe",
      stderr: "pipe",
    },
  ],
});
