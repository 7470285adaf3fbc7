// Standalone simulator: `node test/sim/server.ts` (Node ≥ 22 strips the types). Providers live under prefixes:
// /leonardo/api/rest/…, /apiframe/v2/…, /openai/v1/…; control under /_sim/…. Callbacks are POSTed for real.
import { serve } from "@hono/node-server";
import { createSimulator } from "./index.ts";

const port = Number(process.env.SIM_PORT ?? 8790);
const latency = process.env.SIM_LATENCY_MS;
const sim = createSimulator({ deliverCallbacks: true, latencyMs: latency === undefined ? undefined : Number(latency) });

const server = serve({ fetch: sim.fetch, port, hostname: "127.0.0.1" }, (info) => {
  console.log(`simulator listening on http://127.0.0.1:${info.port}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, () => {
    server.close();
    process.exit(0);
  });
