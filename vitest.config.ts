import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { buildAssets } from "./scripts/assets.mjs";
import { clockOffsetMs, moveDate } from "./test/clock/move.ts";
import { createSimulator } from "./test/sim/index.ts";

// TEST_CLOCK moves the whole test world's clock (test/clock/): this process's (the simulator's) here, each workerd
// test isolate's by the same offset in its setup.
const clockOffset = clockOffsetMs(process.env.TEST_CLOCK);
moveDate(clockOffset);

// The playground page, GET /openapi.json and GET /docs are static assets (public/), which the Worker answers from
// when SELF.fetch reaches it: built here from the code under test, so that no run reads files left by an older build.
buildAssets();

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
          // Every provider points at its real host, which the outbound service routes to the simulator. The keys are
          // fakes of the shapes the simulator accepts (test/sim/testing.ts).
          LEONARDO_API_KEY: "0f8fad5b-d9cb-469f-a165-70867728950e",
          LEONARDO_WEBHOOK_TOKEN: "leonardo-callback-token-for-tests",
          APIFRAME_API_KEY: "afk_simtest_0123456789abcdef",
          OPENAI_API_KEY: "sk-simtest-0123456789abcdef",
          // Fan-out is exercised on every provider: apiframe and OpenAI take 10 images per call upstream, 4 here.
          PROVIDER_MAX_PER_CALL: "apiframe=4,openai=4",
          // Short upstream time limits, so that hang faults end quickly.
          UPSTREAM_TIMEOUT_SECONDS: "3",
          OPENAI_TIMEOUT_SECONDS: "4",
        },
      },
    }),
  ],
  test: {
    include: ["test/{unit,integration,fuzz}/**/*.test.ts"],
    setupFiles: ["test/clock/setup.ts"],
    testTimeout: 30_000,
    // The Worker logs a JSON line per request and per job transition; show them only for a failing test. `npm run fuzz`
    // (FUZZ_RUNS set, --silent=false) shows only the fuzzers' figure lines.
    silent: "passed-only",
    onConsoleLog: process.env.FUZZ_RUNS ? (log: string) => log.startsWith("fuzz:") : undefined,
    provide: { fuzzRuns, fuzzSeed: Number(process.env.FUZZ_SEED) || null, clockOffsetMs: clockOffset },
  },
});
