#!/usr/bin/env node
// `npm start`: makes .dev.vars on first run (a development key, a signing secret and an admin token), prints the key,
// runs wrangler dev. The development key becomes a real key with credits the first time it is used (src/accounts/keys.ts).
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { buildAssets } from "./assets.mjs";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const base62 = (n) => Array.from({ length: n }, () => BASE62[randomInt(62)]).join("");
const port = process.env.PORT ?? "8787";

function readVars(path) {
  if (!existsSync(path)) return {};
  return Object.fromEntries(
    readFileSync(path, "utf8").split("\n").filter((l) => /^\w+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

const vars = { ENVIRONMENT: "development", SANDBOX: "on", ...readVars(".dev.vars") };
if (!/^ig_test_[0-9A-Za-z]{32}$/.test(vars.DEV_API_KEY ?? "")) vars.DEV_API_KEY = `ig_test_${base62(32)}`;
if (!vars.FILE_SIGNING_SECRET || vars.FILE_SIGNING_SECRET.startsWith("replace")) vars.FILE_SIGNING_SECRET = randomBytes(32).toString("hex");
// ADMIN_TOKEN from the environment wins; otherwise one is made once and kept in .dev.vars.
if (process.env.ADMIN_TOKEN) vars.ADMIN_TOKEN = process.env.ADMIN_TOKEN;
if (!vars.ADMIN_TOKEN || vars.ADMIN_TOKEN.startsWith("replace")) vars.ADMIN_TOKEN = randomBytes(32).toString("hex");
writeFileSync(".dev.vars", Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");

buildAssets();

// Opt-in settings, said at start: retired-model upgrades are off unless RETIRED_MODEL_UPGRADES names a pair.
const setting = (name) => (vars[name] ?? "").trim();
const upgrades = setting("RETIRED_MODEL_UPGRADES");
const upgradesLine = upgrades
  ? `on: ${upgrades} (RETIRED_MODEL_UPGRADES; a pair that cannot apply is ignored, the log says why)`
  : "off (set RETIRED_MODEL_UPGRADES in .dev.vars, e.g. gpt-image-1.5=gpt-image-2.6-sunburst)";
const prices = setting("CREDIT_PRICES");
let pricesLine = "the catalogue's (set CREDIT_PRICES in .dev.vars for your own)";
if (prices) {
  try {
    JSON.parse(prices);
    pricesLine = `CREDIT_PRICES over the catalogue's: ${prices}`;
  } catch {
    pricesLine = "CREDIT_PRICES is not JSON: creates will answer 503 until it is fixed";
  }
}

console.log(`
  imagegate (development) — http://localhost:${port}
  development key: ${vars.DEV_API_KEY}  (seeded with credits on first use)
  admin token:     ADMIN_TOKEN in .dev.vars
  retired-model upgrades: ${upgradesLine}
  credit prices:   ${pricesLine}

  export IMAGEGATE_KEY=${vars.DEV_API_KEY}
`);

const child = spawn("npx", ["wrangler", "dev", "--port", port, "--ip", "127.0.0.1", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
child.on("exit", (code) => process.exit(code ?? 0));
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
