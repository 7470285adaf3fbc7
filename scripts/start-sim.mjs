#!/usr/bin/env node
// `npm run start:sim`: the provider simulator (test/sim/server.ts) plus the gateway (via scripts/start.mjs, i.e.
// wrangler dev) wired to it: every provider's base URL points at the simulator's prefixes, with fake keys of the shapes
// it accepts, and Leonardo's per-key callback points back at the gateway. The way to try every provider locally.
//   PORT (gateway, default 8787) · SIM_PORT (simulator, default 8790) · SIM_LATENCY_MS (upstream job time, default 300)
import { spawn } from "node:child_process";

const port = process.env.PORT ?? "8787";
const simPort = process.env.SIM_PORT ?? "8790";
const sim = `http://127.0.0.1:${simPort}`;
const gateway = `http://127.0.0.1:${port}`;

const vars = {
  LEONARDO_API_KEY: "00000000-0000-4000-8000-00000000510a",
  LEONARDO_BASE_URL: `${sim}/leonardo/api/rest`,
  LEONARDO_WEBHOOK_TOKEN: "sim-leonardo-callback-token",
  APIFRAME_API_KEY: "afk_sim_00000000000000000000",
  APIFRAME_BASE_URL: `${sim}/apiframe`,
  OPENAI_API_KEY: "sk-sim-00000000000000000000",
  OPENAI_BASE_URL: `${sim}/openai/v1`,
};

const children = [];
function stopAll(code) {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  process.exit(code);
}
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => stopAll(0));

const simulator = spawn(process.execPath, ["test/sim/server.ts"], { stdio: ["ignore", "inherit", "inherit"], env: { ...process.env, SIM_PORT: simPort } });
children.push(simulator);
simulator.on("exit", (code) => {
  console.error(`simulator exited (${code}); stopping`);
  stopAll(code ?? 1);
});

async function waitForSimulator() {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`${sim}/_sim/config`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the simulator did not start on ${sim}`);
}

await waitForSimulator();
const configured = await fetch(`${sim}/_sim/config`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ leonardo: { apiKey: vars.LEONARDO_API_KEY, callbackUrl: `${gateway}/hooks/leonardo`, callbackToken: vars.LEONARDO_WEBHOOK_TOKEN } }),
});
if (!configured.ok) throw new Error(`could not configure the simulator: ${configured.status}`);

console.log(`
  provider simulator — ${sim}   (faults: POST ${sim}/_sim/faults, calls: GET ${sim}/_sim/calls)
  leonardo → ${vars.LEONARDO_BASE_URL}
  apiframe → ${vars.APIFRAME_BASE_URL}
  openai   → ${vars.OPENAI_BASE_URL}
  Try: "provider": "leonardo" | "apiframe" | "openai" in POST ${gateway}/v2/images/generate
`);

const wranglerVars = Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
const gatewayProcess = spawn(process.execPath, ["scripts/start.mjs", ...wranglerVars, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, PORT: port },
});
children.push(gatewayProcess);
gatewayProcess.on("exit", (code) => stopAll(code ?? 0));
