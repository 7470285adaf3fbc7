import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { buildAssets } from "../../scripts/assets.mjs";

// A real gateway for the browser tests: `wrangler dev` on a free local port, with a temporary .dev.vars (a fresh
// development key and signing secret) and a throwaway persistence directory. Everything it prints is kept, so a
// test can read the Worker's log lines.

export interface Gateway {
  origin: string;
  devKey: string;
  signingSecret: string;
  /** Every line wrangler and the Worker have printed so far. */
  output: string[];
  stop(): Promise<void>;
}

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startGateway(): Promise<Gateway> {
  buildAssets();
  const dir = mkdtempSync(join(tmpdir(), "imagegate-e2e-"));
  const devKey = `ig_test_${Array.from({ length: 32 }, () => BASE62[randomInt(62)]).join("")}`;
  const signingSecret = randomBytes(32).toString("hex");
  const vars = join(dir, ".dev.vars");
  writeFileSync(vars, `ENVIRONMENT=development\nSANDBOX=on\nSANDBOX_LATENCY_MS=1500\nDEV_API_KEY=${devKey}\nFILE_SIGNING_SECRET=${signingSecret}\n`);
  // E2E_PORT / E2E_INSPECTOR_PORT pin the ports (e.g. on a shared machine); otherwise any free ones.
  const port = Number(process.env.E2E_PORT ?? (await freePort()));
  const inspector = Number(process.env.E2E_INSPECTOR_PORT ?? (await freePort()));
  const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin/wrangler.js");
  const args = [
    wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector),
    "--env-file", vars, "--persist-to", join(dir, "state"), "--show-interactive-dev-session=false",
  ];
  const child = spawn(process.execPath, args, {
    cwd: join(dirname(new URL(import.meta.url).pathname), "../.."),
    // No metrics, and no fetch of the `Request.cf` placeholder from Cloudflare: nothing leaves this machine.
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() ends workerd with it
  });
  const output: string[] = [];
  let partial = "";
  const collect = (chunk: Buffer) => {
    const lines = (partial + chunk.toString("utf8")).split("\n");
    partial = lines.pop() ?? "";
    output.push(...lines);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      process.kill(-child.pid, "SIGTERM");
      const timer = setTimeout(() => child.exitCode === null && process.kill(-child.pid!, "SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (partial) output.push(partial);
    rmSync(dir, { recursive: true, force: true });
  };

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output.slice(-40).join("\n")}`);
    }
    const ok = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not answer on ${origin} within 90 s:\n${output.slice(-40).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { origin, devKey, signingSecret, output, stop };
}
