import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { createSimulator } from "./test/sim/index.ts";

// One simulator for the whole run: every outbound fetch from the Worker goes to it, routed by hostname.
const sim = createSimulator();

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        outboundService: (request: Request) => sim.fetch(request),
        bindings: {
          ENVIRONMENT: "test",
          DEV_API_KEY: "ig_test_0000000000000000000000000000test",
          FILE_SIGNING_SECRET: "test-file-signing-secret",
          ADMIN_TOKEN: "test-admin-token-0123456789",
          SANDBOX_LATENCY_MS: "1000",
        },
      },
    }),
  ],
  test: {
    include: ["test/{unit,integration}/**/*.test.ts"],
    testTimeout: 30_000,
    // The Worker logs a JSON line per request and per job transition; show them only for a failing test.
    silent: "passed-only",
  },
});
