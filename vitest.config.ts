import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { createSimulator } from "./test/sim/index.ts";

// One simulator for the whole run: every outbound fetch from the Worker goes to it, routed by hostname.
const sim = createSimulator();

// Cases per surface for the fuzz tests (test/fuzz): a quick run in `npm test`, FUZZ_RUNS=10000 in `npm run fuzz`.
const fuzzRuns = Number(process.env.FUZZ_RUNS) || 300;

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
    include: ["test/{unit,integration,fuzz}/**/*.test.ts"],
    testTimeout: 30_000,
    provide: { fuzzRuns, fuzzSeed: Number(process.env.FUZZ_SEED) || null },
  },
});
