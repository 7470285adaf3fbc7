#!/usr/bin/env node
// Reports the minified Worker bundle's size (raw and gzip) from `wrangler deploy --dry-run --outdir dist --minify`,
// and fails when gzip exceeds the budget (BUNDLE_BUDGET_KIB, default 107: 100 until the streaming JSON and multipart
// readers, upload metering and usage landed at 105.8; of what remains, about 5 KiB gzip is zod's JSON Schema generator,
// which zod's classic API bundles with every schema, and which a move of the run-time validators to zod/mini would drop).
import { readdirSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const budgetKiB = Number(process.env.BUNDLE_BUDGET_KIB ?? 107);
const files = readdirSync("dist").filter((f) => f.endsWith(".js"));
const bytes = Buffer.concat(files.map((f) => readFileSync(`dist/${f}`)));
const gzip = gzipSync(bytes, { level: 9 }).length;
const kib = (n) => (n / 1024).toFixed(1);
console.log(`bundle: ${files.join(", ")} ${kib(bytes.length)} KiB minified, ${kib(gzip)} KiB gzip (budget ${budgetKiB} KiB)`);
if (gzip > budgetKiB * 1024) {
  console.error(`bundle: over budget by ${kib(gzip - budgetKiB * 1024)} KiB`);
  process.exit(1);
}
