#!/usr/bin/env node
// Reports the minified Worker bundle's size (raw and gzip) from `wrangler deploy --dry-run --outdir dist --minify`,
// and fails when gzip exceeds the budget (BUNDLE_BUDGET_KIB, default 89.5: 107 until the run-time schemas moved to
// zod/mini, which tree-shakes where classic zod bundles its JSON Schema generator with every schema; issue 15 asks 85).
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const budgetKiB = Number(process.env.BUNDLE_BUDGET_KIB ?? 89.5);
const files = readdirSync("dist").filter((f) => f.endsWith(".js"));
const bytes = Buffer.concat(files.map((f) => readFileSync(`dist/${f}`)));
const gzip = gzipSync(bytes, { level: 9 }).length;
const kib = (n) => (n / 1024).toFixed(1);
console.log(`bundle: ${files.join(", ")} ${kib(bytes.length)} KiB minified, ${kib(gzip)} KiB gzip (budget ${budgetKiB} KiB)`);
if (gzip > budgetKiB * 1024) {
  console.error(`bundle: over budget by ${kib(gzip - budgetKiB * 1024)} KiB`);
  process.exit(1);
}
