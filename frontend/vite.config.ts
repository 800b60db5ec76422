/// <reference types="vitest/config" />
// Vite build of the dashboard (served by the gateway from frontend/dist) and the Vitest set-up.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// `npm run dev` proxies every API path to the gateway so the browser still sees one origin.
const GATEWAY = process.env.SELLERBOT_GATEWAY_URL ?? "http://127.0.0.1:8000";
const API_PREFIXES = ["/auth", "/team", "/bot", "/seller-bot", "/metrics", "/docs", "/openapi.json"];

export default defineConfig({
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  server: {
    host: "127.0.0.1",
    port: Number(process.env.PORT ?? 5173),
    proxy: {
      ...Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, { target: GATEWAY, changeOrigin: true }])),
      "/ws": { target: GATEWAY.replace(/^http/, "ws"), ws: true, changeOrigin: true },
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    restoreMocks: true,
    testTimeout: 30_000,
    pool: "threads",
  },
});
