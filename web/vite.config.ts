/// <reference types="vitest/config" />
// Vite builds the client into dist/ (served by the HelloSales server at /); `npm run dev`
// proxies the API to a server on 127.0.0.1:8000.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const api = process.env.HELLOSALES_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", sourcemap: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      "/api": api,
      "/openapi.json": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
  },
});
